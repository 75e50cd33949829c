"""Views: the facilitator sees the truth and what is coming; participants never do."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from drills.actions import DESTRUCTIVE, AssignRole, Look
from drills.autopilot import PROFILES, plan
from drills.channel import Chat, MarkTimeline
from drills.clock import VirtualClock
from drills.library import find_script
from drills.script import DrillScript
from drills.session import DrillSession
from drills.store import Store
from drills.views import events_since, facilitator_view, participant_view
from drills.world.ops import VERBS
from playbook.model import Playbook
from playbook.rubric import default_rubric
from tests.drills.conftest import Drill


def secrets_of(script: DrillScript) -> list[str]:
    truth = script.truth
    words = [truth.root_cause, truth.impact, *truth.contributing_factors, *truth.action_items]
    words += [m.explanation for m in truth.mitigations]
    words += [i.facilitator_note for i in script.injects if i.facilitator_note]
    words += [*truth.hints, script.briefing]
    if script.world is not None:
        words += [f.description for f in script.world.faults]
        words += [f'"{f.id}"' for f in script.world.faults] + [f'"{f.kind}"' for f in script.world.faults]
    return [w for w in words if w]


def undelivered(script: DrillScript, session: DrillSession) -> list[str]:
    """Texts of injects not delivered yet (unless a delivered inject says the same)."""
    said: dict[bool, set[str]] = {True: set(), False: set()}
    for _, _, inject in script.all_injects():
        for field in ("summary", "text", "line", "change"):
            value = getattr(inject, field, None)
            if value:
                said[inject.id in session.state.delivered].add(value)
    return sorted(t for t in said[False] if not any(t in seen for seen in said[True]))


def assert_no_leak(session: DrillSession) -> None:
    shown = participant_view(session, "alice").model_dump_json()
    shown += events_since(session, 0).model_dump_json()
    script = session.script
    for secret in secrets_of(script) + undelivered(script, session):
        assert secret not in shown, secret
    for key in ('"red_herring"', '"actionable"', '"effective"', '"facilitator_note"', '"inject_id"',
                '"impact_started"', '"mitigated"', '"effect"', '"risky"', '"while_impacted"',
                '"red_herrings"', '"faults"', '"remedies"', '"hints"'):
        assert key not in shown, key
    assert "expected_severity" not in shown


@pytest.mark.parametrize("moment", [0.0, 0.5, 1.0])
def test_participants_never_see_the_truth_or_upcoming_injects(
    library: list[DrillScript], book: Playbook, moment: float
) -> None:
    for script in library:
        clock = VirtualClock()
        session = DrillSession.create(script=script, playbook=book, rubric=default_rubric(),
                                      store=Store(":memory:"), clock=clock)
        for name in ("alice", "bob", "carol", "dave"):
            session.join(name)
        session.start()
        stop = script.duration_minutes * moment
        while session.now() < stop and (move := plan(session, PROFILES["wrong-fix"])) is not None:
            if move.at > session.now():
                clock.advance(timedelta(minutes=min(move.at, stop) - session.now()))
                continue
            session.act(move.actor, move.action)
        clock.advance(timedelta(minutes=max(0.0, stop - session.now())))
        assert_no_leak(session)


def test_the_facilitator_sees_the_truth_the_look_ahead_and_the_score(drill: Drill) -> None:
    drill.at(10)
    view = facilitator_view(drill.session)
    assert view.truth["root_cause"].startswith("The refactored order creation query")
    assert view.expected_severity == "SEV2"
    assert [u["ref"] for u in view.upcoming][:2] == ["m2", None]  # the next inject, the impact
    assert view.score.max == 100
    herring = [r for r in events_since(drill.at(25).session, 0, facilitator=True).records
               if getattr(r, "red_herring", False)]
    assert [r.seq for r in herring] and all(r.kind == "inject_delivered" for r in herring)


def test_events_since_returns_only_new_records_and_the_next_offset(drill: Drill) -> None:
    first = events_since(drill.at(5).session, 0)
    assert first.next_offset == drill.session.last_seq()
    later = events_since(drill.at(13).session, first.next_offset)
    assert [r.kind for r in later.records] == ["inject_delivered", "inject_delivered"]
    assert later.records[0].text.startswith("Message from Head of Marketing")


def test_the_participant_view_shows_alerts_metrics_and_a_prefilled_update(drill: Drill) -> None:
    view = participant_view(drill.at(18).session, "bob")
    # A scripted alert has no rule label; the playbook's verdict (SEV2) is not shown.
    assert [(a["alert_id"], a["severity"], a["paging"]) for a in view.alerts] == [
        ("high-error-rate", None, True)
    ]
    assert "SEV2" not in json.dumps(view.alerts)
    assert view.metrics["api-gateway"]["error_rate"] == 45
    assert "What we are doing: [what we are doing]" in view.prefill["status_update"]
    assert {m["id"] for m in view.mitigations} == {
        "rollback-order-service", "hotfix-connection-reuse", "raise-pool-size", "failover-database"
    }
    assert json.loads(view.model_dump_json())["you"] == "bob"


def test_a_facilitator_only_inject_never_reaches_participants_or_their_postmortem_draft(
    drill: Drill,
) -> None:
    from drills.postmortem import draft_postmortem

    drill.at(5)
    secret = "chaos: inject-2500ms-latency on checkout"
    drill.session.inject({"id": "chaos-1", "at": 0, "type": "log", "service": "chaos-toolkit",
                          "line": secret, "facilitator_only": True})
    drill.session.inject({"id": "chaos-2", "at": 0, "type": "metrics", "service": "checkout",
                          "values": {"error_rate": 99}, "facilitator_only": True})
    session = drill.session
    participant = json.dumps(participant_view(session, "alice").model_dump(mode="json"))
    assert secret not in participant and "chaos-2" not in participant
    assert participant_view(session, "alice").metrics.get("checkout", {}).get("error_rate") != 99
    assert secret not in json.dumps(events_since(session, 0).model_dump(mode="json"))
    assert secret not in draft_postmortem(session.records(), session.state, session.script, session.playbook)
    assert secret in json.dumps(events_since(session, 0, facilitator=True).model_dump(mode="json"))


def test_an_alert_cannot_be_facilitator_only(drill: Drill) -> None:
    from drills.errors import ActionRefused
    from playbook.errors import DrillbitError

    with pytest.raises((ActionRefused, DrillbitError, ValueError), match="cannot be facilitator_only"):
        drill.at(5).session.inject({"id": "a-1", "at": 0, "type": "alert", "summary": "x",
                                    "context": {"service": "payments"}, "facilitator_only": True})


# -- the team panels' data ------------------------------------------------------------------

def test_the_view_holds_the_channel_with_its_name_authors_roles_and_marks(drill: Drill) -> None:

    drill.act("dave", AssignRole(person="dave", role="Scribe"))
    (message,) = drill.at(5).act("dave", Chat(text="starting the timeline"))
    drill.act("dave", MarkTimeline(message_seq=message.seq))
    channel = participant_view(drill.session, "bob").channel
    assert channel["name"] == "incident-2026-04-15" and channel["named"] is False
    assert channel["messages"] == [{
        "seq": message.seq, "at": 5.0, "time": "14:17", "author": "dave", "roles": ["Scribe"],
        "channel": "incident-2026-04-15", "text": "starting the timeline", "marked_by": "dave",
    }]


def test_refusal_reasons_are_the_engines_own(stage: Callable[..., Drill]) -> None:

    d = stage()
    d.session.join("alice")
    d.session.join("bob")
    waiting = participant_view(d.session, "alice").refusals
    assert waiting["declare"] == waiting["chat"] == "the drill has not started yet"
    d.session.start()
    view = participant_view(d.session, "alice")
    assert view.refusals["chat"] is None and view.refusals["declare"] is None
    assert view.refusals["resolve"] == "the incident has not been declared yet"
    d.act("alice", AssignRole(person="alice", role="Incident Commander"))
    bob = participant_view(d.session, "bob")
    assert bob.role_refusals["Incident Commander"] == "only one Incident Commander is allowed (have alice, bob)"
    assert bob.role_refusals["Scribe"] is None
    assert "Incident Commander" not in participant_view(d.session, "alice").role_refusals  # she holds it
    d.session.end()
    assert participant_view(d.session, "bob").refusals["chat"] == "the drill has ended"


def test_the_catalog_marks_the_verbs_a_team_cannot_take_back(drill: Drill) -> None:

    assert set(DESTRUCTIVE) <= set(VERBS)
    # ops.py's table: these replace or restart replicas, move traffic, or refuse requests.
    for verb in ("rollback", "restart", "failover", "throttle", "block_client"):
        assert DESTRUCTIVE[verb]
    for verb in ("toggle_flag", "set_config", "set_timeout", "resize_pool"):
        assert verb not in DESTRUCTIVE


def test_the_comms_update_is_prefilled_with_what_the_team_observed_and_prompts_for_the_rest(book: Playbook) -> None:
    d = Drill(find_script("conn-pool-leak", playbook=book), book).start()
    d.at(20)
    before = participant_view(d.session, "carol").prefill["status_update"]
    assert "[impact: who is affected, how many, since when]" in before  # nobody has looked yet
    (look,) = d.act("bob", Look(evidence="metrics", service="order-service"))
    errors = look.event.result["error_rate"][-1]  # type: ignore[union-attr]  # what bob was shown
    after = participant_view(d.session, "carol").prefill["status_update"]
    assert f"order-service: errors {round(errors, 1):g}%" in after
    firing = [a.summary for a in d.session.state.alerts.values() if a.pages and a.resolved_at is None]
    assert firing and all(summary in after for summary in firing)
