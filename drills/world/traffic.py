"""Users' traffic: a daily rhythm, surges (a campaign email, a bot) and noise.

``rps(m) = base * (1 + a * cos(2 pi (h(m) - peak) / 24)) * (1 + noise) + surges``, where
``h(m)`` is the UTC hour of drill minute ``m`` (from the drill's ``clock_start``) and the
noise is a keyed normal draw of ``noise_pct`` percent. A surge ramps up linearly over
``ramp_minutes`` and holds for ``hold_minutes``; blocking its client removes it.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from drills.world.noise import gauss
from drills.world.spec import Traffic

__all__ = ["offered_rps"]


def offered_rps(
    traffic: Traffic, *, minute: int, start_hour: float, seed: int, blocked: Collection[str] = ()
) -> tuple[float, dict[str, float]]:
    """Total requests per second at minute ``minute``, and the part each surge client adds."""
    hour = (start_hour + minute / 60.0) % 24.0
    rhythm = 1.0 + traffic.daily_amplitude * math.cos(2 * math.pi * (hour - traffic.peak_hour_utc) / 24.0)
    noise = 1.0 + traffic.noise_pct / 100.0 * gauss(seed, "traffic", minute)
    base = traffic.rps * rhythm * max(0.05, noise)
    extra: dict[str, float] = {}
    for surge in traffic.surges:
        if surge.client in blocked or minute < surge.at or minute > surge.at + surge.hold_minutes:
            continue
        ramp = 1.0 if surge.ramp_minutes <= 0 else min(1.0, (minute - surge.at) / surge.ramp_minutes)
        extra[surge.client] = extra.get(surge.client, 0.0) + base * surge.factor * ramp
    return base + sum(extra.values()), extra
