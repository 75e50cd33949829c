"""Triage: the preview is the playbook's classifier, unchanged, on what the participant says
they observed (verdicts derived by hand from playbook/data/default.yaml's rules, top down);
bad observations are 4xx with a reason; no form hints at the answer."""

from __future__ import annotations

import re

import pytest

from playbook.context import AlertContext
from playbook.roles import Role
from tests.webui.conftest import Harness

# (observations, severity, rule, reason), worked out from default.yaml: payments is in the
# critical tier; checkout and payco are in no tier ("standard").
CASES = [
    ({"service": "payments", "error_rate": "30"}, "SEV2", "errors-critical-service",
     "30.0% error rate in critical service payments"),
    ({"service": "checkout", "error_rate": "30"}, "SEV3", "errors-elevated", "30.0% error rate in checkout"),
    ({"service": "checkout", "error_rate": "60", "is_revenue_impacting": "1"}, "SEV1", "errors-revenue",
     "60.0% error rate on revenue service checkout"),
    ({"service": "payco", "is_data_loss": "1"}, "SEV1", "data-loss", "Data loss detected in payco"),
    ({"service": "payments", "affected_users_pct": "85"}, "SEV1", "users-critical-service",
     "85.0% of users affected in critical service payments"),
    ({"service": "checkout", "latency_p99_ms": "100"}, "SEV4", None, "No rule matched: minor or no user impact"),
]


@pytest.mark.parametrize(("observed", "severity", "rule", "reason"), CASES)
def test_the_preview_is_the_playbooks_verdict_with_its_rule_and_reason(
    harness: Harness, observed: dict[str, str], severity: str, rule: str | None, reason: str
) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    answer = alice.get(f"/rooms/{room.id}/triage", params=observed)
    assert answer.status_code == 200
    assert f'data-testid="triage-severity">{severity}</span>' in answer.text
    assert f'data-testid="triage-reason">{reason}</span>' in answer.text
    if rule is None:
        assert "by the playbook's default" in answer.text
    else:
        assert f'data-testid="triage-rule">{rule}</code>' in answer.text
    # ... and it is what the playbook's classify() says for the same context.
    numbers = {k: float(v) for k, v in observed.items() if k not in ("service",) and not k.startswith("is_")}
    flags = {k: True for k in observed if k.startswith("is_")}
    verdict = harness.services.playbook.classify(AlertContext(service=observed["service"], **numbers, **flags))
    assert (verdict.severity, verdict.rule, verdict.reason) == (severity, rule, reason)


def test_dependent_services_count_for_the_classifier(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    # errors-with-dependents: 3 or more dependents and at least 15% errors (checkout is standard tier).
    params = [("service", "payco"), ("error_rate", "20"),
              ("dependent", "checkout"), ("dependent", "payments"), ("dependent", "payco-backup")]
    answer = alice.get(f"/rooms/{room.id}/triage", params=params).text
    assert 'triage-rule">errors-with-dependents<' in answer and "with 3 dependent services" in answer


def test_nothing_observed_yet_asks_for_observations(harness: Harness) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    answer = alice.get(f"/rooms/{room.id}/triage", params={"service": "payments"})
    assert answer.status_code == 200 and "Enter what you observed" in answer.text


@pytest.mark.parametrize(("params", "field"), [
    ({"service": "payments", "error_rate": "lots"}, "error_rate"),
    ({"service": "payments", "error_rate": "150"}, "error_rate"),
    ({"service": "payments", "latency_p99_ms": "nan"}, "latency_p99_ms"),
    ({"service": "mainframe", "error_rate": "5"}, "service"),
    ({"service": "payments", "error_rate": "5", "dependent": "mainframe"}, "dependent"),
])
def test_bad_observations_are_422_with_the_field(harness: Harness, params: dict[str, str], field: str) -> None:
    room = harness.open_room()
    alice = harness.participant(room, "alice")
    answer = alice.get(f"/rooms/{room.id}/triage", params=params, headers={"HX-Request": "true"})
    assert answer.status_code == 422 and field in answer.json()["detail"]


def test_only_participants_of_the_room_get_a_preview(harness: Harness) -> None:
    room = harness.open_room()
    stranger = harness.browser()
    assert stranger.get(f"/rooms/{room.id}/triage", params={"service": "payments"}).status_code == 403


def test_no_form_hints_at_the_answer(harness: Harness) -> None:
    room = harness.open_room()
    browsers = {role: harness.participant(room, f"p-{role[:4]}") for role in Role}
    for role, browser in browsers.items():
        assert browser.act(room.id, type="assign_role", role=role.value).status_code == 204
    harness.minutes(room, 5)
    for role, browser in browsers.items():
        page = browser.get(f"/rooms/{room.id}").text
        triage = page.split('id="triage"')[1].split("</section>")[0]
        assert "placeholder" not in triage
        assert re.search(r'<input name="(error_rate|affected_users_pct|latency_p99_ms|duration_minutes)"[^>]*value=',
                         triage) is None  # observations are the participant's, never prefilled
        assert "Checkout errors after deploy" not in page and "Roll back v2.4.1" not in page
        if role is Role.INCIDENT_COMMANDER:
            assert '<input name="title" id="declare-title" maxlength="200" required hx-preserve>' in page
