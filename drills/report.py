"""Score reports as JSON, Markdown and HTML, and the comparison with earlier sessions.

Markdown and HTML come from Jinja2 templates in ``drills/templates``; the HTML environment
autoescapes everything (participant names and update texts are user input), the Markdown one
escapes table cells instead (pipes and line breaks).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from statistics import fmean
from typing import Literal

import jinja2
from pydantic import BaseModel, ConfigDict

from drills.scoring import ScoreReport

__all__ = ["Comparison", "PastScore", "compare", "render", "render_html", "render_json", "render_markdown"]

Format = Literal["json", "md", "html"]
_TEMPLATES = Path(__file__).parent / "templates"


class PastScore(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    session_id: str
    total: float
    max: float


class Comparison(BaseModel):
    """This session against earlier sessions of the same script (oldest first)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    previous: list[PastScore]
    delta_vs_last: float | None
    delta_vs_mean: float | None
    improving: bool | None
    criteria_deltas: dict[str, float]
    verdict: str


def compare(report: ScoreReport, earlier: Sequence[ScoreReport]) -> Comparison:
    """Is the team improving? Compared with the last ended session and the mean of all earlier
    ended ones (a room that never started or is still running says nothing about the team).
    The verdict follows the sign of the change since the last session."""
    earlier = [e for e in earlier if e.complete and e.session_id != report.session_id]
    previous = [PastScore(session_id=e.session_id, total=e.total, max=e.max) for e in earlier]
    if not earlier:
        return Comparison(previous=[], delta_vs_last=None, delta_vs_mean=None, improving=None,
                          criteria_deltas={}, verdict="This is the first session of this script.")
    last = earlier[-1]
    delta_last = round(report.total - last.total, 1)
    delta_mean = round(report.total - fmean(e.total for e in earlier), 1)
    before = {c.id: c.points for c in last.criteria}
    deltas = {c.id: round(c.points - before[c.id], 1) for c in report.criteria if c.id in before}
    improving = delta_last > 0
    better = [k for k, v in deltas.items() if v > 0]
    worse = [k for k, v in deltas.items() if v < 0]
    trend = "improving" if delta_last > 0 else ("declining" if delta_last < 0 else "holding steady")
    parts = [f"The team is {trend}: {delta_last:+g} points on the last session, {delta_mean:+g} on the mean of {len(earlier)}."]
    if better:
        parts.append(f"Better: {', '.join(better)}.")
    if worse:
        parts.append(f"Worse: {', '.join(worse)}.")
    return Comparison(previous=previous, delta_vs_last=delta_last, delta_vs_mean=delta_mean,
                      improving=improving, criteria_deltas=deltas, verdict=" ".join(parts))


def _cell(value: object) -> str:
    return " ".join(str(value).split()).replace("|", "\\|")


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2",), disabled_extensions=("md.j2",), default=True
        ),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["cell"] = _cell
    return env


def _metrics(report: ScoreReport) -> list[tuple[str, float | None]]:
    m = report.metrics
    return [
        ("Time to detect", m.time_to_detect),
        ("Time to acknowledge (MTTA)", m.time_to_acknowledge),
        ("Time to declare", m.time_to_declare),
        ("Time to mitigate", m.time_to_mitigate),
        ("Time to resolve (MTTR)", m.time_to_resolve),
    ]


def render_json(report: ScoreReport, comparison: Comparison | None = None) -> str:
    data = report.model_dump(mode="json")
    if comparison is not None:
        data["comparison"] = comparison.model_dump(mode="json")
    return json.dumps(data, indent=2)


def render_markdown(report: ScoreReport, comparison: Comparison | None = None) -> str:
    template = _environment().get_template("report.md.j2")
    return template.render(r=report, comparison=comparison, metrics=_metrics(report))


def render_html(report: ScoreReport, comparison: Comparison | None = None) -> str:
    template = _environment().get_template("report.html.j2")
    return template.render(r=report, comparison=comparison, metrics=_metrics(report))


def render(report: ScoreReport, fmt: Format, comparison: Comparison | None = None) -> str:
    """The report in ``json``, ``md`` or ``html``."""
    renderers = {"json": render_json, "md": render_markdown, "html": render_html}
    return renderers[fmt](report, comparison)
