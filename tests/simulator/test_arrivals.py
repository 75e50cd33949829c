"""The alert stream: reproducible, shaped by profiles, common across variants, classified."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from playbook.context import AlertContext
from playbook.model import Playbook
from simulator.arrivals import (
    ACTIONABLE,
    DUPLICATE,
    NOISE,
    classify_alerts,
    generate_alerts,
    hourly_intensity,
)
from simulator.clock import local_clock
from simulator.sections import AlertsSpec, FlapSpec, ServiceSpec, StormSpec

START = datetime.fromisoformat("2025-01-06T00:00:00-05:00")
YEAR = 365 * 1440.0


def spec(**changes: object) -> AlertsSpec:
    base = AlertsSpec(
        time_zone="America/New_York",
        noise_fraction=0.5,
        services=(
            ServiceSpec(name="payments", actionable_per_day=4.0),
            ServiceSpec(name="search", actionable_per_day=2.0),
        ),
    )
    return base.model_copy(update=changes)


def test_the_same_seed_and_replication_give_the_same_stream() -> None:
    a = generate_alerts(spec(), start=START, total_minutes=YEAR, seed=3, replication=1)
    b = generate_alerts(spec(), start=START, total_minutes=YEAR, seed=3, replication=1)
    c = generate_alerts(spec(), start=START, total_minutes=YEAR, seed=3, replication=2)
    assert np.array_equal(a.time, b.time) and np.array_equal(a.u1, b.u1)
    assert not np.array_equal(a.time[:50], c.time[:50])


def test_alert_counts_match_the_rates() -> None:
    table = generate_alerts(spec(), start=START, total_minutes=YEAR, seed=5, replication=0)
    actionable = np.sum(table.kind == ACTIONABLE) / 365
    noise = np.sum(table.kind == NOISE) / 365
    assert abs(actionable - 6.0) < 0.3  # Poisson, 2190 expected; sd ~ 47
    assert abs(noise - 6.0) < 0.3  # noise fraction 0.5 adds as much noise as action
    assert np.all(np.diff(table.time) >= 0)


def test_changing_the_noise_fraction_leaves_the_actionable_stream_alone() -> None:
    noisy = generate_alerts(spec(), start=START, total_minutes=YEAR, seed=9, replication=4)
    quiet = generate_alerts(
        spec(noise_fraction=0.25), start=START, total_minutes=YEAR, seed=9, replication=4
    )
    a, b = noisy.kind == ACTIONABLE, quiet.kind == ACTIONABLE
    assert np.array_equal(noisy.time[a], quiet.time[b])
    assert np.array_equal(noisy.error_rate[a], quiet.error_rate[b])
    assert np.array_equal(noisy.z1[a], quiet.z1[b])
    assert np.sum(quiet.kind == NOISE) < 0.5 * np.sum(noisy.kind == NOISE)


def test_the_hour_profile_shapes_arrivals_on_the_local_clock() -> None:
    profile = tuple(3.0 if 9 <= h < 17 else 0.2 for h in range(24))
    table = generate_alerts(
        spec(hour_profile=profile), start=START, total_minutes=YEAR, seed=1, replication=0
    )
    local_hours = ((table.time / 60 + 0) % 24).astype(int)  # minute 0 is local midnight (EST)
    day = np.isin(local_hours, range(9, 17)).mean()
    assert day > 0.8  # 8 * 3 / (8 * 3 + 16 * 0.2) = 0.88 (DST shifts an hour for half the year)


def test_hourly_intensity_averages_one_over_a_week() -> None:
    profile = tuple(float(h) + 1 for h in range(24))
    weights = hourly_intensity("UTC", profile, (1, 1, 1, 1, 1, 2, 2), START, 7 * 1440.0)
    assert abs(weights.mean() - 1.0) < 1e-9


def test_a_storm_is_an_actionable_root_with_duplicates_of_it() -> None:
    storms = StormSpec(per_week=3.0)
    table = generate_alerts(
        spec(noise_fraction=0.0, storms=storms),
        start=START,
        total_minutes=30 * 1440.0,
        seed=2,
        replication=0,
    )
    duplicates = np.flatnonzero(table.kind == DUPLICATE)
    assert duplicates.size > 0
    roots = table.root[duplicates]
    assert np.all(table.kind[roots] == ACTIONABLE)
    assert np.all(table.time[roots] <= table.time[duplicates])
    assert np.all(table.fingerprint[duplicates] != table.fingerprint[roots])


def test_a_flapping_alert_refires_after_clearing_with_its_fingerprint() -> None:
    flapping = FlapSpec(probability=1.0)
    table = generate_alerts(
        spec(noise_fraction=0.0, flapping=flapping),
        start=START,
        total_minutes=10 * 1440.0,
        seed=2,
        replication=0,
    )
    refires = np.flatnonzero((table.kind == DUPLICATE) & (table.root != np.arange(len(table))))
    assert refires.size > 0
    parents = table.root[refires]
    assert np.all(table.fingerprint[refires] == table.fingerprint[parents])
    assert np.all(table.time[refires] >= table.end[parents])


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 10_000))
def test_vectorised_classification_agrees_with_the_playbooks_scalar_classifier(
    book: Playbook, seed: int
) -> None:
    table = generate_alerts(
        spec(), start=START, total_minutes=20 * 1440.0, seed=seed, replication=0
    )
    severity = classify_alerts(table, book, None)
    for a in np.flatnonzero(table.kind == ACTIONABLE)[:200]:
        ctx = AlertContext(
            service=table.services[table.service[a]],
            error_rate=float(table.error_rate[a]),
            latency_p99_ms=float(table.latency_p99_ms[a]),
            affected_users_pct=float(table.affected_users_pct[a]),
            is_data_loss=bool(table.data_loss[a]),
            is_security_event=bool(table.security[a]),
            is_revenue_impacting=bool(table.revenue[a]),
            dependent_services=tuple(f"d{i}" for i in range(int(table.dependents[a]))),
        )
        assert book.severity_order[severity[a]] == book.classify(ctx).severity


def test_noise_pages_at_the_least_severe_level_that_pages(book: Playbook) -> None:
    table = generate_alerts(spec(), start=START, total_minutes=20 * 1440.0, seed=1, replication=0)
    severity = classify_alerts(table, book, None)
    assert {book.severity_order[s] for s in severity[table.kind == NOISE]} == {"SEV3"}


def test_a_service_can_have_its_own_hour_profile() -> None:
    nights = tuple(5.0 if h < 6 else 0.1 for h in range(24))
    batch = ServiceSpec(name="batch", actionable_per_day=6.0, hour_profile=nights)
    table = generate_alerts(
        spec(services=(batch,), noise_fraction=0.0),
        start=START,
        total_minutes=YEAR,
        seed=1,
        replication=0,
    )
    local = local_clock("America/New_York", START, YEAR).local_array(table.time)
    local_hours = ((local % 1440) // 60).astype(int)
    assert np.isin(local_hours, range(6)).mean() > 0.9  # 30 / 31.8 = 0.94 expected
