"""Routing agrees with Debian's real `amtool config routes test`, and follows route.go."""

from __future__ import annotations

import random
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from integrations.alertmanager import (
    compile_tree,
    inhibited,
    is_muted,
    load_config,
    match_routes,
    receivers_for,
)
from integrations.alertmanager.matchers import Matcher, parse_matchers
from playbook.errors import InvalidDefinition

AMTOOL = shutil.which("amtool")
VOCAB = {
    "team": ["db", "web", "api", "payments"],
    "severity": ["critical", "warning", "info"],
    "service": ["payments", "paypal", "search", "auth"],
    "env": ["prod", "dev", "staging"],
    "alertname": ["HighLatency", "ErrorBudgetBurn", "DiskFull"],
}
REGEXES = {
    "team": ["db|web", "[a-d].*", "pay.*"],
    "severity": ["(crit|warn).*", "info|warning", ".+"],
    "service": ["pay.*", "s.*h", "a.*|search"],
    "env": ["prod|dev", "stag.*", ""],
    "alertname": ["(?:High|Disk).*", ".*Burn", "Disk"],
}

FIXED = """
route:
  receiver: default
  group_by: [alertname, service]
  group_wait: 10s
  routes:
    - matchers: ['team="db"']
      receiver: db-pager
      continue: true
    - match: {severity: critical}
      receiver: pagerduty-critical
      group_by: ['...']
      routes:
        - match_re: {service: "pay.*"}
          receiver: payments-pager
          repeat_interval: 1h
        - matchers: ['env!="prod"']
          receiver: slack-critical
    - matchers: ['team=~"db|web"', 'env!~"dev|staging"']
      receiver: web-oncall
      mute_time_intervals: [weekends]
    - matchers: ['{service="search", severity="warning"}']
      receiver: slack-search
receivers:
  - name: default
  - name: db-pager
    pagerduty_configs: [{routing_key: x}]
  - name: pagerduty-critical
    pagerduty_configs: [{routing_key: y}]
  - name: payments-pager
  - name: slack-critical
    slack_configs: [{channel: '#critical', api_url: 'http://127.0.0.1:1/'}]
  - name: web-oncall
  - name: slack-search
time_intervals:
  - name: weekends
    time_intervals:
      - weekdays: ['saturday', 'sunday']
        location: Europe/Berlin
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [service]
"""


def random_matchers(rng: random.Random) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for _ in range(1 if rng.random() < 0.8 else 2):
        name = rng.choice(list(VOCAB))
        kind = rng.choice(["match", "match_re", "eq", "ne", "re", "nre", "unquoted"])
        value = rng.choice(VOCAB[name])
        regex = rng.choice(REGEXES[name])
        if kind == "match":
            out.setdefault("match", {})[name] = value
        elif kind == "match_re":
            out.setdefault("match_re", {})[name] = regex
        else:
            text = {
                "eq": f'{name}="{value}"',
                "ne": f'{name}!="{value}"',
                "re": f'{name}=~"{regex}"',
                "nre": f'{name}!~"{regex}"',
                "unquoted": f"{name}={value}",
            }[kind]
            out.setdefault("matchers", []).append(text)
    return out


def random_tree(rng: random.Random, depth: int, receivers: list[str]) -> list[dict[str, Any]]:
    routes = []
    for _ in range(rng.randint(0 if depth else 2, 4 if depth == 0 else 2)):
        route: dict[str, Any] = random_matchers(rng)
        if rng.random() < 0.8:
            route["receiver"] = rng.choice(receivers)
        if rng.random() < 0.4:
            route["continue"] = True
        if depth < 2:
            children = random_tree(rng, depth + 1, receivers)
            if children:
                route["routes"] = children
        routes.append(route)
    return routes


def random_config(seed: int) -> str:
    rng = random.Random(seed)
    receivers = [f"r{i}" for i in range(6)]
    config = {
        "route": {"receiver": "r0", "routes": random_tree(rng, 0, receivers[1:])},
        "receivers": [{"name": r} for r in receivers],
    }
    return yaml.safe_dump(config, sort_keys=False)


def random_labels(rng: random.Random) -> dict[str, str]:
    names = rng.sample(list(VOCAB), rng.choice([0, 2, 3, 4, 5, 5, 5]))
    return {name: rng.choice(VOCAB[name]) for name in names}


def amtool(config: Path, labels: dict[str, str]) -> list[str]:
    assert AMTOOL is not None
    args = [AMTOOL, "config", "routes", "test", f"--config.file={config}"]
    args += [f"{k}={v}" for k, v in labels.items()]
    done = subprocess.run(args, capture_output=True, text=True, check=True, timeout=30)
    return done.stdout.strip().split(",")


CONFIGS = [("fixed", FIXED)] + [(f"random-{seed}", random_config(seed)) for seed in range(1, 9)]
CASES = {"fixed": 60}  # label sets per configuration; 25 for each random one


@pytest.mark.skipif(
    AMTOOL is None, reason="Debian's prometheus-alertmanager (amtool) is not installed"
)
@pytest.mark.parametrize(("name", "text"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_receivers_agree_with_amtool_on_generated_label_sets(
    name: str, text: str, tmp_path: Path
) -> None:
    path = tmp_path / "alertmanager.yml"
    path.write_text(text, encoding="utf-8")
    config = load_config(path)
    rng = random.Random(name)
    label_sets = [random_labels(rng) for _ in range(CASES.get(name, 25))]
    with ThreadPoolExecutor(max_workers=2) as pool:
        expected = list(pool.map(lambda labels: amtool(path, labels), label_sets))
    disagreements = [
        (labels, want, receivers_for(config, labels))
        for labels, want in zip(label_sets, expected, strict=True)
        if receivers_for(config, labels) != want
    ]
    assert disagreements == []


FIXED_CONFIG = load_config(Path("am.yml"), text=FIXED)


def fixed_config(tmp_path: Path) -> Any:
    path = tmp_path / "alertmanager.yml"
    path.write_text(FIXED, encoding="utf-8")
    return load_config(path)


def test_children_inherit_timers_and_group_by_unless_they_set_them(tmp_path: Path) -> None:
    root = compile_tree(fixed_config(tmp_path))
    critical = root.children[1]
    payments = critical.children[0]
    assert (root.group_wait, root.group_interval, root.repeat_interval) == (10, 300, 14400)
    assert root.children[0].group_by == ("alertname", "service")
    assert critical.group_by is None and payments.group_by is None  # '...' inherited
    assert (payments.group_wait, payments.repeat_interval) == (10, 3600)
    assert payments.group_key({"a": "1", "service": "payments"}) == (
        ("a", "1"),
        ("service", "payments"),
    )


def test_mute_time_intervals_apply_to_their_route_only(tmp_path: Path) -> None:
    config = fixed_config(tmp_path)
    web = match_routes(compile_tree(config), {"team": "web", "env": "prod"})[0]
    saturday, monday = datetime(2026, 12, 5, 12, tzinfo=UTC), datetime(2026, 12, 7, 12, tzinfo=UTC)
    intervals = config.intervals()
    assert is_muted(intervals, web.mute_time_intervals, web.active_time_intervals, saturday)
    assert not is_muted(intervals, web.mute_time_intervals, web.active_time_intervals, monday)
    assert compile_tree(config).children[1].mute_time_intervals == ()


def test_a_critical_alert_inhibits_warnings_of_the_same_service_only() -> None:
    config = load_config(Path("am.yml"), text=FIXED)
    critical = {"severity": "critical", "service": "search"}
    assert inhibited(config.inhibit_rules, {"severity": "warning", "service": "search"}, [critical])
    assert not inhibited(
        config.inhibit_rules, {"severity": "warning", "service": "auth"}, [critical]
    )
    assert not inhibited(config.inhibit_rules, critical, [critical])


def test_matchers_parse_quoted_unquoted_and_braced_forms() -> None:
    assert [str(m) for m in parse_matchers('{a="x, y", b!=z , c=~"d|e"}')] == [
        'a="x, y"',
        'b!="z"',
        'c=~"d|e"',
    ]
    assert parse_matchers('a="1"')[0].matches({}) is False
    assert parse_matchers('a=""')[0].matches({}) is True
    assert parse_matchers('a=~"b"')[0].matches({"a": "abc"}) is False  # anchored


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ("route: {receiver: nobody}\nreceivers: [{name: a}]\n", "undefined receiver 'nobody'"),
        (
            "route: {receiver: a, group_by: ['...', x]}\nreceivers: [{name: a}]\n",
            "must be the only",
        ),
        (
            "route: {receiver: a, routes: [{matchers: ['a=~\"(\"']}]}\nreceivers: [{name: a}]\n",
            "invalid regular",
        ),
        (
            "route: {receiver: a, routes: [{mute_time_intervals: [x]}]}\nreceivers: [{name: a}]\n",
            "undefined time",
        ),
        ("route: {receiver: a, group_wait: 5 minutes}\nreceivers: [{name: a}]\n", "not a duration"),
        ("route: {receiver: a, bogus: 1}\nreceivers: [{name: a}]\n", "unknown field"),
    ],
)
def test_bad_configurations_are_refused_with_file_and_line(snippet: str, message: str) -> None:
    with pytest.raises(InvalidDefinition, match=message) as info:
        load_config(Path("am.yml"), text=snippet)
    assert info.value.source == "am.yml" and info.value.line is not None


LABEL = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True)


@given(LABEL, st.sampled_from(["=", "!="]), st.text(max_size=20))
def test_a_printed_matcher_parses_back_to_itself(name: str, op: str, value: str) -> None:
    matcher = Matcher(name, op, value)  # type: ignore[arg-type]
    assert parse_matchers(str(matcher)) == [matcher]


@given(
    st.dictionaries(
        st.sampled_from(list(VOCAB)), st.sampled_from(["db", "web", "critical", "prod", "x"])
    )
)
def test_every_alert_reaches_at_least_one_receiver_and_only_defined_ones(
    labels: dict[str, str],
) -> None:
    config = FIXED_CONFIG
    found = receivers_for(config, labels)
    assert found and set(found) <= {r.name for r in config.receivers}
