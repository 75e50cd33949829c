"""Incident histories generated from known parameters (seeded), to calibrate against."""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

Z90 = 1.2815515655446004
HOURS = [0.4] * 7 + [1.0, 1.4, 1.8, 1.8, 1.6, 1.4, 1.6, 1.8, 1.6, 1.2, 1.0] + [0.6] * 6
WEEKDAYS = [1.2, 1.2, 1.2, 1.1, 1.0, 0.65, 0.65]


def _norm(values: list[float]) -> list[float]:
    mean = sum(values) / len(values)
    return [v / mean for v in values]


def _interruption(created: datetime) -> dict[str, str]:
    """One notification, in PagerDuty's bucket of the creation time (sleep 22-08 wins)."""
    hour = created.hour
    bucket = (
        "sleep"
        if hour >= 22 or hour < 8
        else "business"
        if created.weekday() < 5 and 8 <= hour < 18
        else "off"
    )
    return {
        "business_hour_interruptions": str(int(bucket == "business")),
        "off_hour_interruptions": str(int(bucket == "off")),
        "sleep_hour_interruptions": str(int(bucket == "sleep")),
    }


def generate(
    *,
    days: int = 180,
    rates: dict[str, float],
    ack_median: float,
    ack_p90: float,
    resolve_median: float,
    resolve_p90: float,
    mix: dict[str, float],
    zone: str = "America/New_York",
    seed: int = 1,
) -> list[dict[str, str]]:
    """Rows with PagerDuty analytics column names, one per incident."""
    rng = np.random.default_rng(seed)
    tz = ZoneInfo(zone)
    start = datetime(2026, 1, 5, tzinfo=tz)  # a Monday
    hours, weekdays = _norm(HOURS), _norm(WEEKDAYS)
    labels, weights = list(mix), list(mix.values())
    rows = []
    for day in range(days):
        date = start + timedelta(days=day)
        for hour in range(24):
            wall = date.replace(hour=hour)
            for service, per_day in rates.items():
                lam = per_day / 24 * hours[hour] * weekdays[wall.weekday()]
                for _ in range(rng.poisson(lam)):
                    created = wall + timedelta(seconds=float(rng.uniform(0, 3600)))
                    ack = ack_median * math.exp(
                        math.log(ack_p90 / ack_median) / Z90 * rng.standard_normal()
                    )
                    res = resolve_median * math.exp(
                        math.log(resolve_p90 / resolve_median) / Z90 * rng.standard_normal()
                    )
                    rows.append(
                        {
                            "created_at": created.isoformat(),
                            "service_name": service,
                            "priority_name": str(rng.choice(labels, p=weights)),
                            "urgency": "high",
                            "seconds_to_first_ack": f"{ack * 60:.1f}",
                            "seconds_to_resolve": f"{max(res, ack) * 60:.1f}",
                            **_interruption(created),
                        }
                    )
    rows.sort(key=lambda r: r["created_at"])
    return rows


def to_csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()
