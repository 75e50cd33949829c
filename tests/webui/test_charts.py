"""Server-rendered SVG: points, scales and labels derived by hand from the geometry in
webui/charts.py's docstring (a 480 x 170 chart: plot area 422 x 138 from (48, 10))."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from webui.charts import MapNode, Series, line_chart, nice_ceiling, service_map


def _points(svg: str) -> list[list[tuple[float, float]]]:
    return [
        [(float(x), float(y)) for x, y in (p.split(",") for p in found.split())]
        for found in re.findall(r'<polyline class="line s\d" points="([^"]*)"', svg)
    ]


@pytest.mark.parametrize(("value", "ceiling"), [
    (0, 1), (-3, 1), (0.3, 0.5), (0.0123, 0.02), (1, 1), (1.01, 2), (2.2, 2.5), (3, 5), (7, 10),
    (100, 100), (101, 200), (14.4, 20), (62.3, 100),
])
def test_the_axis_ends_at_the_next_1_2_2_5_or_5_times_a_power_of_ten(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == pytest.approx(ceiling)


@given(st.floats(min_value=1e-6, max_value=1e9))
def test_the_axis_always_holds_the_value_within_a_factor_of_two_and_a_half(value: float) -> None:
    top = nice_ceiling(value)
    assert value <= top * (1 + 1e-9) and top <= 2.5 * value * (1 + 1e-9)


def test_a_rising_series_runs_from_the_bottom_left_to_the_top_right() -> None:
    svg = line_chart(title="Errors", minutes=[10, 11, 12], series=[Series("error rate", [0, 5, 10])], unit="%")
    # y_max = 10: minute 10 at x 48, value 0 at the bottom (10 + 138 = 148); minute 11 halfway
    # (48 + 211 = 259, y 79); minute 12 at the right edge (470) and the top (10).
    assert _points(svg) == [[(48, 148), (259, 79), (470, 10)]]
    assert "<title>Errors: error rate 10 %</title>" in svg
    assert 'role="img"' in svg


def test_two_series_share_one_scale_and_the_title_gives_each_last_value() -> None:
    svg = line_chart(title="Latency", minutes=[0, 1], series=[Series("p50", [20, 40]), Series("p99", [100, 180])],
                     unit="ms")
    # The largest value 180 makes y_max 200: 20 sits at 10 + 138 * 0.9 = 134.2, 40 at
    # 10 + 138 * 0.8 = 120.4, 100 at 10 + 69 = 79, 180 at 10 + 138 * 0.1 = 23.8.
    assert _points(svg) == [[(48, 134.2), (470, 120.4)], [(48, 79), (470, 23.8)]]
    assert "<title>Latency: p50 40 ms; p99 180 ms</title>" in svg


def test_a_threshold_above_the_data_raises_the_scale_and_draws_its_line() -> None:
    svg = line_chart(title="Burn", minutes=[0, 1], series=[Series("burn", [1, 3])], threshold=14.4)
    # y_max = nice_ceiling(14.4) = 20; the threshold at 10 + 138 * (1 - 0.72) = 48.64.
    assert '<line class="threshold" x1="48" y1="48.6" x2="470" y2="48.6"/>' in svg
    assert '<text class="tick" x="44" y="10" text-anchor="end" dy="0.35em">20</text>' in svg


def test_one_minute_sits_at_the_left_edge_and_values_outside_the_axis_are_clipped() -> None:
    assert _points(line_chart(title="x", minutes=[7], series=[Series("a", [-5])])) == [[(48, 148)]]
    svg = line_chart(title="x", minutes=[0, 1], series=[Series("a", [1, float("nan")])])
    assert _points(svg) == [[(48, 10), (470, 148)]]


def test_tick_labels_name_the_first_middle_and_last_minute() -> None:
    svg = line_chart(title="x", minutes=[0, 1, 2, 3, 4], series=[Series("a", [0] * 5)], label=lambda m: f"m{m}")
    assert re.findall(r'y="164" text-anchor="(\w+)">(m\d)<', svg) == [("start", "m0"), ("middle", "m2"), ("end", "m4")]


def test_every_text_in_a_chart_is_escaped() -> None:
    svg = line_chart(title="<script>", minutes=[0], series=[Series("<b>", [1])], label=lambda m: "<i>")
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "&lt;script&gt;" in svg


def test_a_series_must_have_a_value_per_minute() -> None:
    with pytest.raises(ValueError, match="has 1 values for 2 minutes"):
        line_chart(title="x", minutes=[0, 1], series=[Series("a", [1])])


def test_the_map_puts_callers_left_of_what_they_call() -> None:
    nodes = [MapNode("web", ["api"], "healthy"), MapNode("api", ["db"], "degraded"), MapNode("db", [], "down"),
             MapNode("batch", ["db"], "healthy")]
    svg = service_map(nodes)
    # Columns: web and batch (nobody calls them) 0, api 1, db 2; boxes 150 x 44, 60 apart
    # across and 18 down, from (8, 8): width 8 * 2 + 3 * 210 - 60 = 586, height 16 + 2 * 62 - 18 = 122.
    assert 'viewBox="0 0 586 122"' in svg
    boxes = re.findall(r'<g class="node \w+"><rect x="([\d.]+)" y="([\d.]+)"[^>]*/><text[^>]*>(\w+)<', svg)
    assert {name: (float(x), float(y)) for x, y, name in boxes} == {
        "web": (8, 8), "batch": (8, 70), "api": (218, 8), "db": (428, 8),
    }
    assert re.findall(r'<g class="node (\w+)">.*?class="health">(\w+)<', svg) == [
        ("healthy", "healthy"), ("degraded", "degraded"), ("down", "down"), ("healthy", "healthy"),
    ]
    # An arrow from web's right edge (158, 30) to api's left edge (218, 30).
    assert '<line class="call" x1="158" y1="30" x2="218" y2="30" marker-end="url(#arrow)"/>' in svg
    assert "<title>Service map: web healthy, api degraded, db down, batch healthy</title>" in svg


def test_a_call_cycle_still_draws_a_map() -> None:
    svg = service_map([MapNode("a", ["b"], "healthy"), MapNode("b", ["a"], "healthy")])
    assert svg.count('<g class="node') == 2
