"""The drill world's error-budget burns evaluate the workbook's four multiwindow tiers.

Every expected minute and burn rate below is computed by hand (in the comments) for a
99.95 % SLO (budget 0.0005, so the time before the drill counts at half of it, 0.00025),
100 requests per second, and error shares set minute by minute.
"""

from __future__ import annotations

import pytest

from drills.world.alerts import History, baseline, burn_rate, burn_table, rule
from drills.world.model import Metrics
from scenarios.monitoring.rules import PAGE_TIERS, TICKET_TIERS

BUDGET = 0.0005
PAGE = burn_table(PAGE_TIERS)
TICKET = burn_table(TICKET_TIERS)


def minutes(history: History, count: int, error_share: float) -> None:
    for _ in range(count):
        history.append({"web": Metrics(100.0, error_share * 100, 10, 20, 30, 10)})


def test_the_tiers_are_the_workbook_s_in_drill_minutes() -> None:
    # SRE workbook, "Alerting on SLOs", table 5-8: 1h/5m 14.4x, 6h/30m 6x, 1d/2h 3x, 3d/6h 1x.
    assert PAGE == ((14.4, 60, 5), (6.0, 360, 30))
    assert TICKET == ((3.0, 1440, 120), (1.0, 4320, 360))
    assert baseline(BUDGET) == 0.00025


def test_tier_one_pages_on_a_fast_burn_once_the_hour_holds_enough_of_it() -> None:
    # 10 clean minutes, then 2 % errors. After k bad minutes the 1h window is
    # (0.02 k + 0.00025 (50 - k)) / 60; above 14.4 x 0.0005 = 0.0072 from k = 22
    # (0.447 / 60 = 0.00745, burn 14.9); at k = 21 it is 0.42725 / 60 = 0.00712.
    history = History()
    minutes(history, 10, 0.0)
    minutes(history, 21, 0.02)
    assert burn_rate(history, "web", BUDGET, PAGE) is None
    minutes(history, 1, 0.02)
    assert burn_rate(history, "web", BUDGET, PAGE) == pytest.approx(14.9)


def test_tier_one_resets_within_its_short_window_after_the_burn_stops() -> None:
    # After 25 bad minutes the 5m window, c clean minutes later, is 0.02 (5 - c) / 5:
    # 0.008 > 0.0072 at c = 3, 0.004 at c = 4, while the hour still burns (0.00867).
    history = History()
    minutes(history, 10, 0.0)
    minutes(history, 25, 0.02)
    minutes(history, 3, 0.0)
    assert burn_rate(history, "web", BUDGET, PAGE) is not None
    minutes(history, 1, 0.0)
    assert burn_rate(history, "web", BUDGET, PAGE) is None


def test_tier_two_pages_on_a_burn_tier_one_never_sees() -> None:
    # 0.5 % errors never exceed 0.0072, but over 6h: (0.005 k + 0.00025 (350 - k)) / 360 is
    # above 6 x 0.0005 = 0.003 from k = 209 (1.08025 / 360, burn 6.0014), not at k = 208
    # (1.0755 / 360 = 0.0029875); the 30m window holds 0.005 > 0.003.
    history = History()
    minutes(history, 10, 0.0)
    minutes(history, 208, 0.005)
    assert burn_rate(history, "web", BUDGET, PAGE) is None
    minutes(history, 1, 0.005)
    assert burn_rate(history, "web", BUDGET, PAGE) == pytest.approx(1.08025 / 360 / BUDGET)


def test_tier_four_tickets_a_slow_burn_before_tier_three() -> None:
    # 0.2 % errors: over 3d (0.002 k + 0.00025 (4310 - k)) / 4320 passes 1 x 0.0005 from
    # k = 619 (2.16075 / 4320); tier 3 then reads (0.002 k + 0.00025 (1430 - k)) / 1440 =
    # 0.0010005, under 3 x 0.0005.
    history = History()
    minutes(history, 10, 0.0)
    minutes(history, 618, 0.002)
    assert burn_rate(history, "web", BUDGET, TICKET) is None
    minutes(history, 1, 0.002)
    assert burn_rate(history, "web", BUDGET, TICKET) == pytest.approx(2.16075 / 4320 / BUDGET)


def test_a_clean_service_never_burns_whatever_the_drill_length() -> None:
    history = History()
    minutes(history, 5000, 0.0)
    assert burn_rate(history, "web", BUDGET, PAGE) is None
    assert burn_rate(history, "web", BUDGET, TICKET) is None


def test_the_world_s_burn_rules_are_these_tiers() -> None:
    # As in tier two's case at k = 209; the ticket windows read (1.045 + 1.02525) / 4320 =
    # 0.000479 (under 0.0005) and (1.045 + 0.30525) / 1440 = 0.000938 (under 0.0015).
    history = History()
    minutes(history, 10, 0.0)
    minutes(history, 209, 0.005)
    assert rule("HighErrorBudgetBurn").condition(history, "web", BUDGET) == pytest.approx(1.08025 / 360 / BUDGET)
    assert rule("SlowErrorBudgetBurn").condition(history, "web", BUDGET) is None
