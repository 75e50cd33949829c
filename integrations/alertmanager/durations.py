"""Prometheus durations (``1h30m``, ``30s``, ``1d``, ``1w``, ``500ms``) in seconds."""

from __future__ import annotations

import re

__all__ = ["parse_duration"]

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w|y)")
_WHOLE = re.compile(r"(?:\d+(?:ms|s|m|h|d|w|y))+")


def parse_duration(text: str) -> float:
    """Seconds in ``text``; ``0`` is allowed, as in Prometheus; raises ValueError."""
    if text == "0":
        return 0.0
    if not _WHOLE.fullmatch(text):
        raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 5m, 4h, 1d)")
    return float(sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(text)))
