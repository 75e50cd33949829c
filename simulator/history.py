"""Alert histories: Alertmanager API v2 alerts read from a file, and Prometheus durations.

A history is JSON lines, or one JSON array, of alerts in Alertmanager's API v2 shape, one
object per firing episode::

    {"labels": {...}, "annotations": {...}, "startsAt": RFC 3339,
     "endsAt": RFC 3339 or null (still firing at the end),
     "receivedAt": RFC 3339, optional: when Alertmanager first received it (default startsAt)}

The same label set may come again later: a re-fire. Every error names the file, the line
the alert starts on and the field (``alerts.jsonl:12: endsAt: ...``). Both
``drillbit grouping replay`` and a study whose ``alerts.history`` names a file read
histories here, and both group them with :func:`simulator.grouping.dispatch`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from playbook.errors import InvalidDefinition

__all__ = ["MAX_HISTORY_BYTES", "Episode", "History", "parse_duration", "parse_history", "read_history"]

MAX_HISTORY_BYTES = 64 * 1024 * 1024  # a month of a busy Alertmanager is a few MB
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_DURATION = re.compile(
    r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?"
)
_UNITS = (365 * 86400.0, 7 * 86400.0, 86400.0, 3600.0, 60.0, 1.0, 0.001)


def parse_duration(text: str, what: str = "duration") -> float:
    """Seconds in a Prometheus duration (``30s``, ``5m``, ``4h``, ``1h30m``, ``0``).

    Units y, w, d, h, m, s, ms, each at most once and largest first, as Prometheus'
    ``model.ParseDuration`` takes them.
    """
    match = _DURATION.fullmatch(text)
    if text == "0":
        return 0.0
    if not text or match is None:
        raise InvalidDefinition(
            f"{what} {text!r} is not a Prometheus duration (e.g. 30s, 5m, 4h, 1h30m)"
        )
    return sum(int(v) * unit for v, unit in zip(match.groups(), _UNITS, strict=True) if v)


@dataclass(frozen=True)
class Episode:
    """One firing episode of an alert; times are aware datetimes, ``ends`` None if firing."""

    line: int
    labels: Mapping[str, str]
    starts: datetime
    ends: datetime | None
    received: datetime


@dataclass(frozen=True)
class History:
    """A history's episodes in file order, and the file they came from."""

    source: str
    episodes: tuple[Episode, ...]

    @property
    def origin(self) -> datetime:
        """The earliest instant in the history (time zero of :meth:`minutes`)."""
        return min(min(e.received, e.starts) for e in self.episodes)

    @property
    def last(self) -> datetime:
        """The latest instant the history mentions."""
        return max(max(e.received, e.starts, e.ends or e.starts) for e in self.episodes)

    def minutes(self, origin: datetime) -> tuple[list[float], list[float], list[float]]:
        """(received, startsAt, end) of each episode in minutes after ``origin``; end inf if firing."""

        def m(at: datetime) -> float:
            return (at - origin).total_seconds() / 60.0

        return (
            [m(e.received) for e in self.episodes],
            [m(e.starts) for e in self.episodes],
            [math.inf if e.ends is None else m(e.ends) for e in self.episodes],
        )


def _error(source: str, line: int, field: str, message: str) -> InvalidDefinition:
    return InvalidDefinition(f"{source}:{line}: {field}: {message}")


def _instant(value: Any, source: str, line: int, field: str) -> datetime:
    if not isinstance(value, str):
        raise _error(source, line, field, "must be an RFC 3339 date-time string")
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise _error(source, line, field, f"{value!r} is not an RFC 3339 date-time") from None
    if at.tzinfo is None:
        raise _error(source, line, field, f"{value!r} has no UTC offset (RFC 3339 needs one)")
    return at


def _labels(value: Any, source: str, line: int) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise _error(source, line, "labels", "must be a non-empty object of label names to strings")
    for name, label in value.items():
        if not _LABEL.fullmatch(name):
            raise _error(source, line, f"labels.{name}", "is not a label name")
        if not isinstance(label, str):
            raise _error(source, line, f"labels.{name}", "must be a string")
    return dict(value)


def _episode(data: Any, source: str, line: int) -> Episode:
    if not isinstance(data, dict):
        raise _error(source, line, "alert", "must be a JSON object")
    labels = _labels(data.get("labels"), source, line)
    if "annotations" in data and not isinstance(data["annotations"], dict):
        raise _error(source, line, "annotations", "must be an object")
    if "startsAt" not in data:
        raise _error(source, line, "startsAt", "is required")
    starts = _instant(data["startsAt"], source, line, "startsAt")
    raw_end = data.get("endsAt")
    ends = None if raw_end is None else _instant(raw_end, source, line, "endsAt")
    if ends is not None and ends < starts:
        raise _error(source, line, "endsAt", "is before startsAt")
    raw_received = data.get("receivedAt")
    received = starts if raw_received is None else _instant(raw_received, source, line, "receivedAt")
    return Episode(line, labels, starts, ends, received)


def _array_items(text: str, source: str) -> Iterator[tuple[int, Any]]:
    """(line, value) of each element of a JSON array, decoded one at a time."""
    decoder = json.JSONDecoder()
    index = text.index("[") + 1
    while True:
        while index < len(text) and text[index] in " \t\r\n":
            index += 1
        if index < len(text) and text[index] == "]":
            return
        line = text.count("\n", 0, index) + 1
        try:
            value, index = decoder.raw_decode(text, index)
        except json.JSONDecodeError as exc:
            raise _error(source, exc.lineno, "alert", f"invalid JSON: {exc.msg}") from None
        yield line, value
        while index < len(text) and text[index] in " \t\r\n":
            index += 1
        if index < len(text) and text[index] == ",":
            index += 1
        elif index >= len(text) or text[index] != "]":
            raise _error(source, text.count("\n", 0, index) + 1, "alert", "expected ',' or ']'")


def _line_items(text: str, source: str) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw)
        except json.JSONDecodeError as exc:
            raise _error(source, number, "alert", f"invalid JSON: {exc.msg}") from None


def parse_history(text: str, source: str) -> History:
    """A history from its text (JSON lines or one JSON array)."""
    items = _array_items(text, source) if text.lstrip().startswith("[") else _line_items(text, source)
    try:
        episodes = tuple(_episode(data, source, line) for line, data in items)
    except RecursionError:
        raise _error(source, 1, "alert", "nested too deeply") from None
    if not episodes:
        raise _error(source, 1, "alert", "the history has no alerts")
    return History(source, episodes)


def read_history(path: Path) -> History:
    """Read and check the history at ``path`` (refused past :data:`MAX_HISTORY_BYTES`)."""
    try:
        size = path.stat().st_size
        if size > MAX_HISTORY_BYTES:
            raise InvalidDefinition(
                f"{path}: the history is {size:,} bytes; at most {MAX_HISTORY_BYTES:,} are read"
            )
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidDefinition(f"{path}: cannot read the history: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidDefinition(f"{path}:1: alert: the file is not UTF-8") from None
    return parse_history(text, str(path))
