"""An escalation rule with several targets pages every one of them, once, in target order."""

from __future__ import annotations

from datetime import UTC, datetime

from playbook.escalation import Target
from simulator.paging import Paging, compile_targets
from tests.simulator.helpers import pages, run_alerts, tiny_study

# Rule 1 of p1 names the primary (alice), the manager, the secondary (bob), the manager again
# and a ticket: three people, the manager once, the ticket nobody.
MULTI = {
    "playbook_patch": {
        "escalation_policies.p1.steps": [
            {
                "at_minute": 0,
                "targets": [
                    "schedule:primary", "user:manager", "schedule:secondary", "user:manager",
                    "ticket:backlog",
                ],
            },
            {"at_minute": 30, "targets": ["user:ic"]},
        ]
    }
}  # fmt: skip
NEVER = {"miss": {"working": 1, "off_hours": 1, "asleep": 1}}


def test_every_target_of_a_rule_is_paged_at_once_and_each_person_once() -> None:
    records = run_alerts(tiny_study(MULTI), [600.0], ["SEV1"])
    assert pages(records) == [(600.0, "alice"), (600.0, "manager"), (600.0, "bob")]
    assert records.incidents["pages"].tolist() == [3]


def test_the_first_of_the_paged_to_answer_acknowledges() -> None:
    # Alice never answers; the manager and Bob both take a minute, and the manager was
    # paged first, so the manager acknowledges at 601 and rule 2 (minute 30) is not sent.
    study = tiny_study({**MULTI, "responders.people": {"alice": NEVER}})
    records = run_alerts(study, [600.0], ["SEV1"])
    assert pages(records) == [(600.0, "alice"), (600.0, "manager"), (600.0, "bob")]
    assert records.incidents["acker"].tolist() == [2]
    assert records.incidents["ack"].tolist() == [601.0]


def test_when_none_of_the_several_answers_escalation_continues_to_the_next_rule() -> None:
    study = tiny_study(
        {**MULTI, "responders.people": {"alice": NEVER, "bob": NEVER, "manager": NEVER}}
    )
    records = run_alerts(study, [600.0], ["SEV1"])
    assert pages(records) == [(600.0, "alice"), (600.0, "manager"), (600.0, "bob"), (630.0, "ic")]
    assert records.incidents["acker"].tolist() == [3]


def test_resolve_skips_a_schedule_with_nobody_on_call_and_keeps_target_order() -> None:
    book = tiny_study().book
    start = datetime(2025, 1, 6, tzinfo=UTC)
    index = {"alice": 0, "bob": 1, "manager": 2, "ic": 3}
    pager = Paging(book, start=start, total_minutes=7 * 1440, person_index=index)
    targets = compile_targets(
        (Target(type="user", id="ic"), Target(type="schedule", id="secondary"),
         Target(type="ticket", id="backlog"), Target(type="user", id="ic")),
        index, pager.schedule_index,
    )  # fmt: skip
    assert pager.resolve(targets, 600.0) == [3, 1]
    # Far past the rendered run (and its day of margin) the secondary has nobody on call.
    assert pager.resolve(targets, 30 * 1440.0) == [3]
