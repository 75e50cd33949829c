"""import(export(p)) gives the same on-call answers and escalation timelines as p."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from integrations.document import base_document, dump_playbook, merge_sections
from integrations.naming import slug
from integrations.pagerduty import account_sections
from integrations.pagerduty.export import export_pagerduty
from integrations.terraform import account_from_terraform, parse_hcl
from playbook.errors import InvalidDefinition
from playbook.escalation import escalation_timeline, resolve_targets
from playbook.model import Playbook, default_playbook
from playbook.schedules import on_call_at
from tests.integrations.conftest import import_bodies
from tests.integrations.generated import account


def instants(seed: int, count: int = 150) -> list[datetime]:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return [start + timedelta(minutes=rng.randrange(0, 2 * 365 * 1440)) for _ in range(count)]


def via_api_json(book: Playbook) -> Playbook:
    files, _ = export_pagerduty(book, fmt="api-json")
    return import_bodies(
        *(json.loads(text) for name, text in files.items() if not name.startswith("overrides-"))
    )


def via_terraform(book: Playbook) -> Playbook:
    files, _ = export_pagerduty(book, fmt="terraform")
    account = account_from_terraform([parse_hcl(files["pagerduty.tf"], "pagerduty.tf")])
    doc, _ = merge_sections(base_document(None), account_sections(account))
    return dump_playbook(doc, "out.yaml")[1]


def generated_book() -> Playbook:
    book = import_bodies(*account(seed=11, users=16, schedules=6, policies=6))
    schedule = book.schedules[0]
    override = {
        "start": "2025-06-02T09:00:00+00:00",
        "end": "2025-06-04T09:00:00+00:00",
        "user": book.people[0].name,
    }
    data = book.model_dump(mode="json")
    data["schedules"][0]["overrides"] = [override]
    assert schedule.name == data["schedules"][0]["name"]
    return Playbook.model_validate(data)


ROUTES: list[tuple[str, Callable[[Playbook], Playbook], Callable[[str], str]]] = [
    ("api-json", via_api_json, slug),  # people are named by the slug of their PagerDuty name
    ("terraform", via_terraform, lambda name: name),  # resources keep their names
]
BOOKS = [("default", default_playbook), ("generated", generated_book)]


@pytest.mark.parametrize(("form", "route", "rename"), ROUTES, ids=[r[0] for r in ROUTES])
@pytest.mark.parametrize(("label", "make"), BOOKS, ids=[b[0] for b in BOOKS])
def test_round_trip_keeps_every_on_call_answer(
    form: str,
    route: Callable[[Playbook], Playbook],
    rename: Callable[[str], str],
    label: str,
    make: Callable[[], Playbook],
) -> None:
    book = make()
    back = route(book)
    for index, original in enumerate(book.schedules):
        # Terraform has no override resource: the round trip keeps the layers only.
        schedule = (
            original.model_copy(update={"overrides": ()}) if form == "terraform" else original
        )
        again = back.schedule(rename(schedule.name))
        for at in [*instants(index), datetime(2025, 6, 3, tzinfo=UTC)]:  # inside the override
            answer = [rename(p) for p in on_call_at(schedule, at)]
            assert answer == list(on_call_at(again, at)), (schedule.name, at)


@pytest.mark.parametrize(("form", "route", "rename"), ROUTES, ids=[r[0] for r in ROUTES])
@pytest.mark.parametrize(("label", "make"), BOOKS, ids=[b[0] for b in BOOKS])
def test_round_trip_keeps_every_escalation_timeline(
    form: str,
    route: Callable[[Playbook], Playbook],
    rename: Callable[[str], str],
    label: str,
    make: Callable[[], Playbook],
) -> None:
    book = make()
    back = route(book)
    if form == "terraform":
        book = book.model_copy(
            update={
                "schedules": tuple(s.model_copy(update={"overrides": ()}) for s in book.schedules)
            }
        )
    for policy in book.escalation_policies:
        if all(t.type == "ticket" for rule in policy.rules for t in rule.targets):
            continue  # a ticket pages nobody: PagerDuty has no such policy
        again = back.policy(rename(policy.name))
        for at in instants(7, 25):
            for turn in (0, 1, 2):
                first = escalation_timeline(policy, horizon=240, turn=turn)
                second = escalation_timeline(again, horizon=240, turn=turn)
                assert [(n.minute, n.rule, n.loop) for n in first] == [
                    (n.minute, n.rule, n.loop) for n in second
                ]
                for a, b in zip(first, second, strict=True):
                    when = at + timedelta(minutes=a.minute)
                    people = resolve_targets(a.targets, when, book.schedules_by_name)
                    assert [rename(p) for p in people] == list(
                        resolve_targets(b.targets, when, back.schedules_by_name)
                    )


def test_export_selects_policies_with_the_schedules_they_page() -> None:
    files, notes = export_pagerduty(default_playbook(), policies=["sev2"])
    assert sorted(n for n in files if n.startswith(("schedule-", "escalation_policy-"))) == [
        "escalation_policy-sev2.json",
        "schedule-checkout-primary.json",
        "schedule-checkout-secondary.json",
    ]
    assert any("exported too" in note for note in notes)
    body = json.loads(files["schedule-checkout-primary.json"])["schedule"]
    # naive layer times in the playbook are New York wall-clock times
    assert body["schedule_layers"][0]["start"] == "2025-01-01T00:00:00-05:00"


def test_api_json_lists_layers_newest_first(tmp_path: Path) -> None:
    book = import_bodies(*account(seed=3, users=8, schedules=3, policies=1))
    files, _ = export_pagerduty(book, fmt="api-json")
    for schedule in book.schedules:
        layers = json.loads(files[f"schedule-{schedule.name}.json"])["schedule"]["schedule_layers"]
        assert [layer["name"] for layer in layers] == [
            layer.name for layer in reversed(schedule.layers)
        ]


def test_unknown_selection_is_refused() -> None:
    with pytest.raises(InvalidDefinition, match="unknown schedule"):
        export_pagerduty(default_playbook(), schedules=["nope"])
