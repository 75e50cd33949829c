"""Fitting a study to an incident history (``drillbit calibrate``).

:func:`fit_history` is a pure function of a :class:`~integrations.history.History`:

* the period: local midnight before the first incident to local midnight after the last;
* per service, incidents a day, an hour-of-day profile (24 weights, mean 1) and a
  day-of-week profile (7 weights Monday first, mean 1, each weekday's count divided by
  how many times that weekday occurs in the period);
* the severity mix (PagerDuty ``priority_name`` or the generic ``severity``; none: ``-``);
* time to acknowledge (median and p90, minutes), overall and by what the responder was
  doing when it opened (working 09-17 Monday-Friday, asleep 23-07, else off hours: the
  study's default profile) when a state has at least ``MIN_STATE`` acknowledgements;
  with PagerDuty's ``escalation_count``, delays are fitted on incidents that did not
  escalate and the share that did becomes the probability a page is missed;
* time to resolve (median and p90), and the hands-on work it implies (resolve minus ack).

:func:`calibrated_study` writes those in the study's own forms (lognormal by median and
p90), so the study runs: a Poisson stream per service with no noise, storms, flapping or
grouping (each history row is an incident); the severity mix reproduced by a classifier
on a lognormal ``error_rate`` with thresholds at the mix's quantiles; fatigue off (the
fitted delays already include it); and work per severity where it has ``MIN_STATE``
incidents, else one default.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from statistics import NormalDist
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from integrations.history import History, HistoryIncident
from playbook.model import Playbook
from simulator.distributions import Z90

__all__ = ["MIN_STATE", "Fit", "calibrated_study", "fit_history", "responder_state", "severity_map"]

MIN_STATE = 10
_NO_SEVERITY = "-"


@dataclass(frozen=True)
class Fit:
    """The fitted parameters (``as_dict`` is the ``--json`` shape) and how they were got."""

    services: dict[str, dict[str, Any]]
    ack: dict[str, Any]
    resolve: dict[str, Any]
    work: dict[str, Any]
    severity_mix: dict[str, float]
    miss: dict[str, float] | None
    start: datetime
    end: datetime
    zone: str
    incidents: int
    notes: tuple[str, ...]

    @property
    def days(self) -> float:
        return (self.end - self.start).total_seconds() / 86400

    def as_dict(self) -> dict[str, Any]:
        return {
            "services": self.services,
            "ack_minutes": self.ack,
            "resolve_minutes": self.resolve,
            "work_minutes": self.work,
            "severity_mix": self.severity_mix,
            "miss_probability": self.miss,
            "period": {
                "start": self.start.isoformat(),
                "end": self.end.isoformat(),
                "days": round(self.days, 6),
            },
            "time_zone": self.zone,
            "incidents": self.incidents,
            "notes": list(self.notes),
        }


def responder_state(local: datetime) -> str:
    """``working``, ``asleep`` or ``off_hours`` at a local time, by the default profile."""
    hour = local.hour + local.minute / 60
    if hour >= 23 or hour < 7:
        return "asleep"
    if local.isoweekday() <= 5 and 9 <= hour < 17:
        return "working"
    return "off_hours"


def _quantiles(values: Sequence[float]) -> dict[str, float]:
    array = np.asarray(values, dtype=np.float64)
    median, p90 = (float(v) for v in np.percentile(array, [50, 90]))
    return {"median": round(median, 4), "p90": round(max(p90, median), 4), "n": len(values)}


def _profile(counts: Sequence[float]) -> list[float]:
    mean = sum(counts) / len(counts)
    return [round(c / mean, 4) if mean > 0 else 1.0 for c in counts]


def _period(history: History, zone: ZoneInfo) -> tuple[datetime, datetime]:
    first = history.incidents[0].created.astimezone(zone).date()
    last = history.incidents[-1].created.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(first, time(0), tzinfo=zone), datetime.combine(
        last, time(0), tzinfo=zone
    )


def _service_fit(
    incidents: Sequence[HistoryIncident], zone: ZoneInfo, start: datetime, days: int
) -> dict[str, Any]:
    hours = [0.0] * 24
    weekdays = [0.0] * 7
    for incident in incidents:
        local = incident.created.astimezone(zone)
        hours[local.hour] += 1
        weekdays[local.weekday()] += 1
    occurrences = Counter((start.date() + timedelta(days=d)).weekday() for d in range(days))
    per_weekday = [weekdays[d] / occurrences[d] if occurrences[d] else 0.0 for d in range(7)]
    return {
        "incidents_per_day": round(len(incidents) / days, 6),
        "hour_profile": _profile(hours),
        "weekday_profile": _profile(per_weekday),
        "incidents": len(incidents),
    }


def _by_state(pairs: Sequence[tuple[str, float]]) -> dict[str, dict[str, float]]:
    out = {}
    for state in ("working", "off_hours", "asleep"):
        values = [v for s, v in pairs if s == state]
        if len(values) >= MIN_STATE:
            out[state] = _quantiles(values)
    return out


def fit_history(history: History) -> Fit:
    """Fit the history's rates, profiles, severity mix and delay distributions."""
    zone = ZoneInfo(history.assumed_zone)
    start, end = _period(history, zone)
    days = round((end - start).total_seconds() / 86400)
    by_service: dict[str, list[HistoryIncident]] = {}
    for incident in history.incidents:
        by_service.setdefault(incident.service, []).append(incident)
    services = {name: _service_fit(items, zone, start, days) for name, items in by_service.items()}
    notes = list(history.notes)
    escalation_known = all(i.escalations is not None for i in history.incidents)
    acks = [
        (responder_state(i.created.astimezone(zone)), i.ack_minutes, bool(i.escalations))
        for i in history.incidents
        if i.ack_minutes is not None
    ]
    clean = [(s, v) for s, v, escalated in acks if not (escalation_known and escalated)]
    if escalation_known and len(clean) < MIN_STATE:
        clean = [(s, v) for s, v, _ in acks]
        notes.append(f"fewer than {MIN_STATE} incidents did not escalate: delays fitted on all")
    if len(clean) < 2:
        raise ValueError("the history needs at least two acknowledged incidents to fit")
    ack = {**_quantiles([v for _, v in clean]), "by_state": _by_state(clean)}
    miss = None
    if escalation_known:
        miss = {}
        for state in ("working", "off_hours", "asleep"):
            flags = [escalated for s, _, escalated in acks if s == state]
            share = (
                sum(flags) / len(flags)
                if len(flags) >= MIN_STATE
                else sum(e for *_, e in acks) / len(acks)
            )
            miss[state] = round(min(share, 0.95), 4)
    else:
        notes.append("no escalation counts: the fitted study never misses a page")
    resolved = [i for i in history.incidents if i.resolve_minutes is not None]
    if len(resolved) < 2:
        raise ValueError("the history needs at least two resolved incidents to fit")
    resolve = _quantiles([i.resolve_minutes for i in resolved if i.resolve_minutes is not None])
    work_by: dict[str, list[float]] = {}
    for i in resolved:
        assert i.resolve_minutes is not None
        hands_on = max(0.1, i.resolve_minutes - (i.ack_minutes or 0.0))
        work_by.setdefault(_severity_label(i), []).append(hands_on)
    work = {"all": _quantiles([v for values in work_by.values() for v in values])}
    work.update({label: _quantiles(v) for label, v in work_by.items() if len(v) >= MIN_STATE})
    labels = Counter(_severity_label(i) for i in history.incidents)
    mix = {label: round(count / len(history.incidents), 6) for label, count in labels.most_common()}
    return Fit(
        services,
        ack,
        resolve,
        work,
        mix,
        miss,
        start,
        end,
        history.assumed_zone,
        len(history.incidents),
        tuple(notes),
    )


def _severity_label(incident: HistoryIncident) -> str:
    return incident.severity or _NO_SEVERITY


def _normal(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def severity_map(fit: Fit, book: Playbook) -> tuple[dict[str, str], list[str]]:
    """History severity label -> playbook severity; unmatched labels go to the least severe that pages."""
    paging = [level.name for level in book.severities if level.page]
    fallback = paging[-1] if paging else book.severities[-1].name
    known = {_normal(level.name): level.name for level in book.severities}
    out, notes = {}, []
    for label in fit.severity_mix:
        match = known.get(_normal(label))
        out[label] = match or fallback
        if match is None:
            shown = (
                "incidents without a severity" if label == _NO_SEVERITY else f"severity {label!r}"
            )
            notes.append(f"{shown} modelled as {fallback} (not a severity of the playbook)")
    return out, notes


def _classifier(fit: Fit, book: Playbook, mapping: dict[str, str]) -> dict[str, Any]:
    shares: dict[str, float] = dict.fromkeys(mapping.values(), 0.0)
    for label, share in fit.severity_mix.items():
        shares[mapping[label]] += share
    order = [level.name for level in book.severities if shares.get(level.name, 0.0) > 0]
    rules, cumulative = [], 0.0
    for name in order[:-1]:
        cumulative += shares[name]
        # error_rate ~ lognormal(median 1, sigma 1): P(error_rate >= exp(z)) = 1 - Phi(z).
        threshold = math.exp(NormalDist().inv_cdf(min(max(1 - cumulative, 1e-9), 1 - 1e-9)))
        rules.append(
            {
                "id": f"calibrated-{name.lower()}",
                "severity": name,
                "when": {"error_rate": {"gte": round(threshold, 6)}},
                "reason": f"calibrated share of {name}",
            }
        )
    return {"rules": rules, "default_severity": order[-1], "default_reason": "calibrated share"}


def _lognormal(q: dict[str, Any]) -> dict[str, Any]:
    median = max(float(q["median"]), 0.01)
    return {"dist": "lognormal", "median": median, "p90": max(float(q["p90"]), median)}


def _roles(book: Playbook) -> dict[str, Any]:
    rotation = {u for s in book.schedules for layer in s.layers for u in layer.users}
    others = [p.name for p in book.people if p.name not in rotation][:3]
    candidates = [f"user:{name}" for name in others] or [
        f"schedule:{s.name}" for s in book.schedules[:1]
    ]
    needed = {
        spec.role.value
        for spec in book.roles
        if spec.required_for and spec.role.value != "Technical Lead"
    }
    return (
        {role: {"candidates": candidates, "join_minutes": 5} for role in sorted(needed)}
        if candidates
        else {}
    )


def calibrated_study(
    fit: Fit,
    book: Playbook,
    *,
    playbook_ref: str,
    name: str,
    policy_by_service: dict[str, str] | None = None,
) -> tuple[dict[str, Any], list[str]]:
    """A study document (plain data) that runs the fitted parameters, and notes on it."""
    mapping, notes = severity_map(fit, book)
    by_state = fit.ack["by_state"]
    ack = {
        state: _lognormal(by_state.get(state, fit.ack))
        for state in ("working", "off_hours", "asleep")
    }
    pooled_hours = [0.0] * 24
    pooled_days = [0.0] * 7
    for service in fit.services.values():
        for h, w in enumerate(service["hour_profile"]):
            pooled_hours[h] += w * service["incidents_per_day"]
        for d, w in enumerate(service["weekday_profile"]):
            pooled_days[d] += w * service["incidents_per_day"]
    severities: dict[str, Any] = {}
    for label, q in fit.work.items():
        target = mapping.get(label)
        if label != "all" and target is not None and target not in severities:
            severities[target] = {"mitigate": _lognormal(q)}
    study: dict[str, Any] = {
        "name": name,
        "description": f"calibrated on {fit.incidents} incidents, {fit.start.date()} to {fit.end.date()}",
        "playbook": playbook_ref,
        "playbook_patch": {"classifier": _classifier(fit, book, mapping)},
        "start": fit.start.isoformat(),
        "horizon_days": round(fit.days, 6),
        "replications": 10,
        "seed": 0,
        "alerts": {
            "time_zone": fit.zone,
            "hour_profile": _profile(pooled_hours),
            "weekday_profile": _profile(pooled_days),
            "noise_fraction": 0.0,
            "storms": {"per_week": 0.0},
            "flapping": {"probability": 0.0},
            "services": [
                {
                    "name": service,
                    "actionable_per_day": values["incidents_per_day"],
                    "context": {
                        "error_rate": {
                            "dist": "lognormal",
                            "median": 1.0,
                            "p90": round(math.exp(Z90), 6),
                        }
                    },
                }
                for service, values in fit.services.items()
            ],
        },
        "grouping": {"enabled": False},
        "responders": {
            "default": {
                "time_zone": fit.zone,
                "ack": ack,
                "miss": fit.miss or {"working": 0.0, "off_hours": 0.0, "asleep": 0.0},
            },
            "fatigue": {"enabled": False},
        },
        "work": {
            "default": {"mitigate": _lognormal(fit.work["all"])},
            "severities": severities,
            "roles": _roles(book),
        },
    }
    rotation = sorted({u for s in book.schedules for layer in s.layers for u in layer.users})
    if rotation:
        # The history's resolve times already include any waiting: any rotation member
        # may take the work, so the model adds no queue of its own on one responder.
        study["dispatch"] = {"mode": "pool", "pool": {"members": rotation, "available": "always"}}
    # Each history row was an incident a person acknowledged and resolved: its alert
    # clearing does not end it in the model either.
    study["paging"] = {"auto_resolve_on_clear": False}
    if policy_by_service:
        study["paging"]["policy_by_service"] = policy_by_service
    return study, notes
