"""The game-day report puts the fault, the alerts, the team's actions, the probe and Locust
series (plotted) and the score side by side, in Markdown and in HTML (built by hand)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

from pydantic import SecretStr

from scenarios.gameday.charts import Line, Mark, sparkline, svg_chart
from scenarios.gameday.realops import RealAction
from scenarios.gameday.report import (
    GameDayReport,
    RoomAlert,
    TimelineEntry,
    render_html,
    render_markdown,
)
from scenarios.gameday.scoring import GameDayScore, Recovery
from scenarios.gameday.series import LoadPoint, ProbeSample, load_series
from scenarios.journal import Verdict

T0 = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


FIX = RealAction(wall=at(20), actor="bob", label="set config checkout latency_ms=0",
                 operation={"verb": "set_config"}, outcome="done", detail="faults on: none")  # fmt: skip


def report(*, valid: bool = True, alerts: bool = True) -> GameDayReport:
    probes = [
        ProbeSample(started=at(t), ended=at(t + 1), values={"p95": 2.6 if 2 <= t < 21 else 0.05}, ok=not 2 <= t < 21)
        for t in range(0, 30, 3)
    ]
    load = [
        LoadPoint(at=at(t), users=8, requests_per_s=3.0, failures_per_s=0.0, p50_ms=2500.0 if t < 21 else 20.0,
                  p95_ms=2600.0 if t < 21 else 40.0)
        for t in range(0, 30)
    ]  # fmt: skip
    recovery = Recovery(broke_at=at(3), recovered_at=at(21), by=FIX, by_rollback=False)
    criteria = [{"id": "mitigation_choice", "points": 9.0, "max": 9.0, "rating": "P", "evidence": [],
                 "explanation": "bob's set config checkout latency_ms=0 restored it", "judged_on": "the real system"}]  # fmt: skip
    reasons = () if valid else ("no real alert reached the room: nothing the team did was tested",)
    score = GameDayScore(valid=valid, reasons=reasons, total=9.0 if valid else None, max=9.0, criteria=criteria, recovery=recovery)
    alert = RoomAlert(
        alert_id="am-1", alertname="CheckoutHighLatencyBudgetBurn", severity="SEV2", summary="burn", context=None,
        minute=8.0, wall=at(9), after_fault_seconds=7.0, fired_at=at(8), receivers=("drill", "team"),
        acknowledged_at=at(10), acknowledged_by="alice", resolved_at=at(50),
    )  # fmt: skip
    return GameDayReport(
        run_dir=Path("/tmp/run"), experiment=Path("latency.yaml"), title="Latency <2.5 s>", drill="checkout-slow-burn",
        room={"session_id": "r1", "title": "room", "join_code": "ABC123"}, facilitator_url=SecretStr("http://x/secret"),
        web_url="http://127.0.0.1:1", verdict=Verdict.FAILED, valid=True, reasons=(), findings=(), recovered=True,
        interrupted=False, alerts=[alert] if alerts else [], figures={"experiment_s": 30.0},
        score={"total": 100.0, "max": 100.0, "criteria": []}, team=None, timeline={"delivered": 3, "failed": 0},
        files={}, load=None, stopped=[],
        timeline_entries=[
            TimelineEntry(at=at(0), phase="start", what="experiment started"),
            TimelineEntry(at=at(2), phase="fault", what="inject-2500ms-latency (inject_fault): succeeded"),
            TimelineEntry(at=at(26), phase="rollback", what="clear-faults (clear_faults): succeeded"),
        ],
        actions=[FIX], probes=probes, load_series=load, gameday_score=score,
    )  # fmt: skip


def test_a_chart_places_points_and_marks_where_the_axes_say() -> None:
    # 640 x 170, margins 8 left and right, 18 + 13 a legend line on top, 20 at the bottom:
    # x 0..10 maps to 8..632, y 0..1 to 150..31
    svg = svg_chart("t", [Line("a", [(0, 0.0), (5, 1.0), (10, 0.5)])], [Mark(5, "fix")])
    assert 'points="8.0,150.0 320.0,31.0 632.0,90.5"' in svg
    assert '<line class="mark" x1="320.0"' in svg


def test_charts_can_share_one_time_axis() -> None:
    # x 0..20 over 624 px: x 5 lands at 8 + 156
    svg = svg_chart("t", [Line("a", [(5, 1.0), (10, 1.0)])], x_range=(0, 20))
    assert 'points="164.0,31.0 320.0,31.0"' in svg


def test_a_gap_breaks_the_line_instead_of_dropping_to_zero() -> None:
    svg = svg_chart("t", [Line("a", [(0, 1.0), (1, None), (2, 1.0), (3, 1.0)])])
    assert svg.count("<polyline") == 2


def test_a_sparkline_scales_to_its_largest_value_and_leaves_gaps() -> None:
    assert sparkline([0.0, 4.0, None, 8.0]) == "▁▅ █"


def test_the_html_report_plots_the_probe_and_locust_series_beside_the_timeline() -> None:
    page = render_html(report())
    HTMLParser().feed(page)  # well-formed enough to parse
    assert page.count("<svg") == 4  # probes, within tolerance, Locust latency, Locust errors
    polylines = re.findall(r'data-series="([^"]+)"[^>]*points="([^"]+)"', page)
    by_name = {name: points.split() for name, points in polylines}
    assert len(by_name["p95"]) == 10  # one point per probe sample
    assert len(by_name["failures/s"]) == 30  # one per Locust second
    for words in ("Fault timeline", "Real alerts", "the team's actions on the real system"):
        assert words.lower() in page.lower()
    assert "set config checkout latency_ms=0" in page
    assert "Latency &lt;2.5 s&gt;" in page and "<2.5 s>" not in page  # escaped
    assert "9 / 9" in page


def test_the_markdown_report_has_the_series_as_sparklines_and_tables() -> None:
    text = render_markdown(report())
    assert "## Fault timeline" in text and "| 2 | fault | inject-2500ms-latency" in text
    assert "| CheckoutHighLatencyBudgetBurn | SEV2 | 8 | 9 (drill, team) | 10 alice | 50 |" in text
    assert "| 20 | bob | set config checkout latency_ms=0 | done |" in text
    strip = next(line for line in text.splitlines() if line.startswith("steady state "))
    assert strip.endswith("█" + "·" * 6 + "███")  # samples at 0 ok, 3..18 failing, 21..27 ok
    assert "p95 latency" in text and "| 29 | 8 | 3.0 | 0.0 | 20 | 40 |" in text
    assert "before the rollback" in text


def test_an_invalid_game_day_says_so_and_shows_no_total() -> None:
    text = render_markdown(report(valid=False, alerts=False))
    assert "**INVALID**" in text
    assert "None arrived." in text
    assert "100" not in text.split("## Score", 1)[1].split("## Files", 1)[0]
    assert report(valid=False, alerts=False).exit_code == 1
    assert "INVALID" in render_html(report(valid=False, alerts=False))


def test_locust_history_is_read_from_its_aggregated_rows(tmp_path: Path) -> None:
    path = tmp_path / "stats_stats_history.csv"
    path.write_text(
        "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
        "1796124567,0,,Aggregated,0.000000,0.000000,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\n"
        "1796124568,8,GET,/orders,1.0,0.0,10,10,10,10,10,10,10,10,10,10,10\n"
        "1796124571,8,,Aggregated,3.200000,0.500000,2500,2500,2500,2500,2500,2600,2600,2600,2600,2600,2600\n"
    )
    points = load_series(path)
    assert [(p.users, p.requests_per_s, p.failures_per_s, p.p50_ms, p.p95_ms) for p in points] == [
        (0, 0.0, 0.0, None, None),
        (8, 3.2, 0.5, 2500.0, 2600.0),
    ]
    assert points[1].at == datetime.fromtimestamp(1796124571, UTC)
