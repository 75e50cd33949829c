"""Role templates prefilled from what the team has observed, never from the truth.

The Communications Lead's update starts from the playbook's ``status_update`` template with
the figures the team has seen: the alerts that paged them and the last metrics they looked
at, and what they have done. What nobody has observed stays the template's prompt
(``[impact: ...]``), so an update is never more informed than the team.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from drills.narrative import clock_time
from drills.session import DrillSession
from drills.state import DrillState

__all__ = ["role_prefill"]


def role_prefill(state: DrillState, session: DrillSession, metrics: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Status-update text from the playbook's template, filled with what the team has seen.

    The figures are the team's own observations: the alerts that paged them and the last
    metrics they looked at. What nobody has looked at stays a prompt (``[impact: ...]``), so
    the form never says more than the team knows.
    """
    d = state.declaration
    title = d.title if d else session.script.title
    cadence = 30.0
    if state.severity:
        cadence = session.playbook.severity(state.severity).update_every_minutes or cadence
    start = session.script.clock_start
    next_at = start + timedelta(minutes=session.now() + cadence)
    fields = {
        "title": title,
        "what_is_happening": _happening(state, start) or "[what is happening]",
        "impact": _impact(metrics, start) or "[impact: who is affected, how many, since when]",
        "what_we_are_doing": _doing(state) or "[what we are doing]",
        "next_update_at": next_at,
    }
    return {"status_update": session.playbook.template_set.render("status_update", **fields)}


def _happening(state: DrillState, start: datetime) -> str:
    firing = [a for a in state.alerts.values() if a.pages > 0 and a.resolved_at is None]
    if not firing:
        return ""
    first = min(a.fired_at for a in firing)
    summaries = "; ".join(dict.fromkeys(a.summary for a in firing))
    return f"{summaries} (alerting since {clock_time(start, first)} UTC)"


_FIGURES = (("error_rate", "errors {:g}%"), ("latency_p99_ms", "p99 {:g} ms"),
            ("saturation_pct", "saturation {:g}%"), ("requests_per_second", "{:g} requests/s"))


def _impact(metrics: dict[str, dict[str, Any]], start: datetime) -> str:
    parts = []
    for service, values in sorted(metrics.items()):
        figures = [fmt.format(round(float(values[key]), 1)) for key, fmt in _FIGURES
                   if isinstance(values.get(key), int | float)]
        if figures:
            at = values.get("at")
            when = f" at {clock_time(start, float(at))} UTC" if isinstance(at, int | float) else ""
            parts.append(f"{service}: {', '.join(figures)}{when}")
    return "; ".join(parts)


def _doing(state: DrillState) -> str:
    if state.operations:
        return f"We ran: {state.operations[-1][1].label}"
    if state.hypotheses:
        h = state.hypotheses[-1][1]
        return f"Investigating {h.service} ({h.category.replace('_', ' ')})"
    return ""
