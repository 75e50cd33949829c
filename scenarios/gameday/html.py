"""``report.html``: the game day side by side, one self-contained page.

The same sections as ``report.md`` (:mod:`scenarios.gameday.views` gives both the rows): on
the left the fault timeline, the real alerts and the team's actions; on the right the
steady-state probe series and Locust's latency and error series as inline SVG charts, marked
with the fault, the first alert, the team's actions and the rollback; the score below. No
script, no external resource; every value is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from scenarios.gameday.charts import svg_chart
from scenarios.gameday.views import (
    Table,
    action_table,
    alert_table,
    load_lines,
    marks,
    ok_line,
    probe_lines,
    score_table,
    timeline_table,
    x_range,
)

if TYPE_CHECKING:
    from scenarios.gameday.report import GameDayReport

__all__ = ["render_html"]

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}
.side{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1.5rem;align-items:start}
table{border-collapse:collapse;font-size:.85rem;margin-bottom:1rem;width:100%}
th,td{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
.invalid{color:#b00;font-weight:bold}
svg.gameday-chart{max-width:100%;height:auto;border:1px solid #eee;margin-bottom:.8rem}
"""


def _table(t: Table, empty: str) -> str:
    header, rows = t
    if not rows:
        return f"<p>{escape(empty)}</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _verdict(report: GameDayReport) -> str:
    score = report.gameday_score
    items = [f"experiment verdict: <b>{escape(report.verdict.value)}</b>"]
    items += [escape(r) for r in report.reasons]
    if score is not None and not score.valid:
        items.append('<span class="invalid">game day INVALID, not scored</span>: ' + escape("; ".join(score.reasons)))
    elif score is not None:
        items.append(f"score: <b>{score.total:g} / {score.max:g}</b> (mitigation judged on the real system)")
    if score is not None and score.recovery.by_team and score.recovery.by is not None:
        items.append(f"steady state restored by the team's <b>{escape(score.recovery.by.label)}</b>, before the rollback")
    elif score is not None and score.recovery.by_rollback:
        items.append("steady state restored only by the experiment's rollback (the safety net)")
    return "<ul>" + "".join(f"<li>{i}</li>" for i in items) + "</ul>"


def _charts(report: GameDayReport) -> str:
    m, axis = marks(report), x_range(report)
    parts = []
    if report.probes:
        parts.append(svg_chart("Steady-state probes", probe_lines(report), m, x_range=axis))
        parts.append(svg_chart("Steady state within tolerance (1) or not (0)", [ok_line(report)], m, x_range=axis, height=110))
    else:
        parts.append("<p>No steady-state samples were recorded.</p>")
    if report.load_series:
        latency, errors = load_lines(report)
        parts.append(svg_chart("Locust latency", [latency], m, x_range=axis))
        parts.append(svg_chart("Locust errors", [errors], m, x_range=axis))
    else:
        parts.append("<p>No Locust history was recorded.</p>")
    return "".join(parts)


def render_html(report: GameDayReport) -> str:
    """``report.html`` (see the module doc)."""
    left = (
        "<h2>Fault timeline</h2>" + _table(timeline_table(report), "No journal entries.")
        + "<h2>Real alerts</h2>" + _table(alert_table(report), "None arrived.")
        + "<h2>The team's actions on the real system</h2>" + _table(action_table(report), "None.")
    )  # fmt: skip
    right = "<h2>Series (t in s from the experiment's start)</h2>" + _charts(report)
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Game day: {escape(report.title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Game day: {escape(report.title)}</h1>{_verdict(report)}"
        f'<div class="side"><section>{left}</section><section>{right}</section></div>'
        f"<h2>Score</h2>{_table(score_table(report), 'No criteria.')}</body></html>\n"
    )
