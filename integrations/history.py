"""Incident histories: PagerDuty analytics raw incidents (JSON or CSV) and a generic CSV.

* ``pagerduty``: the body of ``POST /analytics/raw/incidents`` (``{"data": [...]}``) or a
  CSV with its column names. Used: ``created_at``, ``seconds_to_first_ack``,
  ``seconds_to_resolve`` (else ``resolved_at``), ``service_name``, ``urgency``,
  ``priority_name``, ``escalation_count``, ``business_hour_interruptions``,
  ``off_hour_interruptions``, ``sleep_hour_interruptions``, ``total_notifications``.
* ``generic``: a CSV with ``created_at``, ``acknowledged_at``, ``resolved_at``,
  ``service``, optional ``severity`` or ``urgency``, optional ``assignee``.

Timestamps may carry an offset; those that do not are read in the body's ``time_zone``
(PagerDuty's JSON says which) or else in ``assumed_zone`` (default UTC), and the caller
is told which zone was assumed. A bad row raises :class:`InvalidDefinition` naming the
row (1-based, the header is row 0; the line for a CSV) and the field, unless rows are
skipped, in which case they are counted.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from integrations.files import MAX_BYTES, read_text
from playbook.errors import InvalidDefinition

__all__ = ["PAGERDUTY_COLUMNS", "History", "HistoryIncident", "parse_history", "read_history"]

Format = Literal["pagerduty", "generic"]
PAGERDUTY_COLUMNS = (
    "id", "created_at", "resolved_at", "service_name", "urgency", "priority_name",
    "seconds_to_first_ack", "seconds_to_resolve", "escalation_count", "total_notifications",
    "business_hour_interruptions", "off_hour_interruptions", "sleep_hour_interruptions",
    "assigned_user_names",
)  # fmt: skip
_BUCKETS = ("business_hour_interruptions", "off_hour_interruptions", "sleep_hour_interruptions")


@dataclass(frozen=True)
class HistoryIncident:
    """One past incident; minutes are from creation, None when the history lacks them."""

    created: datetime
    service: str
    severity: str | None
    urgency: str | None
    ack_minutes: float | None
    resolve_minutes: float | None
    escalations: int | None = None
    notifications: int | None = None
    interruptions: tuple[int, int, int] | None = None  # business, off hours, sleep
    assignee: str | None = None


@dataclass(frozen=True)
class History:
    """The incidents of a history file, oldest first, and what reading it assumed."""

    incidents: tuple[HistoryIncident, ...]
    source: str
    assumed_zone: str
    skipped: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)


class _BadRow(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _text(row: Mapping[str, Any], key: str) -> str | None:
    value = row.get(key)
    if value is None:
        return None
    text = (
        value
        if isinstance(value, str)
        else json.dumps(value)
        if isinstance(value, list)
        else str(value)
    )
    return text.strip() or None


class _Clock:
    """The zone naive timestamps are read in, and whether any was."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self.assumed = False


def _time(row: Mapping[str, Any], key: str, clock: _Clock, required: bool) -> datetime | None:
    text = _text(row, key)
    if text is None:
        if required:
            raise _BadRow(key, "missing")
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _BadRow(key, f"not an ISO-8601 date-time: {text!r}") from None
    if value.tzinfo is not None:
        return value
    clock.assumed = True
    return value.replace(tzinfo=clock.zone)


def _number(row: Mapping[str, Any], key: str) -> float | None:
    text = _text(row, key)
    if text is None or text.lower() in {"null", "none"}:
        return None
    try:
        value = float(text)
    except ValueError:
        raise _BadRow(key, f"not a number: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise _BadRow(key, f"must be a non-negative number, got {text!r}")
    return value


def _count(row: Mapping[str, Any], key: str) -> int | None:
    value = _number(row, key)
    return None if value is None else int(value)


def _minutes_between(start: datetime, end: datetime | None, key: str) -> float | None:
    if end is None:
        return None
    minutes = (end - start).total_seconds() / 60
    if minutes < 0:
        raise _BadRow(key, "is before created_at")
    return minutes


def _pagerduty_row(row: Mapping[str, Any], zone: _Clock) -> HistoryIncident:
    created = _time(row, "created_at", zone, True)
    assert created is not None
    ack = _number(row, "seconds_to_first_ack")
    resolve = _number(row, "seconds_to_resolve")
    resolve_minutes = (
        resolve / 60
        if resolve is not None
        else _minutes_between(created, _time(row, "resolved_at", zone, False), "resolved_at")
    )
    buckets = [_count(row, key) for key in _BUCKETS]
    return HistoryIncident(
        created=created,
        service=_text(row, "service_name") or _text(row, "service_id") or "unknown",
        severity=_text(row, "priority_name"),
        urgency=_text(row, "urgency"),
        ack_minutes=None if ack is None else ack / 60,
        resolve_minutes=resolve_minutes,
        escalations=_count(row, "escalation_count"),
        notifications=_count(row, "total_notifications"),
        interruptions=None
        if None in buckets
        else (buckets[0] or 0, buckets[1] or 0, buckets[2] or 0),
    )


def _generic_row(row: Mapping[str, Any], zone: _Clock) -> HistoryIncident:
    created = _time(row, "created_at", zone, True)
    assert created is not None
    service = _text(row, "service")
    if service is None:
        raise _BadRow("service", "missing")
    return HistoryIncident(
        created=created,
        service=service,
        severity=_text(row, "severity"),
        urgency=_text(row, "urgency"),
        ack_minutes=_minutes_between(
            created, _time(row, "acknowledged_at", zone, False), "acknowledged_at"
        ),
        resolve_minutes=_minutes_between(
            created, _time(row, "resolved_at", zone, False), "resolved_at"
        ),
        assignee=_text(row, "assignee"),
    )


def _rows(
    text: str, source: str
) -> tuple[list[tuple[int | None, Mapping[str, Any]]], str | None, bool]:
    """(line, row) pairs, the body's time zone if it names one, and whether it is JSON."""
    if text.lstrip().startswith("{"):
        try:
            body = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidDefinition(
                f"invalid JSON: {exc.msg}", source=source, line=exc.lineno
            ) from None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise InvalidDefinition(
                'expected the analytics body {"data": [...]}', source=source, field="data"
            )
        zone = body.get("time_zone") if isinstance(body.get("time_zone"), str) else None
        return [(None, r if isinstance(r, dict) else {}) for r in data], zone, True
    reader = csv.DictReader(io.StringIO(text))
    rows: list[tuple[int | None, Mapping[str, Any]]] = []
    for record in reader:
        rows.append((reader.line_num, record))
    return rows, None, False


def parse_history(
    text: str,
    source: str,
    *,
    fmt: Format | None = None,
    assumed_zone: str = "UTC",
    skip_bad_rows: bool = False,
) -> History:
    """Parse a history; ``fmt`` None guesses (PagerDuty's columns or the generic ones)."""
    rows, body_zone, is_json = _rows(text, source)
    zone_name = body_zone or assumed_zone
    try:
        clock = _Clock(ZoneInfo(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidDefinition(f"unknown time zone {zone_name!r}", source=source) from None
    if fmt is None:
        first = rows[0][1] if rows else {}
        fmt = (
            "pagerduty"
            if is_json or "service_name" in first or "seconds_to_first_ack" in first
            else "generic"
        )
    parse = _pagerduty_row if fmt == "pagerduty" else _generic_row
    incidents, skipped = [], 0
    for number, (line, row) in enumerate(rows, start=1):
        try:
            incidents.append(parse(row, clock))
        except _BadRow as exc:
            if skip_bad_rows:
                skipped += 1
                continue
            raise InvalidDefinition(
                str(exc), source=source, line=line, field=f"row {number}: {exc.column}"
            ) from None
    if not incidents:
        raise InvalidDefinition("the history has no incidents", source=source)
    incidents.sort(key=lambda i: i.created)
    notes = [f"timestamps without an offset are read as {zone_name}"] if clock.assumed else []
    return History(tuple(incidents), source, zone_name, skipped, tuple(notes))


def read_history(path: Path, **options: Any) -> History:
    """Read and parse a history file (see :func:`parse_history` for the options)."""
    return parse_history(read_text(path, limit=MAX_BYTES), str(path), **options)
