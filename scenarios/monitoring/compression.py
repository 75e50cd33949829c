"""Time compression: the seeds' production timings, scaled down so a drill fits in minutes.

The seeds' alerts look at hours and days (``rate(...[1h])``, ``for: 2m``, a ``[3d]`` slow burn,
Alertmanager's ``group_interval: 5m``). A game day cannot wait that long, so every such duration
is divided by one **compression factor** ``C``. The default ``C = 60`` turns an hour into a
minute:

==========================  ==============  ===============
seed                        production      at C = 60
==========================  ==============  ===============
HighErrorRate window/for    ``[5m]``/2m     ``[5s]``/2s
page burn windows/for       ``[1h]``,``[5m]``;  ``[1m]``,``[5s]``;
                            ``[6h]``,``[30m]``  ``[6m]``,``[30s]``
                            /2m             /2s
ticket burn windows/for     ``[1d]``,``[2h]``;  ``[24m]``,``[2m]``;
                            ``[3d]``,``[6h]``  ``[72m]``,``[6m]``
                            /1h             /1m
Alertmanager group_wait     30s             1s (floor)
Alertmanager group_interval 5m              5s
Alertmanager repeat         4h              4m
==========================  ==============  ===============

Ratios (burn-rate multipliers, thresholds, error budgets) are *not* scaled: a 14.4x burn is a
14.4x burn at any speed. Two floors keep the result meaningful: a range window must span at
least four scrape intervals (``rate()`` needs samples), and Alertmanager timings never go
below one second.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from playbook.errors import InvalidDefinition

__all__ = ["MIN_SAMPLES_PER_WINDOW", "TimeCompression", "format_duration", "parse_duration"]

#: A compressed range window must hold at least this many scrape intervals.
MIN_SAMPLES_PER_WINDOW = 4

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_PART = re.compile(r"(\d+)(ms|[smhdw])")


def parse_duration(text: str) -> float:
    """Seconds in a Prometheus duration such as ``5m``, ``1h30m`` or ``500ms``."""
    parts = _PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise InvalidDefinition(f"not a duration: {text!r}", field="duration")
    return sum(int(number) * _UNITS[unit] for number, unit in parts)


def format_duration(seconds: float) -> str:
    """The shortest single-unit Prometheus duration for ``seconds`` (rounded to a ms)."""
    millis = round(seconds * 1000)
    if millis <= 0:
        return "0s"
    for unit in ("w", "d", "h", "m", "s"):
        size = round(_UNITS[unit] * 1000)
        if millis % size == 0:
            return f"{millis // size}{unit}"
    return f"{millis}ms"


class TimeCompression(BaseModel):
    """Divide production durations by ``factor`` (1 = real time)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    factor: float = Field(default=60.0, ge=1.0, le=3600.0)

    def seconds(self, production: str) -> float:
        """The compressed length, in seconds, of a production duration such as ``"5m"``."""
        return parse_duration(production) / self.factor

    def duration(self, production: str, *, floor_seconds: float = 0.0) -> str:
        """The compressed duration as Prometheus text, never below ``floor_seconds``."""
        return format_duration(max(self.seconds(production), floor_seconds))

    def window(self, production: str, *, scrape_interval_seconds: float) -> str:
        """A compressed range window; refuses one too short for ``rate()`` to see samples."""
        seconds = self.seconds(production)
        shortest = MIN_SAMPLES_PER_WINDOW * scrape_interval_seconds
        if seconds < shortest:
            raise InvalidDefinition(
                f"compression {self.factor:g} turns [{production}] into "
                f"{format_duration(seconds)}, shorter than {MIN_SAMPLES_PER_WINDOW} scrape "
                f"intervals ({format_duration(shortest)}); lower the factor or scrape faster",
                field="compression",
            )
        return format_duration(seconds)
