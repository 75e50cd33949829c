"""A study's results as plain data: per-replication values, summaries, comparisons, verdict.

Everything here is a pure function of the replication results, so a notebook can call
:meth:`StudyResult.summaries` and get dictionaries (or :meth:`StudyResult.dataframe` with
pandas installed), and the CLI writes the same data to ``results.json``.
"""

from __future__ import annotations

import importlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import numpy.typing as npt

from playbook.metrics import bucket_of
from simulator.catalog import HEADLINE, METRIC_INFO
from simulator.objectives import answer
from simulator.stats import Comparison, Estimate, estimate, holm, paired
from simulator.study import BASELINE, Scenario, Study

if TYPE_CHECKING:
    from simulator.compiled import Compiled

__all__ = ["HEADLINE", "INCIDENT_CSV_COLUMNS", "METRIC_INFO", "ReplicationResult", "StudyResult"]


@dataclass
class ReplicationResult:
    """One replication of one variant: its metrics, per-person metrics and incidents."""

    variant: str
    replication: int
    metrics: dict[str, float]
    people: dict[str, dict[str, float]]
    alerts: int
    incidents: dict[str, npt.NDArray[Any]] | None = None


def _clean(value: float) -> float | None:
    return None if math.isnan(value) else value


def _format(value: float, unit: str) -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "min":
        return f"{value:.1f} min"
    return f"{value:.2f} {unit}" if unit not in ("index", "nights", "pages") else f"{value:.2f}"


@dataclass
class StudyResult:
    """The outcome of :func:`simulator.run_study`."""

    study: Study
    scenarios: list[Scenario]
    results: dict[str, list[ReplicationResult]]
    workers: int
    elapsed_seconds: float

    @property
    def variants(self) -> list[str]:
        return [s.name for s in self.scenarios]

    @property
    def total_alerts(self) -> int:
        return sum(r.alerts for rows in self.results.values() for r in rows)

    def values(self, variant: str, metric: str) -> list[float]:
        """The metric's value in each replication of ``variant``, in replication order."""
        return [r.metrics.get(metric, math.nan) for r in self.results[variant]]

    def metric_names(self) -> list[str]:
        names: dict[str, None] = {}
        for rows in self.results.values():
            for row in rows:
                names.update(dict.fromkeys(row.metrics))
        return list(names)

    def estimates(self) -> dict[str, dict[str, Estimate]]:
        """Variant -> metric -> mean and 95% interval over replications."""
        return {
            v: {m: estimate(self.values(v, m)) for m in self.metric_names()} for v in self.variants
        }

    def summaries(self) -> dict[str, dict[str, dict[str, Any]]]:
        """:meth:`estimates` as plain data (nan becomes None)."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for variant, metrics in self.estimates().items():
            out[variant] = {
                metric: {
                    "mean": _clean(est.mean),
                    "ci95": [_clean(est.lo), _clean(est.hi)],
                    "n": est.n,
                }
                for metric, est in metrics.items()
            }
        return out

    def people(self) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
        """Variant -> person -> metric -> mean and 95% interval (a person absent counts 0)."""
        out: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
        for variant, rows in self.results.items():
            names = sorted({name for row in rows for name in row.people})
            out[variant] = {}
            for name in names:
                metrics = {m for row in rows for m in row.people.get(name, {})}
                out[variant][name] = {}
                for metric in sorted(metrics):
                    values = [row.people.get(name, {}).get(metric, 0.0) for row in rows]
                    est = estimate(values)
                    out[variant][name][metric] = {
                        "mean": _clean(est.mean),
                        "ci95": [_clean(est.lo), _clean(est.hi)],
                    }
        return out

    def families(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(metrics of the main family, the rest): Holm corrects within each, over variants.

        The main family is the headline metrics and those the objectives name; every
        other metric forms a second, exploratory family.
        """
        main = dict.fromkeys(HEADLINE)
        if self.study.objectives is not None:
            main.update(dict.fromkeys(self.study.objectives.metrics()))
        names = self.metric_names()
        return (
            tuple(m for m in main if m in names),
            tuple(m for m in names if m not in main),
        )

    def comparisons(self) -> dict[str, dict[str, Comparison]]:
        """Variant -> metric -> paired comparison with the baseline (common random numbers).

        ``p_adjusted`` (and so ``significant``) is Holm-Bonferroni over the metrics of the
        comparison's family (:meth:`families`) times the variants.
        """
        out: dict[str, dict[str, Comparison]] = {}
        for variant in self.variants:
            if variant == BASELINE:
                continue
            out[variant] = {
                metric: paired(self.values(variant, metric), self.values(BASELINE, metric))
                for metric in self.metric_names()
            }
        for family in self.families():
            cells = [(v, m) for v in out for m in family]
            adjusted = holm([out[v][m].p_value for v, m in cells])
            for (v, m), p in zip(cells, adjusted, strict=True):
                out[v][m] = replace(out[v][m], p_adjusted=p)
        return out

    def verdict(self) -> list[str]:
        """Plain-language findings: first the answer (:func:`simulator.objectives.answer`),
        then per headline metric the best variant and whether it counts, then per variant."""
        comparisons = self.comparisons()
        estimates = self.estimates()
        lines = [answer(self.study.objectives, estimates, comparisons, BASELINE)]
        if not comparisons:
            return lines
        for metric in HEADLINE:
            if metric not in estimates[BASELINE]:
                continue
            label, unit = METRIC_INFO[metric]
            base = estimates[BASELINE][metric].mean
            if math.isnan(base):
                continue
            best = min(
                (v for v in comparisons if not math.isnan(estimates[v][metric].mean)),
                key=lambda v: estimates[v][metric].mean,
                default=None,
            )
            if best is None:
                continue
            value = estimates[best][metric].mean
            cmp = comparisons[best][metric]
            if value >= base:
                lines.append(f"{label}: no variant beats the baseline ({_format(base, unit)}).")
                continue
            change = "" if base == 0 else f" ({100 * (value - base) / base:+.0f}%)"
            if cmp.significant:
                p = "p < 0.001" if cmp.p_adjusted < 0.001 else f"p = {cmp.p_adjusted:.3f}"
                verdict = f"a significant difference ({p}, Holm-adjusted)"
            else:
                verdict = (
                    f"not significant (Holm-adjusted p = {cmp.p_adjusted:.2f}); it may be chance"
                )
            lines.append(
                f"{label}: {best} is best, {_format(value, unit)} against the baseline's "
                f"{_format(base, unit)}{change}, {verdict}."
            )
        for variant, metrics in comparisons.items():
            better = [
                m
                for m in HEADLINE
                if m in metrics and metrics[m].significant and metrics[m].difference < 0
            ]
            worse = [
                m
                for m in HEADLINE
                if m in metrics and metrics[m].significant and metrics[m].difference > 0
            ]
            text = f"{variant}: significantly better on {len(better)} of {len(HEADLINE)} headline metrics"
            if worse:
                text += f", worse on {', '.join(METRIC_INFO[m][0] for m in worse)}"
            lines.append(text + ".")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """The content of ``results.json``."""
        comparisons = {
            variant: {metric: _json_safe(c.as_dict()) for metric, c in metrics.items()}
            for variant, metrics in self.comparisons().items()
        }
        return {
            "study": self.study.model_dump(mode="json"),
            "seed": self.study.seed,
            "replications": self.study.replications,
            "inputs_digest": {s.name: s.digest() for s in self.scenarios},
            "variants": [
                {
                    "name": s.name,
                    "description": s.description,
                    "set": json.loads(json.dumps(s.overrides, default=str)),
                }
                for s in self.scenarios
            ],
            "metrics": {
                m: {
                    "label": METRIC_INFO.get(m, (m, ""))[0],
                    "unit": METRIC_INFO.get(m, ("", ""))[1],
                }
                for m in self.metric_names()
            },
            "summaries": self.summaries(),
            "comparisons": comparisons,
            "people": self.people(),
            "verdict": self.verdict(),
            "replication_values": {
                v: {m: [_clean(x) for x in self.values(v, m)] for m in self.metric_names()}
                for v in self.variants
            },
        }

    def dataframe(self) -> Any:
        """Long-form pandas DataFrame (variant, replication, metric, value); needs pandas."""
        try:
            pd: Any = importlib.import_module("pandas")  # optional dependency
        except ImportError:
            raise ImportError(
                "StudyResult.dataframe() needs pandas; use summaries() otherwise"
            ) from None
        rows = [
            {"variant": v, "replication": r.replication, "metric": m, "value": value}
            for v, results in self.results.items()
            for r in results
            for m, value in r.metrics.items()
        ]
        return pd.DataFrame(rows)

    def incident_rows(self, *, replications: int | None = None) -> Iterator[dict[str, Any]]:
        """Recorded incidents of every variant (of the first ``replications``), as CSV-ready rows."""
        for scenario in self.scenarios:
            names = scenario.book.severity_order
            people = _people_names(scenario)
            for result in self.results[scenario.name]:
                if result.incidents is None or (
                    replications is not None and result.replication >= replications
                ):
                    continue
                services = [s.name for s in scenario.study.alerts.services]
                for row in _rows(
                    scenario.name, result.replication, result.incidents, names, people, services
                ):
                    row.update(pagerduty_columns(scenario, row))
                    yield row


def pagerduty_columns(scenario: Scenario, row: dict[str, Any]) -> dict[str, Any]:
    """PagerDuty analytics' columns of one incident row (timestamps from the study start).

    Escalations are the rules the page moved past (``rule - 1 + loop * rules``); each page
    of an incident counts as one interruption in the bucket (PagerDuty's business 08-18
    Monday-Friday, sleep 22-08) of its opening time on ``alerts.time_zone``'s clock.
    """
    study = scenario.study
    zone = ZoneInfo(study.alerts.time_zone)

    def at(minute: Any) -> str:
        return "" if minute == "" else (study.start + timedelta(minutes=minute)).astimezone(zone).isoformat()

    def seconds(minutes: Any) -> Any:
        return "" if minutes == "" else round(60 * minutes, 1)

    level = scenario.book.severity(row["severity"])
    policy = level.escalation_policy or study.paging.policy_by_severity.get(level.name)
    policy = study.paging.policy_by_service.get(row["service"], policy)
    rules = len(scenario.book.policy(policy).rules) if policy else 1
    rule, loop = int(row["escalation_rule"]), int(row["escalation_loop"])
    bucket = ""
    if row["open_minute"] != "":
        local = (study.start + timedelta(minutes=row["open_minute"])).astimezone(zone)
        bucket = bucket_of(local.replace(tzinfo=None), sleep=study.metrics.sleep_hours, business=study.metrics.business_hours)
    return {
        "created_at": at(row["detect_minute"]),
        "resolved_at": at(row["resolved_minute"]),
        "service_name": row["service"],
        "urgency": _urgency(scenario, row),
        "priority_name": row["severity"],
        "seconds_to_first_ack": seconds(row["time_to_acknowledge"]),
        "seconds_to_resolve": seconds(
            "" if row["resolved_minute"] == "" or row["detect_minute"] == ""
            else row["resolved_minute"] - row["detect_minute"]
        ),
        "escalation_count": max(0, rule - 1 + loop * rules) if rule > 0 else 0,
        "total_notifications": row["pages"],
        "business_hour_interruptions": row["pages"] if bucket == "business" else 0,
        "off_hour_interruptions": row["pages"] if bucket == "off_hours" else 0,
        "sleep_hour_interruptions": row["pages"] if bucket == "sleep" else 0,
    }


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, float):
            out[key] = _clean(value)
        elif isinstance(value, list):
            out[key] = [_clean(v) if isinstance(v, float) else v for v in value]
        else:
            out[key] = value
    return out


def _compiled(scenario: Scenario) -> Compiled:
    from simulator.compiled import compile_scenario  # noqa: PLC0415 - avoids an import cycle

    return compile_scenario(scenario)


def _people_names(scenario: Scenario) -> list[str]:
    return _compiled(scenario).names


def _urgency(scenario: Scenario, row: dict[str, Any]) -> str:
    """The urgency the incident was paged at: its service's rule at its opening time, or
    its severity's (:meth:`simulator.compiled.Compiled.urgency_at`, as the model does)."""
    compiled = _compiled(scenario)
    severity = compiled.severity_names.index(row["severity"])
    if row["open_minute"] == "":
        return compiled.urgency[severity]
    names = [s.name for s in scenario.study.alerts.services]
    return compiled.urgency_at(severity, names.index(row["service"]), row["open_minute"])


INCIDENT_CSV_COLUMNS = (
    "variant", "replication", "incident", "severity", "kind", "status", "service",
    "detect_minute", "open_minute", "ack_minute", "start_minute", "mitigated_minute",
    "resolved_minute", "time_to_acknowledge", "wait_minutes", "resolve_minutes", "acked_by",
    "worked_by", "incident_commander", "comms_lead", "scribe", "escalation_rule",
    "escalation_loop", "pages", "alerts", "status_updates", "cleared_minute",
    "severity_upgrades", "became_actionable", "after_clear",
    # PagerDuty analytics' names for the same facts (POST /analytics/raw/incidents), so a
    # simulated history compares column for column with an exported one (and calibrates).
    "created_at", "resolved_at", "service_name", "urgency", "priority_name",
    "seconds_to_first_ack", "seconds_to_resolve", "escalation_count", "total_notifications",
    "business_hour_interruptions", "off_hour_interruptions", "sleep_hour_interruptions",
)  # fmt: skip

_KINDS = ("actionable", "noise", "duplicate")
_STATUS = ("worked", "ticket", "unrouted", "cleared")


def _rows(
    variant: str,
    replication: int,
    inc: dict[str, npt.NDArray[Any]],
    severities: tuple[str, ...],
    people: list[str],
    services: list[str],
) -> Iterator[dict[str, Any]]:
    def name(i: int) -> str:
        return people[i] if i >= 0 else ""

    def minutes(x: float) -> float | str:
        return "" if math.isnan(x) else round(x, 3)

    cols = {k: v.tolist() for k, v in inc.items()}
    tta = (inc["ack"] - inc["detect"]).tolist()
    wait = (inc["start"] - inc["open"]).tolist()
    res = (inc["resolved"] - inc["open"]).tolist()
    for i in range(len(cols["open"])):
        yield {
            "variant": variant,
            "replication": replication,
            "incident": i,
            "severity": severities[cols["severity"][i]],
            "kind": _KINDS[cols["kind"][i]],
            "status": _STATUS[cols["status"][i]],
            "service": services[cols["service"][i]],
            "detect_minute": minutes(cols["detect"][i]),
            "open_minute": minutes(cols["open"][i]),
            "ack_minute": minutes(cols["ack"][i]),
            "start_minute": minutes(cols["start"][i]),
            "mitigated_minute": minutes(cols["mitigated"][i]),
            "resolved_minute": minutes(cols["resolved"][i]),
            "time_to_acknowledge": minutes(tta[i]),
            "wait_minutes": minutes(wait[i]),
            "resolve_minutes": minutes(res[i]),
            "acked_by": name(cols["acker"][i]),
            "worked_by": name(cols["worker"][i]),
            "incident_commander": name(cols["ic"][i]),
            "comms_lead": name(cols["comms"][i]),
            "scribe": name(cols["scribe"][i]),
            "escalation_rule": cols["rule"][i],
            "escalation_loop": cols["loop"][i],
            "pages": cols["pages"][i],
            "alerts": cols["alerts"][i],
            "status_updates": cols["updates"][i],
            "cleared_minute": minutes(cols["cleared"][i]),
            "severity_upgrades": cols["upgrades"][i],
            "became_actionable": cols["became_actionable"][i],
            "after_clear": cols["after_clear"][i],
        }
