"""Compiled schedules and targets agree with the playbook's own on_call_at and resolve_targets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from playbook.escalation import escalation_timeline, resolve_targets
from playbook.model import Playbook
from playbook.schedules import on_call_at
from simulator.paging import Paging, compile_targets

START = datetime(2025, 1, 6, 5, 0, tzinfo=UTC)  # Monday 00:00 in New York
TOTAL = 60 * 24 * 60.0  # 60 days


def paging(book: Playbook) -> tuple[Paging, dict[str, int]]:
    names = [p.name for p in book.people]
    index = {n: i for i, n in enumerate(names)}
    return Paging(book, start=START, total_minutes=TOTAL, person_index=index), index


@settings(max_examples=80, deadline=None)
@given(st.floats(min_value=0, max_value=TOTAL - 1))
def test_a_rendered_schedule_names_who_on_call_at_names(book: Playbook, minute: float) -> None:
    pager, index = paging(book)
    names = {i: n for n, i in index.items()}
    at = START + timedelta(minutes=minute)
    for compiled, schedule in zip(pager.schedules, book.schedules, strict=True):
        who = compiled.at(minute)
        assert (names[who],) == on_call_at(schedule, at)


@settings(max_examples=40, deadline=None)
@given(st.floats(min_value=0, max_value=TOTAL - 1))
def test_targets_resolve_as_the_playbook_resolves_them(book: Playbook, minute: float) -> None:
    pager, index = paging(book)
    names = {i: n for n, i in index.items()}
    at = START + timedelta(minutes=minute)
    for policy in book.escalation_policies:
        for rule in policy.rules:
            compiled = compile_targets(rule.targets, index, pager.schedule_index)
            ours = tuple(names[p] for p in pager.resolve(compiled, minute))
            assert ours == resolve_targets(rule.targets, at, book.schedules_by_name)


def test_the_timeline_is_the_playbooks_escalation_timeline(book: Playbook) -> None:
    pager, _ = paging(book)
    steps = pager.timeline("checkout", "high")
    expected = escalation_timeline(book.policy("checkout"), horizon=1e9)
    assert [(s.minute, s.rule, s.loop) for s in steps] == [
        (n.minute, n.rule, n.loop) for n in expected
    ]
    assert [(s.minute, s.rule) for s in steps][:3] == [(0, 1), (10, 2), (25, 1)]


def test_a_low_urgency_timeline_notifies_rule_one_only(book: Playbook) -> None:
    pager, _ = paging(book)
    assert [(s.minute, s.rule) for s in pager.timeline("sev1", "low")] == [(0, 1)]


def test_on_call_spans_cover_the_rotation_for_each_person(book: Playbook) -> None:
    pager, index = paging(book)
    spans = pager.on_call_spans(["checkout"])
    total = sum(e - s for person in spans.values() for s, e in person)
    # One primary on call at every instant of the rendered window (a day of margin each side).
    assert total >= TOTAL
    assert set(spans) == {index[n] for n in ("alice", "bob", "carol", "dave")}
