"""``report.html``: one self-contained page (inline CSS and SVG, no scripts, no CDN).

Sections: the verdict in plain language; every headline metric for every variant with its
95% interval (interval plots, baseline dashed); the full summary table with paired
comparisons; the distributions of MTTA and MTTR; pages and sleep interruptions per
person; the escalation funnel; the burnout index per person with its bands; an example
incident timeline from a traced replication; and the method (definitions, significance,
fatigue and burnout formulas) and the study itself.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from html import escape
from typing import Any

import numpy as np

from playbook.events import EventBase
from simulator.arrivals import ACTIONABLE
from simulator.metrics import BAND_NAMES, burnout_band
from simulator.model import WORKED
from simulator.results import HEADLINE, METRIC_INFO, StudyResult
from simulator.stats import Comparison, Estimate
from simulator.study import BASELINE
from simulator.svg import PALETTE, bars, forest, lines

__all__ = ["render_report"]

_BAND_COLORS = {
    "sustainable": "#d8f0d8",
    "elevated": "#fff3c4",
    "high": "#ffd9b3",
    "burning out": "#f8c4c4",
}

_CSS = """
body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222;line-height:1.45}
h1{margin-bottom:0}h2{border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:32px}
.sub{color:#666;margin-top:4px}.grid{display:flex;flex-wrap:wrap;gap:12px}
table{border-collapse:collapse;font-size:13px;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 6px;text-align:right}
th{background:#f4f4f4}td.l,th.l{text-align:left}.better{color:#1a7f37;font-weight:600}.worse{color:#b42318;font-weight:600}
.verdict li{margin:4px 0}.answer{font-size:1.1em;border-left:4px solid #333;padding:4px 10px}code,pre{background:#f6f6f6;padding:1px 4px}pre{padding:8px;overflow:auto;font-size:12px}
.swatch{display:inline-block;width:10px;height:10px;margin-right:4px}
"""


def _num(value: float, unit: str = "") -> str:
    if math.isnan(value):
        return "n/a"
    if unit == "share":
        return f"{100 * value:.1f}%"
    if abs(value) >= 100:
        return f"{value:.0f}"
    return f"{value:.2f}"


def _cell(est: Estimate, unit: str, cmp: Comparison | None) -> str:
    text = f"{_num(est.mean, unit)}"
    if not (math.isnan(est.lo) or math.isnan(est.hi)):
        text += f" <small>[{_num(est.lo, unit)}, {_num(est.hi, unit)}]</small>"
    if cmp is not None and cmp.significant:
        cls = "better" if cmp.difference < 0 else "worse"
        arrow = "&darr;" if cmp.difference < 0 else "&uarr;"
        title = f"p = {cmp.p_value:.3g}, Holm-adjusted {cmp.p_adjusted:.3g}"
        text += f' <span class="{cls}" title="{title}">{arrow}</span>'
    return text


def _summary_table(result: StudyResult) -> str:
    estimates = result.estimates()
    comparisons = result.comparisons()
    variants = result.variants
    head = "".join(f"<th>{escape(v)}</th>" for v in variants)
    rows = []
    for metric in result.metric_names():
        label, unit = METRIC_INFO.get(metric, (metric, ""))
        cells = "".join(
            f"<td>{_cell(estimates[v][metric], unit, comparisons.get(v, {}).get(metric))}</td>"
            for v in variants
        )
        rows.append(
            f'<tr><td class="l">{escape(label)} <small><code>{escape(metric)}</code></small></td>{cells}</tr>'
        )
    return f'<table><tr><th class="l">metric (mean [95% CI])</th>{head}</tr>{"".join(rows)}</table>'


LIFECYCLE = (
    "pages_per_week",
    "incidents_per_week",
    "resolved_notifications_per_week",
    "cleared_before_ack_per_week",
    "after_clear_incidents_per_week",
    "severity_upgrades_per_week",
    "became_actionable_per_week",
    "skipped_levels_per_week",
)


def _lifecycle(result: StudyResult) -> str:
    """Pages, resolves, re-fires, upgrades and skipped levels per variant (issue 10's model)."""
    estimates = result.estimates()
    head = "".join(f"<th>{escape(v)}</th>" for v in result.variants)
    rows = "".join(
        f'<tr><td class="l">{escape(METRIC_INFO[m][0])}</td>'
        + "".join(f"<td>{_cell(estimates[v][m], 'per week', None)}</td>" for v in result.variants)
        + "</tr>"
        for m in LIFECYCLE
        if m in estimates[BASELINE]
    )
    return f'<table><tr><th class="l">per week (mean [95% CI])</th>{head}</tr>{rows}</table>'


def _forests(result: StudyResult) -> str:
    estimates = result.estimates()
    charts = []
    for metric in HEADLINE:
        if metric not in estimates[BASELINE]:
            continue
        label, unit = METRIC_INFO[metric]
        scale = 100.0 if unit == "share" else 1.0
        rows = [
            (
                v,
                estimates[v][metric].mean * scale,
                estimates[v][metric].lo * scale,
                estimates[v][metric].hi * scale,
            )
            for v in result.variants
        ]
        suffix = " (%)" if unit == "share" else f" ({unit})"
        charts.append(
            forest(rows, title=label + suffix, reference=estimates[BASELINE][metric].mean * scale)
        )
    return '<div class="grid">' + "".join(charts) + "</div>"


def _distribution(result: StudyResult, what: str) -> str:
    samples: dict[str, np.ndarray[Any, np.dtype[np.float64]]] = {}
    for variant, rows in result.results.items():
        parts = []
        for row in rows:
            inc = row.incidents
            if inc is None:
                continue
            worked = inc["status"] == WORKED
            if what == "mtta":
                parts.append((inc["ack"] - inc["detect"])[worked])
            else:
                parts.append(
                    (inc["resolved"] - inc["detect"])[worked & (inc["kind"] == ACTIONABLE)]
                )
        if parts:
            samples[variant] = np.concatenate(parts)
    if not samples or not any(s.size for s in samples.values()):
        return "<p>No incident records were kept.</p>"
    top = float(np.percentile(np.concatenate(list(samples.values())), 97))
    top = _round_up(max(top, 1.0))
    edges = np.linspace(0.0, top, 41)
    middles = ((edges[:-1] + edges[1:]) / 2).tolist()
    series = {
        v: (np.histogram(s, bins=edges)[0] / max(1, s.size) * 100).tolist()
        for v, s in samples.items()
    }
    label = (
        "minutes from the first alert to the acknowledgement"
        if what == "mtta"
        else "minutes from the first alert to resolution"
    )
    title = (
        "Time to acknowledge" if what == "mtta" else "Time to resolve (actionable)"
    ) + ": % of incidents per bin (to the 97th percentile)"
    return lines(middles, series, title=title, x_label=label, x_range=(0.0, top))


def _round_up(value: float) -> float:
    """``value`` rounded up to 1, 2, 2.5 or 5 times a power of ten."""
    exponent = 10.0 ** math.floor(math.log10(value))
    return next(step * exponent for step in (1.0, 2.0, 2.5, 5.0, 10.0) if step * exponent >= value)


def _people_charts(result: StudyResult) -> str:
    people = result.people()
    team = sorted(
        {
            name
            for v in people.values()
            for name, m in v.items()
            if m.get("on_call_weeks", {}).get("mean")
        }
    )
    if not team:
        return "<p>Nobody was on call in a paged rotation.</p>"

    def series(metric: str) -> dict[str, list[float]]:
        return {
            v: [(people[v].get(name, {}).get(metric, {}).get("mean") or 0.0) for name in team]
            for v in result.variants
        }

    return (
        bars(team, series("pages_per_on_call_week"), title="Pages per person per on-call week")
        + bars(
            team,
            series("sleep_interruptions_per_week"),
            title="Sleep interruptions per person per week",
        )
        + bars(
            team,
            series("weighted_hours_per_week"),
            title="Role-weighted hours on incidents per person per week",
        )
    )


def _funnel(result: StudyResult) -> str:
    estimates = result.estimates()
    rules = sorted(
        int(m.rsplit("_", 1)[1]) for m in estimates[BASELINE] if m.startswith("reached_rule_")
    )
    if not rules:
        return "<p>No policy has more than one rule.</p>"
    categories = ["rule 1"] + [f"rule {r}" for r in rules]
    series = {
        v: [100.0] + [estimates[v][f"reached_rule_{r}"].mean * 100 for r in rules]
        for v in result.variants
    }
    return bars(
        categories, series, title="Escalation funnel: % of paged incidents reaching each rule"
    )


def _burnout(result: StudyResult) -> str:
    people = result.people()
    spec = result.study.metrics.burnout
    names = sorted({name for v in people.values() for name in v})
    head = "".join(f"<th>{escape(v)}</th>" for v in result.variants)
    rows = []
    for name in names:
        cells = []
        for v in result.variants:
            value = people[v].get(name, {}).get("burnout_index", {}).get("mean")
            if value is None:
                cells.append("<td>-</td>")
                continue
            band = burnout_band(spec, value)
            cells.append(
                f'<td style="background:{_BAND_COLORS[band]}" title="{band}">{value:.1f}</td>'
            )
        rows.append(f'<tr><td class="l">{escape(name)}</td>{"".join(cells)}</tr>')
    bands = ", ".join(
        f'<span class="swatch" style="background:{_BAND_COLORS[b]}"></span>{b}' for b in BAND_NAMES
    )
    lo, mid, hi = spec.bands
    return (
        f"<p><code>burnout = {spec.business:g}&middot;B + {spec.off_hours:g}&middot;O + {spec.sleep:g}&middot;S + "
        f"{spec.hours:g}&middot;H</code>, where B, O and S are interruptions per week in business hours, off "
        f"hours and sleep hours (PagerDuty's 60-second clustering) and H is role-weighted hours on incidents "
        f"per week. Bands: below {lo:g} sustainable, {lo:g}-{mid:g} elevated, {mid:g}-{hi:g} high, {hi:g} and "
        f"above burning out. {bands}</p>"
        f'<table><tr><th class="l">person</th>{head}</tr>{"".join(rows)}</table>'
    )


def _timeline(events: Sequence[EventBase] | None) -> str:
    if not events:
        return "<p>No example incident was traced.</p>"
    origin = events[0].at
    rows = []
    for event in events:
        payload = {k: v for k, v in event.payload().items() if v not in (None, "", [], {})}
        payload.pop("context", None)
        detail = ", ".join(f"{k}={v}" for k, v in payload.items())
        rows.append(
            f'<tr><td>+{event.at - origin:.1f}</td><td class="l">{escape(str(getattr(event, "kind", "")))}</td>'
            f'<td class="l">{escape(event.actor or "")}</td><td class="l">{escape(detail)}</td></tr>'
        )
    return (
        f"<p>Incident <code>{escape(events[0].incident_id)}</code> of the baseline, replication 0 "
        "(minutes after its first alert).</p>"
        '<table><tr><th>minute</th><th class="l">event</th><th class="l">actor</th><th class="l">details</th></tr>'
        + "".join(rows)
        + "</table>"
    )


_METHOD = """
<p><b>Model.</b> Alerts arrive per service as Poisson processes shaped by hour-of-day and
day-of-week profiles, plus storms, flapping and noise; actionable alerts are classified by the
playbook. Alertmanager-style grouping turns alerts into notifications; a notification opens an
incident unless one with the same group key is open. The playbook's escalation policy pages the
on-call people of its schedules; responders acknowledge after a delay that depends on whether they
are working, off hours or asleep, may miss a page, and get slower and less reliable with recent
interruptions (fatigue). The person who acknowledges works the incident (or, in pool mode, the first
free pool member); severities that need an Incident Commander, Communications Lead or Scribe pull
them in; status updates cost the worker time when no Communications Lead is staffed.</p>
<p><b>Fatigue.</b> Load = exponentially decaying count of recent pages (a page while asleep counts
<code>sleep_weight</code>; half-life <code>half_life_hours</code>). At a page, ack delay is multiplied
by <code>1 + delay_per_unit &middot; load</code> and the miss probability rises by
<code>miss_per_unit &middot; load</code>, capped at <code>max_miss</code>.</p>
<p><b>Significance.</b> Every variant runs on common random numbers (the same alert stream, and
the same draws for the same page, per replication), so each replication is a matched pair: a
variant is compared with the baseline by a paired t-test on the per-replication differences. The
p-values are corrected with Holm-Bonferroni over the headline (and objective) metrics times the
variants, so the chance that any of those differences is called significant when nothing differs
stays at or below 5%. &uarr;/&darr; mark differences whose adjusted p is below 0.05; green is
better (every metric here is better when lower). The answer at the top of the verdict reads the
study's objectives (primary metrics in priority order, then constraints) on those corrected
comparisons.</p>
<p><b>Definitions.</b> MTTA: first alert to acknowledgement (paged incidents). MTTR: first alert to
resolved (actionable incidents). Wait: incident opened to work started. Breaches: actionable
incidents over the severity's response / resolution target. Interruptions: notifications to a person
within 60 seconds count once; buckets by the person's local time: business 08-18 Monday-Friday, sleep
22-08 daily, off hours otherwise. Shifts over limit: 12-hour on-call shifts with more than two
incidents (Google SRE). Only incidents opened after the warm-up count.</p>
"""


def _export_hint(result: StudyResult) -> str:
    """How to hand a variant's design back to PagerDuty (``drillbit export pagerduty``)."""
    lines = "\n".join(
        f"drillbit export pagerduty STUDY.yaml --variant {escape(name)} --format terraform --out export/{escape(name)}"
        for name in result.variants
    )
    return f"<p>Export a design as PagerDuty API bodies or Terraform:</p><pre>{lines}</pre>"


def render_report(result: StudyResult, *, example: Sequence[EventBase] | None = None) -> str:
    """The report page for ``result`` as one HTML string."""
    study = result.study
    legend = " ".join(
        f'<span class="swatch" style="background:{PALETTE[i % len(PALETTE)]}"></span>{escape(v)}'
        for i, v in enumerate(result.variants)
    )
    variants = "".join(
        f"<li><b>{escape(s.name)}</b>: {escape(s.description)}"
        + (
            f" <small><code>{escape(json.dumps(s.overrides, default=str))[:300]}</code></small>"
            if s.overrides
            else ""
        )
        + "</li>"
        for s in result.scenarios
    )
    lead, *findings = result.verdict()
    verdict = "".join(f"<li>{escape(line)}</li>" for line in findings)
    echo = escape(json.dumps(study.model_dump(mode="json"), indent=2))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>drillbit study: {escape(study.name)}</title>
<style>{_CSS}</style></head><body>
<h1>What-if study: {escape(study.name)}</h1>
<p class="sub">{escape(study.description)}<br>{study.replications} replications of
{study.horizon_days:g} days (after {study.warmup_days:g} days of warm-up), seed {study.seed},
{result.total_alerts:,} alerts simulated in {result.elapsed_seconds:.1f} s.</p>
<h2>Verdict</h2><p class="answer"><b>Answer:</b> {escape(lead)}</p><ul class="verdict">{verdict}</ul>
<h2>Variants</h2><ul>{variants}</ul><p>{legend}</p>{_export_hint(result)}
<h2>Variants side by side (mean and 95% interval; baseline dashed)</h2>{_forests(result)}
<h2>Distributions</h2>{_distribution(result, "mtta")}{_distribution(result, "mttr")}
<h2>Load per person</h2>{_people_charts(result)}
<h2>Alert lifecycle: pages, resolves, re-fires, upgrades</h2>{_lifecycle(result)}
<h2>Escalation funnel</h2>{_funnel(result)}
<h2>Burnout index per person</h2>{_burnout(result)}
<h2>All metrics</h2>{_summary_table(result)}
<h2>An example incident</h2>{_timeline(example)}
<h2>Method</h2>{_METHOD}
<details><summary>The study as run</summary><pre>{echo}</pre></details>
</body></html>
"""
