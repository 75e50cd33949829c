"""The workspace's pure parts: windows, the pages each person received, the SLO burn rate, and
a live re-render that shows exactly what a recorded look holds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drills.actions import Look
from drills.events import EvidenceViewed
from drills.library import find_script
from drills.workspace import (
    BURN_WINDOW,
    burn_rates,
    observe,
    on_call_people,
    pages_received,
    window_bounds,
)
from playbook.model import Playbook
from tests.drills.conftest import Drill


def test_a_window_ends_at_the_whole_minute_and_never_starts_before_the_drill() -> None:
    assert window_bounds("15m", 40.7) == (25.0, 40.0)
    assert window_bounds("15m", 9.5) == (0.0, 9.0)
    assert window_bounds("1h", 30) == (0.0, 30.0)
    assert window_bounds("1h", 75.2) == (15.0, 75.0)
    assert window_bounds("start", 12.2) == (0.0, 12.0)
    with pytest.raises(ValueError, match="unknown window '2h'"):
        window_bounds("2h", 10)


@pytest.fixture
def payments(book: Playbook) -> Drill:
    """payment-provider-outage with nobody acknowledging: its world fires two critical alerts
    at minute 3 (error rate and burn rate) that page through the SEV1 policy."""
    return Drill(find_script("payment-provider-outage", playbook=book), book).start("dave", "Carol", "erin")


def test_pages_reach_whoever_the_schedules_put_on_call_then_the_policys_users(payments: Drill, book: Playbook) -> None:
    payments.at(25)
    s = payments.session
    pages = pages_received(s.records(), book, s.script.clock_start, "dave")
    # By hand: the drill starts 2026-07-09 15:20 UTC (11:20 in New York). checkout-primary
    # rotates weekly from 2025-01-01 00:00 through alice, bob, carol, dave: 554 days and
    # some hours later is turn 79, 79 mod 4 = 3, dave. checkout-secondary starts a week
    # later: turn 78, carol. The SEV1 policy (seed 003) pages the primary at 0, the secondary
    # at 5, the engineering manager at 10 and the VP at 20 minutes after the alert (minute 3).
    seen = [(p.at, p.target, p.people, p.rule) for p in pages]
    assert seen == [
        (23.0, "user:vp_engineering", ("vp_engineering",), 4),
        (23.0, "user:vp_engineering", ("vp_engineering",), 4),
        (13.0, "user:engineering_manager", ("engineering_manager",), 3),
        (13.0, "user:engineering_manager", ("engineering_manager",), 3),
        (8.0, "schedule:checkout-secondary", ("carol",), 2),
        (8.0, "schedule:checkout-secondary", ("carol",), 2),
        (3.0, "schedule:checkout-primary", ("dave",), 1),
        (3.0, "schedule:checkout-primary", ("dave",), 1),
    ]
    assert {p.alert_id for p in pages} == {"high-error-rate.checkout", "high-error-budget-burn.checkout"}
    assert [p.at for p in pages if p.to_you] == [3.0, 3.0]


def test_a_page_is_yours_whatever_the_case_of_your_name_and_nobodys_without_a_name(
    payments: Drill, book: Playbook
) -> None:
    payments.at(10)
    s = payments.session
    assert [p.at for p in pages_received(s.records(), book, s.script.clock_start, "Carol") if p.to_you] == [8.0, 8.0]
    assert not any(p.to_you for p in pages_received(s.records(), book, s.script.clock_start, "erin"))
    assert not any(p.to_you for p in pages_received(s.records(), book, s.script.clock_start, None))


def test_everyone_on_a_schedule_or_named_by_a_policy_can_be_paged(book: Playbook) -> None:
    people = on_call_people(book)
    assert {"alice", "bob", "carol", "dave", "engineering_manager", "vp_engineering", "cto"} <= people
    assert "erin" not in people


def test_the_burn_rate_of_a_hand_made_series() -> None:
    # A 99 % SLO (budget 0.01). Minute 0: nothing failed in the one minute seen; the 59
    # minutes before the drill count at the 0.1 % baseline (below half the budget):
    # (0 * 1 + 0.001 * 59) / 60 = 0.000983 of requests, 0.0983 budgets. Minute 1: 10 of 200
    # requests failed (5 %) over two minutes: (0.05 * 2 + 0.001 * 58) / 60 = 0.002633, 0.2633.
    assert burn_rates([100, 100], [0, 10], budget=0.01) == pytest.approx([0.059 / 60 / 0.01, 0.158 / 60 / 0.01])


def test_before_the_drill_a_tight_slo_is_assumed_met_at_half_its_budget() -> None:
    # 99.95 %: budget 0.0005; the baseline is capped at 0.00025, so minute 0 of a clean
    # service burns (0.00025 * 59) / 60 / 0.0005 = 0.4917 budgets, never above 1.
    assert burn_rates([100], [0], budget=0.0005) == pytest.approx([0.00025 * 59 / 60 / 0.0005])


def test_a_full_hour_of_one_percent_errors_burns_ten_times_a_tenth_of_a_percent_budget() -> None:
    burn = burn_rates([50.0] * 61, [1.0] * 61, budget=0.001)
    assert burn[59] == pytest.approx(10.0) and burn[60] == pytest.approx(10.0)


@given(
    rps=st.floats(min_value=0.1, max_value=1e5),
    error=st.floats(min_value=0, max_value=100),
    minutes=st.integers(min_value=1, max_value=90),
    availability=st.floats(min_value=0.9, max_value=0.99999),
)
def test_at_a_constant_error_rate_the_burn_mixes_it_with_the_baseline_by_minutes_seen(
    rps: float, error: float, minutes: int, availability: float
) -> None:
    budget = 1 - availability
    burn = burn_rates([rps] * minutes, [error] * minutes, budget)
    for t, b in enumerate(burn):
        seen = min(t + 1, BURN_WINDOW)
        before = min(0.001, budget / 2)
        assert b == pytest.approx((error / 100 * seen + before * (BURN_WINDOW - seen)) / BURN_WINDOW / budget)


def test_a_burn_rate_needs_a_budget() -> None:
    with pytest.raises(ValueError, match="positive"):
        burn_rates([1.0], [1.0], budget=0)


@pytest.mark.parametrize("look", [
    Look(evidence="metrics", service="payments", start=5, end=12),
    Look(evidence="logs", service="payments", level="error", text="payco"),
    Look(evidence="logs"),
    Look(evidence="changes"),
    Look(evidence="dependencies"),
    Look(evidence="runbook", name="service-down"),
    Look(evidence="oncall"),
], ids=lambda look: f"{look.evidence}")
def test_observing_a_look_shows_what_recording_it_holds(payments: Drill, look: Look) -> None:
    payments.at(12)
    s = payments.session
    (record,) = payments.act("dave", look)
    assert isinstance(record.event, EvidenceViewed)
    assert s.world is not None
    assert observe(look, s.world, s.state, s.playbook, s.script.clock_start, 12.0) == record.event.result
