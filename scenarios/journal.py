"""Judging a Chaos Toolkit journal: passed, failed, or invalid (and so: valid or not).

Chaos Toolkit reports a run whose steady state did not hold *before* the method as
``"status": "completed"`` with ``"deviated": false`` and ``chaos run`` exits 0: it looks like a
pass. But the method never ran, so the fault was never tested. drillbit judges it **invalid**.

=========  =====================================================================
verdict    when
=========  =====================================================================
invalid    no steady state measured before the method, or it did not hold; the
           method never ran, or one of its *actions* failed (the fault may not
           have been injected); the run was aborted or interrupted; no steady
           state measured after the method
failed     valid, and the steady state did not hold after the method (the
           hypothesis was refuted: the fault hurt users; in a game day, that is
           the point)
passed     valid, and the steady state held after the method
=========  =====================================================================

Rollbacks do not change the verdict but are reported: ``rollbacks_succeeded`` is False when
one failed or none ran although the experiment declares some. Failed *probes* in the method
(an alert that did not fire in time) are findings, listed in ``findings``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict

__all__ = ["Judgement", "Verdict", "judge_journal"]


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    INVALID = "invalid"


class Judgement(BaseModel):
    """The verdict on one journal and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    verdict: Verdict
    reasons: tuple[str, ...]
    findings: tuple[str, ...] = ()
    deviated: bool = False
    rollbacks_succeeded: bool = True

    @property
    def valid(self) -> bool:
        """True when the run really tested the fault (passed or failed, not invalid)."""
        return self.verdict is not Verdict.INVALID


def _name(run: Mapping[str, Any]) -> str:
    activity = run.get("activity") or {}
    return str(activity.get("name", "?"))


def _unmet_probes(state: Mapping[str, Any]) -> list[str]:
    return [
        _name(probe)
        for probe in state.get("probes", [])
        if probe.get("status") != "succeeded" or not probe.get("tolerance_met", False)
    ]


def _runs(value: object) -> Sequence[Mapping[str, Any]]:
    return value if isinstance(value, list) else []


def _rollbacks(journal: Mapping[str, Any]) -> tuple[bool, list[str]]:
    declared = (journal.get("experiment") or {}).get("rollbacks") or []
    runs = _runs(journal.get("rollbacks"))
    failed = [_name(run) for run in runs if run.get("status") != "succeeded"]
    notes = [f"rollback {name!r} failed" for name in failed]
    if declared and not runs:
        notes.append("the experiment declares rollbacks but none ran")
    return not notes, notes


def _invalid(
    reason: str, rollbacks_ok: bool, notes: list[str], findings: list[str] | None = None
) -> Judgement:
    return Judgement(
        verdict=Verdict.INVALID,
        reasons=(reason, *notes),
        findings=tuple(findings or ()),
        rollbacks_succeeded=rollbacks_ok,
    )


def judge_journal(journal: Mapping[str, Any]) -> Judgement:
    """The verdict on a Chaos Toolkit journal (the dict ``chaos run`` writes). Pure."""
    rollbacks_ok, notes = _rollbacks(journal)
    states = journal.get("steady_states") or {}
    before = states.get("before")
    if not before:
        return _invalid("no steady state was measured before the method", rollbacks_ok, notes)
    if not before.get("steady_state_met", False):
        unmet = ", ".join(_unmet_probes(before)) or "unknown probe"
        return _invalid(
            f"the steady state did not hold before the method ({unmet}): "
            "the fault was never really tested",
            rollbacks_ok,
            notes,
        )
    method = _runs(journal.get("run"))
    if not method:
        return _invalid("the method never ran", rollbacks_ok, notes)
    findings = [
        f"method probe {_name(run)!r} failed: {run.get('exception') or run.get('status')}"
        for run in method
        if (run.get("activity") or {}).get("type") == "probe" and run.get("status") != "succeeded"
    ]
    failed_actions = [
        _name(run)
        for run in method
        if (run.get("activity") or {}).get("type") == "action" and run.get("status") != "succeeded"
    ]
    if failed_actions:
        return _invalid(
            f"method action(s) {', '.join(failed_actions)} failed: "
            "the fault may not have been injected",
            rollbacks_ok,
            notes,
            findings,
        )
    status = journal.get("status")
    if status in {"aborted", "interrupted"}:
        return _invalid(f"the run was {status}", rollbacks_ok, notes, findings)
    after = states.get("after")
    if not after:
        return _invalid(
            "no steady state was measured after the method", rollbacks_ok, notes, findings
        )
    if journal.get("deviated") or not after.get("steady_state_met", False):
        unmet = ", ".join(_unmet_probes(after)) or "unknown probe"
        return Judgement(
            verdict=Verdict.FAILED,
            reasons=(f"the steady state did not hold after the method ({unmet})", *notes),
            findings=tuple(findings),
            deviated=True,
            rollbacks_succeeded=rollbacks_ok,
        )
    return Judgement(
        verdict=Verdict.PASSED,
        reasons=("the steady state held before and after the method", *notes),
        findings=tuple(findings),
        rollbacks_succeeded=rollbacks_ok,
    )
