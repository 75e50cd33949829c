"""The four burn-rate tiers, as the drill stack generates them, under ``promtool test rules``.

Each case feeds Prometheus's own rule tester (Debian's ``promtool``) a checkout that served
without errors long enough to fill every window, then starts failing at a constant share
``r`` of requests. A window of ``W`` seconds then reads ``r * x / W`` after ``x`` seconds,
so a tier (burn rate ``k``, long window ``L``, short window ``S``, error budget ``B``) fires
once ``x > k * B * L / r`` and ``x > k * B * S / r``, plus its ``for``. The expected instants
below are that arithmetic on the drill's compressed windows (factor 60: 1h is 60 s), not the
rules' output; each case checks a few seconds before (nothing) and after (firing).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from scenarios.monitoring.rules import AlertRule, RulesConfig, alert_rules

PROMTOOL = shutil.which("promtool")
pytestmark = pytest.mark.skipif(PROMTOOL is None, reason="needs Debian's prometheus (promtool)")

BUDGET = 0.0005  # 99.95 % availability (seed 004)
PAGE = "CheckoutHighErrorBudgetBurn"
TICKET = "CheckoutSlowErrorBudgetBurn"
LABELS = {
    PAGE: {"severity": "critical", "service": "checkout", "source": "seed 004", "team": "checkout"},
    TICKET: {"severity": "warning", "service": "checkout", "source": "seed 004 + SRE workbook", "team": "checkout"},
}


def rule_file(tmp: Path) -> Path:
    """The generated burn alerts (expressions, ``for`` and labels) without the annotations,
    whose templates query a live Prometheus."""
    rules: list[AlertRule] = [r for r in alert_rules(RulesConfig()) if r.alert in LABELS]
    doc = {"groups": [{"name": "burn", "rules": [{k: v for k, v in r.as_yaml_dict().items() if k != "annotations"} for r in rules]}]}
    path = tmp / "rules.yml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def series(step: int, end: int, per_second: int, errors: int, interval: int) -> list[dict[str, str]]:
    """``per_second`` requests a second throughout; ``errors`` of them 500s from ``step`` on
    (samples every ``interval`` seconds)."""
    ok, bad, n, first = (per_second - errors) * interval, errors * interval, end // interval, step // interval
    return [
        {"series": 'http_requests_total{service="checkout",status="200"}', "values": f"0+{ok}x{n}"},
        {"series": 'http_requests_total{service="checkout",status="500"}', "values": f"0x{first} {bad}+{bad}x{n - first - 1}"},
    ]


def check(
    tmp: Path, *, step: int, per_second: int, errors: int, expectations: list[tuple[int, str, bool]], interval: int = 1
) -> None:
    end = step + max(at for at, _, _ in expectations) + 5
    tests: list[dict[str, Any]] = [{
        "interval": f"{interval}s",
        "input_series": series(step, end, per_second, errors, interval),
        "alert_rule_test": [
            {"eval_time": f"{step + at}s", "alertname": alert,
             "exp_alerts": [{"exp_labels": LABELS[alert]}] if firing else []}
            for at, alert, firing in expectations
        ],
    }]  # fmt: skip
    test_file = tmp / "test.yml"
    test_file.write_text(yaml.safe_dump({"rule_files": [str(rule_file(tmp))], "evaluation_interval": f"{interval}s", "tests": tests}))
    promtool(test_file)


def promtool(test_file: Path) -> None:
    assert PROMTOOL is not None
    done = subprocess.run([PROMTOOL, "test", "rules", str(test_file)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_page_tier_1_burning_14x_over_1h_and_5m(tmp_path: Path) -> None:
    # r = 1 % = 20 B. Long [1h] -> 60 s: x > 14.4/20 * 60 = 43.2 s; short [5s]: 3.6 s; for 2 s.
    # Tier 2 (6x over [6h] -> 360 s) would need x > 108 s: not before.
    check(tmp_path, step=400, per_second=100, errors=1, expectations=[
        (42, PAGE, False), (50, PAGE, True), (50, TICKET, False),
    ])  # fmt: skip


def test_page_tier_2_burning_6x_over_6h_and_30m(tmp_path: Path) -> None:
    # r = 0.5 % = 10 B: below tier 1's 14.4 B forever. Long [6h] -> 360 s: x > 6/10 * 360 =
    # 216 s; short [30m] -> 30 s: 18 s; for 2 s.
    check(tmp_path, step=400, per_second=200, errors=1, expectations=[
        (150, PAGE, False), (214, PAGE, False), (225, PAGE, True),
    ])  # fmt: skip


def test_ticket_tier_3_burning_3x_over_1d_and_2h(tmp_path: Path) -> None:
    # r = 0.2 % = 4 B: no page tier (6 B at least). Long [1d] -> 1440 s: x > 3/4 * 1440 =
    # 1080 s; short [2h] -> 120 s: 90 s; for 1h -> 60 s: firing from 1140 s.
    # Samples every 2 s (the shortest window here, [2h] -> 120 s, holds 60 of them).
    check(tmp_path, step=4400, per_second=500, errors=1, interval=2, expectations=[
        (1130, TICKET, False), (1150, TICKET, True), (1150, PAGE, False),
    ])  # fmt: skip


def test_ticket_tier_4_burning_1x_over_3d_and_6h(tmp_path: Path) -> None:
    # r = 0.1 % = 2 B: tier 3's short window never passes 3 B. Long [3d] -> 4320 s:
    # x > 1/2 * 4320 = 2160 s; short [6h] -> 360 s: 180 s; for 60 s: firing from 2220 s.
    check(tmp_path, step=4400, per_second=1000, errors=1, interval=2, expectations=[
        (1150, TICKET, False), (2210, TICKET, False), (2230, TICKET, True), (2230, PAGE, False),
    ])  # fmt: skip


def test_the_page_alert_resets_soon_after_the_burn_stops(tmp_path: Path) -> None:
    # 1 % errors for 120 s (page tier 1 fires at ~46 s), then none. Tier 1's short [5m] -> 5 s
    # window is clean 5 s later; tier 2's long [6h] -> 360 s average (120 s of 1 %: 0.33 %)
    # is still above 6 B = 0.3 %, but its short [30m] -> 30 s window is clean 30 s after the
    # stop: the alert resolves then (the workbook's reason for the short window), not when
    # the long windows forget the burn (6 minutes).
    end = 400 + 200
    tests = [{
        "interval": "1s",
        "input_series": [
            {"series": 'http_requests_total{service="checkout",status="200"}', "values": f"0+99x{end}"},
            {"series": 'http_requests_total{service="checkout",status="500"}', "values": f"0x400 1+1x119 120x{end - 520}"},
        ],
        "alert_rule_test": [
            {"eval_time": "500s", "alertname": PAGE, "exp_alerts": [{"exp_labels": LABELS[PAGE]}]},
            {"eval_time": "540s", "alertname": PAGE, "exp_alerts": [{"exp_labels": LABELS[PAGE]}]},
            {"eval_time": "560s", "alertname": PAGE, "exp_alerts": []},
        ],
    }]  # fmt: skip
    test_file = tmp_path / "test.yml"
    test_file.write_text(yaml.safe_dump({"rule_files": [str(rule_file(tmp_path))], "evaluation_interval": "1s", "tests": tests}))
    promtool(test_file)
