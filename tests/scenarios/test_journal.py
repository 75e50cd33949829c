"""Judging journals: a steady state that did not hold before the method means invalid."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scenarios.journal import Verdict, judge_journal


def probe(name: str, *, met: bool = True, status: str = "succeeded") -> dict[str, Any]:
    return {"activity": {"type": "probe", "name": name}, "status": status, "tolerance_met": met}


def state(*probes: dict[str, Any]) -> dict[str, Any]:
    return {"steady_state_met": all(p["tolerance_met"] for p in probes), "probes": list(probes)}


def run(kind: str, name: str, status: str = "succeeded") -> dict[str, Any]:
    return {"activity": {"type": kind, "name": name}, "status": status}


def journal(
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    method: list[dict[str, Any]] | None = None,
    rollbacks: list[dict[str, Any]] | None = None,
    status: str = "completed",
    deviated: bool = False,
) -> dict[str, Any]:
    return {
        "status": status,
        "deviated": deviated,
        "experiment": {"rollbacks": [{"name": "clear-faults"}]},
        "steady_states": {"before": before, "after": after, "during": []},
        "run": method if method is not None else [run("action", "inject")],
        "rollbacks": rollbacks if rollbacks is not None else [run("action", "clear-faults")],
    }


HEALTHY = state(probe("error-rate"), probe("p95"))


def test_steady_state_failing_before_the_method_is_invalid_even_though_chaos_says_completed() -> (
    None
):
    # What chaos run writes when the gate fails: status completed, not deviated, no method.
    judged = judge_journal(
        journal(before=state(probe("error-rate", met=False)), method=[], status="completed")
    )
    assert judged.verdict is Verdict.INVALID and not judged.valid
    assert judged.reasons == (
        "the steady state did not hold before the method (error-rate): "
        "the fault was never really tested",
    )


def test_a_run_without_a_steady_state_before_is_invalid() -> None:
    assert judge_journal(journal(before=None, after=HEALTHY)).verdict is Verdict.INVALID


def test_holding_before_and_after_passes() -> None:
    judged = judge_journal(journal(before=HEALTHY, after=HEALTHY))
    assert judged.verdict is Verdict.PASSED and judged.valid and judged.rollbacks_succeeded


def test_deviating_after_the_method_fails() -> None:
    judged = judge_journal(
        journal(before=HEALTHY, after=state(probe("error-rate", met=False)), deviated=True)
    )
    assert judged.verdict is Verdict.FAILED and judged.valid and judged.deviated
    assert judged.reasons == ("the steady state did not hold after the method (error-rate)",)


def test_a_failed_fault_injection_makes_the_run_invalid() -> None:
    judged = judge_journal(
        journal(before=HEALTHY, after=HEALTHY, method=[run("action", "inject", "failed")])
    )
    assert judged.verdict is Verdict.INVALID
    assert "method action(s) inject failed" in judged.reasons[0]


def test_an_alert_that_did_not_fire_is_a_finding_not_a_verdict() -> None:
    method = [run("action", "inject"), run("probe", "alert-fires", "failed")]
    judged = judge_journal(journal(before=HEALTHY, after=HEALTHY, method=method))
    assert judged.verdict is Verdict.PASSED
    assert judged.findings == ("method probe 'alert-fires' failed: failed",)


def test_interrupted_and_aborted_runs_are_invalid() -> None:
    for status in ("interrupted", "aborted"):
        judged = judge_journal(journal(before=HEALTHY, after=HEALTHY, status=status))
        assert judged.verdict is Verdict.INVALID and judged.reasons[0] == f"the run was {status}"


def test_failed_or_missing_rollbacks_are_reported() -> None:
    failed = judge_journal(
        journal(before=HEALTHY, after=HEALTHY, rollbacks=[run("action", "clear-faults", "failed")])
    )
    assert not failed.rollbacks_succeeded and "rollback 'clear-faults' failed" in failed.reasons
    missing = judge_journal(journal(before=HEALTHY, after=HEALTHY, rollbacks=[]))
    assert not missing.rollbacks_succeeded
    assert "the experiment declares rollbacks but none ran" in missing.reasons


outcomes = st.booleans()


@given(
    before_met=outcomes,
    after_met=outcomes,
    status=st.sampled_from(["completed", "failed", "aborted", "interrupted"]),
    deviated=outcomes,
    action_ok=outcomes,
)
def test_a_run_is_valid_only_if_the_steady_state_held_before_and_the_fault_was_injected(
    before_met: bool, after_met: bool, status: str, deviated: bool, action_ok: bool
) -> None:
    judged = judge_journal(
        journal(
            before=state(probe("p", met=before_met)),
            after=state(probe("p", met=after_met)),
            method=[run("action", "inject", "succeeded" if action_ok else "failed")],
            status=status,
            deviated=deviated,
        )
    )
    if not before_met or not action_ok or status in {"aborted", "interrupted"}:
        assert judged.verdict is Verdict.INVALID
    else:
        expected = Verdict.PASSED if after_met and not deviated else Verdict.FAILED
        assert judged.verdict is expected
