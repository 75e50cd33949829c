"""Status updates stretch the work of whoever writes them."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from simulator.work import stretch, updates_during


def test_no_cadence_or_no_cost_means_no_stretch() -> None:
    assert stretch(50.0, None, 5.0) == 50.0
    assert stretch(50.0, 30.0, 0.0) == 50.0


def test_each_update_due_during_the_work_adds_its_cost() -> None:
    # 50 minutes of work: one update falls due (at 30), so it ends at 55.
    assert stretch(50.0, 30.0, 5.0) == 55.0
    # 58 minutes: the update at 30 pushes the end past 60, where a second one falls due.
    assert stretch(58.0, 30.0, 5.0) == 68.0
    assert updates_during(68.0, 30.0) == 2


@given(st.floats(0, 1000), st.floats(1, 120), st.floats(0, 0.99))
def test_the_stretch_solves_its_equation(work: float, cadence: float, share: float) -> None:
    cost = cadence * share
    elapsed = stretch(work, cadence, cost)
    assert elapsed >= work
    if work > 0:
        assert abs(elapsed - (work + cost * (elapsed // cadence))) < 1e-6
