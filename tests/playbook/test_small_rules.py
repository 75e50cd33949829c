"""Small promises of the playbook package: JSON shapes, ordering, lazy names."""

from __future__ import annotations

import subprocess
import sys

import pytest

import playbook
from playbook.context import AlertContext
from playbook.escalation import Notification, PagedNotification, Target
from playbook.events import AlertFired, IncidentDeclared, sort_events
from playbook.rubric import DEFAULT_RUBRIC_PATH, default_rubric, load_rubric
from playbook.severity import more_severe

ORDER = ("SEV1", "SEV2", "SEV3")


def test_more_severe_is_strict_and_reads_the_order() -> None:
    assert more_severe(ORDER, "SEV1", "SEV2")
    assert not more_severe(ORDER, "SEV2", "SEV1")
    assert not more_severe(ORDER, "SEV2", "SEV2")
    assert more_severe(("low", "high"), "low", "high")  # the order given, not the names
    with pytest.raises(ValueError, match="unknown severity 'SEV9'"):
        more_severe(ORDER, "SEV9", "SEV1")


def test_notifications_as_json_name_minute_rule_loop_and_targets() -> None:
    targets = (Target(type="schedule", id="primary"), Target(type="user", id="bob"))
    plain = Notification(12.5, 2, 1, targets).as_dict()
    assert plain == {"minute": 12.5, "rule": 2, "loop": 1, "targets": [str(t) for t in targets]}
    assert plain["targets"] == ["schedule:primary", "user:bob"]
    paged = PagedNotification(30.0, 3, 0, targets[:1], ("alice",), True).as_dict()
    assert paged == {
        "minute": 30.0, "rule": 3, "loop": 0, "targets": ["schedule:primary"],
        "people": ["alice"], "skipped": True,
    }  # fmt: skip


def test_an_events_payload_is_its_own_fields_only() -> None:
    fired = AlertFired(at=3.0, incident_id="i-1", actor="prometheus", alert_id="a-7",
                       summary="5xx", severity="SEV2")  # fmt: skip
    assert fired.payload() == {
        "alert_id": "a-7", "summary": "5xx", "actionable": True, "context": None,
        "severity": "SEV2", "labels": {}, "runbook": "",
    }  # fmt: skip


def test_an_events_payload_is_plain_json() -> None:
    context = AlertContext(service="checkout", dependent_services=("payments",))
    payload = AlertFired(at=0.0, incident_id="i", alert_id="a", context=context).payload()
    assert payload["context"]["dependent_services"] == ["payments"]  # a list, as JSON has


def test_a_rubric_can_be_read_from_text_under_a_name() -> None:
    text = DEFAULT_RUBRIC_PATH.read_text(encoding="utf-8")
    assert load_rubric("not/a/file.yaml", text=text) == default_rubric()


def test_a_lazy_export_is_looked_up_in_its_module_and_then_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delitem(vars(playbook), "sort_events", raising=False)
    assert playbook.sort_events is sort_events
    assert vars(playbook)["sort_events"] is sort_events


def test_the_lazy_exports_work_in_a_fresh_interpreter() -> None:
    # In this process the names may already be cached; a new one resolves them afresh.
    script = (
        "import playbook, sys\n"
        "assert playbook.sort_events.__module__ == 'playbook.events'\n"
        "assert playbook.default_rubric.__module__ == 'playbook.rubric'\n"
        "assert 'sort_events' in vars(playbook)\n"
        "print('ok')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr[-400:]


def test_events_sort_by_time_and_ties_keep_their_order() -> None:
    late = IncidentDeclared(at=5.0, incident_id="i", severity="SEV2", title="t")
    tie_a = AlertFired(at=1.0, incident_id="i", alert_id="a")
    tie_b = AlertFired(at=1.0, incident_id="i", alert_id="b")
    assert sort_events([late, tie_a, tie_b]) == [tie_a, tie_b, late]
    assert sort_events([tie_b, late, tie_a]) == [tie_b, tie_a, late]


def test_the_rubric_finds_a_criterion_by_id_or_names_the_known_ones() -> None:
    rubric = default_rubric()
    assert rubric.criterion("acknowledge").id == "acknowledge"
    known = ", ".join(c.id for c in rubric.criteria)
    with pytest.raises(KeyError, match=f"unknown criterion 'nope' \\(known: {known}\\)"):
        rubric.criterion("nope")


def test_the_package_exports_its_names_lazily_and_lists_them() -> None:
    assert playbook.InvalidDefinition.__module__ == "playbook.errors"
    assert playbook.sort_events is sort_events
    assert dir(playbook) == sorted(playbook.__all__)
    with pytest.raises(AttributeError, match="module 'playbook' has no attribute 'nothing'"):
        _ = playbook.nothing
