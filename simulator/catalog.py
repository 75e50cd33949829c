"""The metrics a study reports: each one's label and unit, and the headline set.

Every metric here is better when lower, so "best" is always the smallest mean. The
*headline* metrics are the ones the verdict reads, and with a study's objectives they form
the family that the Holm-Bonferroni correction covers (:mod:`simulator.results`).
"""

from __future__ import annotations

import re

__all__ = ["HEADLINE", "METRIC_INFO", "is_metric"]

# Metric -> (label, unit). Every metric here is better when lower.
METRIC_INFO: dict[str, tuple[str, str]] = {
    "mtta": ("MTTA (alert to acknowledgement)", "min"),
    "mttr": ("MTTR (alert to resolved)", "min"),
    "mttm": ("time to mitigate", "min"),
    "wait_minutes": ("wait (open to work starts)", "min"),
    "resolve_minutes": ("open to resolved", "min"),
    "breach_response": ("incidents breaching the response target", "share"),
    "breach_resolution": ("incidents breaching the resolution target", "share"),
    "pages_per_on_call_week": ("pages per person per on-call week", "pages"),
    "business_interruptions_per_week": ("business-hours interruptions per person-week", "per week"),
    "off_hours_interruptions_per_week": ("off-hours interruptions per person-week", "per week"),
    "sleep_interruptions_per_week": ("sleep interruptions per person-week", "per week"),
    "hours_on_incidents_per_week": ("hours on incidents per person-week", "h"),
    "weighted_hours_per_week": ("role-weighted hours on incidents per person-week", "h"),
    "noise_ratio": ("pages that needed no action", "share"),
    "alert_noise_ratio": ("alerts that were noise", "share"),
    "max_consecutive_interrupted_nights": (
        "most consecutive interrupted nights (anyone)",
        "nights",
    ),
    "shifts_over_limit": ("12-hour shifts with more than 2 incidents", "share"),
    "burnout_index": ("burnout index (team mean)", "index"),
    "burnout_index_max": ("burnout index (worst person)", "index"),
    "incidents_per_week": ("paged incidents per week", "per week"),
    # The alert lifecycle (simulator/README.md, "Grouping" and "Incidents that change").
    "pages_per_week": ("pages sent per week (everyone)", "per week"),
    "resolved_notifications_per_week": ("resolved notifications per week", "per week"),
    "cleared_before_ack_per_week": ("incidents resolved by their alerts before an ack", "per week"),
    "after_clear_incidents_per_week": (
        "incidents opened on a key a resolve had closed (merged before)",
        "per week",
    ),
    "severity_upgrades_per_week": ("severity upgrades of open incidents per week", "per week"),
    "became_actionable_per_week": ("noise incidents made actionable per week", "per week"),
    "skipped_levels_per_week": ("escalation rules skipped (nobody on call) per week", "per week"),
}
HEADLINE = (
    "mtta",
    "mttr",
    "wait_minutes",
    "breach_response",
    "breach_resolution",
    "pages_per_on_call_week",
    "off_hours_interruptions_per_week",
    "sleep_interruptions_per_week",
    "hours_on_incidents_per_week",
    "noise_ratio",
    "max_consecutive_interrupted_nights",
    "shifts_over_limit",
    "burnout_index",
)

# Metrics whose names carry a severity or a rule number.
_PATTERNS = re.compile(r"^(mtta|mttr)\.[A-Za-z0-9_-]+$|^reached_rule_([2-9]|[1-9][0-9]+)$")
_OTHER = frozenset({"tickets_per_week", "unrouted_per_week", "alerts_per_day"})


def is_metric(name: str) -> bool:
    """Whether ``name`` is a metric a replication reports (``mtta.SEV1``, ``reached_rule_2``...)."""
    return name in METRIC_INFO or name in _OTHER or bool(_PATTERNS.match(name))
