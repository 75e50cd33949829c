"""Replaying an alert history through the grouping model (``drillbit grouping replay``).

The history's label sets become group keys and identities, and
:func:`simulator.grouping.dispatch` (the simulator's own model) says what Alertmanager
would have sent. The pager side follows Alertmanager's PagerDuty integration: the dedup key
is the group key, a firing notification is a ``trigger`` (it opens an incident unless one
with that key is open), a resolved one is a ``resolve`` (it closes it).

The replay runs until the history's last instant plus ``max(group_wait, group_interval)``,
so the flush after the last change is included; alerts with no ``endsAt`` are still firing
then (and repeat until then).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.grouping import REASONS, Notifications, Timers, dispatch
from simulator.history import History
from simulator.sections import check_group_by

__all__ = ["ReplaySettings", "Replayed", "group_key", "group_labels", "replay"]


@dataclass(frozen=True)
class ReplaySettings:
    """Route timers (seconds), ``group_by`` and the receiver's ``send_resolved``."""

    group_by: tuple[str, ...]
    group_wait: float
    group_interval: float
    repeat_interval: float
    send_resolved: bool = True

    def __post_init__(self) -> None:
        check_group_by(self.group_by)


def group_labels(labels: dict[str, str], group_by: tuple[str, ...]) -> dict[str, str]:
    """The labels an alert is grouped by (all of them for ``['...']``; missing ones omitted)."""
    if group_by == ("...",):
        return dict(labels)
    return {name: labels[name] for name in group_by if name in labels}


def group_key(labels: dict[str, str]) -> str:
    """Alertmanager's group key of the root route: ``{}:{name="value", ...}``, names sorted."""
    inner = ", ".join(
        f"{name}={json.dumps(labels[name], ensure_ascii=False)}" for name in sorted(labels)
    )
    return "{}:{" + inner + "}"


@dataclass(frozen=True)
class Replayed:
    """What a replay produced: the notifications and the pager's view of them."""

    history: History
    settings: ReplaySettings
    origin: datetime
    notes: Notifications
    keys: list[str]
    key_labels: list[dict[str, str]]

    def at(self, minutes: float) -> datetime:
        return self.origin + timedelta(minutes=minutes)

    def summary(self) -> dict[str, int]:
        """Notifications sent, incidents a PagerDuty integration opens, and its triggers."""
        open_keys: set[int] = set()
        incidents = 0
        triggers = 0
        for key, firing in zip(self.notes.key, self.notes.firing, strict=True):
            if firing:
                triggers += 1
                if key not in open_keys:
                    open_keys.add(key)
                    incidents += 1
            else:
                open_keys.discard(key)
        return {"notifications": len(self.notes), "pager_incidents": incidents, "pages": triggers}

    def notifications(self) -> list[dict[str, Any]]:
        """Each notification as the ``--json`` output shows it."""
        episodes = self.history.episodes
        out: list[dict[str, Any]] = []
        for i in range(len(self.notes)):
            resolved = set(self.notes.resolved[i])
            key = self.notes.key[i]
            stamp = self.at(self.notes.time[i]).astimezone(UTC)
            out.append(
                {
                    "at": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "group_key": self.keys[key],
                    "group_labels": self.key_labels[key],
                    "status": "firing" if self.notes.firing[i] else "resolved",
                    "reason": REASONS[self.notes.reason[i]],
                    "alerts": [
                        {
                            "labels": dict(episodes[a].labels),
                            "status": "resolved" if a in resolved else "firing",
                        }
                        for a in self.notes.alerts[i]
                    ],
                }
            )
        return out


def replay(history: History, settings: ReplaySettings) -> Replayed:
    """Group ``history`` as Alertmanager would under ``settings``."""
    origin = history.origin
    received, starts, ends = history.minutes(origin)
    keys: dict[str, int] = {}
    key_labels: list[dict[str, str]] = []
    identities: dict[tuple[tuple[str, str], ...], int] = {}
    group: list[int] = []
    identity: list[int] = []
    for episode in history.episodes:
        labels = group_labels(dict(episode.labels), settings.group_by)
        key = group_key(labels)
        if key not in keys:
            keys[key] = len(keys)
            key_labels.append(labels)
        group.append(keys[key])
        identity.append(identities.setdefault(tuple(sorted(episode.labels.items())), len(identities)))
    timers = Timers(
        wait=settings.group_wait / 60.0,
        interval=settings.group_interval / 60.0,
        repeat=settings.repeat_interval / 60.0,
        send_resolved=settings.send_resolved,
    )
    until = (history.last - origin).total_seconds() / 60.0 + max(timers.wait, timers.interval)
    notes = dispatch(received, starts, ends, group, identity, timers, until=until)
    return Replayed(history, settings, origin, notes, list(keys), key_labels)
