"""Replaying an alert history through a whole ``alertmanager.yml`` (``grouping replay --alertmanager-config``).

Each alert episode is routed by the tree (:func:`integrations.alertmanager.match_routes`,
as ``amtool`` routes it); it joins, on every route it matches, that route's aggregation
group (the route's own ``group_by``), and each route is dispatched with its own timers by
the simulator's grouping model (:func:`simulator.grouping.dispatch`). Every notification
names its ``receiver`` and route. Then, at each notification's instant:

* alerts inhibited by an ``inhibit_rules`` source firing then (with equal ``equal``
  labels; an alert never inhibits itself) are taken out of it, and a notification left
  with no alert is not sent;
* a notification of a route inside one of its ``mute_time_intervals``, or outside all of
  its ``active_time_intervals``, is not sent;
* a resolved notification carries only alerts whose firing was sent to that group before
  (Alertmanager's dedup stage), and is not sent when none was.

Alertmanager drops inhibited alerts and muted notifications in its pipeline, after
grouping, and does not record them as sent, so its next flush may report "new" alerts
again; here the grouping does not see what was dropped (a notification after a mute ends
is reported with the reason the unmuted model gives it). That is the one approximation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from integrations.alertmanager import (
    AlertmanagerConfig,
    RouteNode,
    compile_tree,
    inhibited,
    is_muted,
    match_routes,
)
from simulator.grouping import REASONS, Timers, dispatch
from simulator.history import History
from simulator.replay import group_key, group_labels

__all__ = ["RoutedNotification", "RoutedReplay", "replay_routed"]


@dataclass(frozen=True)
class RoutedNotification:
    """One notification a receiver gets: minutes after the origin, its group and alerts."""

    minute: float
    receiver: str
    route: str
    group_key: str
    group_labels: dict[str, str]
    reason: str
    firing: bool
    alerts: tuple[int, ...]
    resolved: tuple[int, ...]


@dataclass(frozen=True)
class RoutedReplay:
    """The notifications sent and those inhibition or muting kept back."""

    history: History
    origin: datetime
    notes: tuple[RoutedNotification, ...]
    inhibited: int
    muted: int

    def notifications(self) -> list[dict[str, Any]]:
        episodes = self.history.episodes
        out = []
        for note in self.notes:
            stamp = (self.origin + timedelta(minutes=note.minute)).astimezone(UTC)
            out.append(
                {
                    "at": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "receiver": note.receiver,
                    "route": note.route,
                    "group_key": note.group_key,
                    "group_labels": note.group_labels,
                    "status": "firing" if note.firing else "resolved",
                    "reason": note.reason,
                    "alerts": [
                        {
                            "labels": dict(episodes[a].labels),
                            "status": "resolved" if a in note.resolved else "firing",
                        }
                        for a in note.alerts
                    ],
                }
            )
        return out

    def summary(self) -> dict[str, Any]:
        """Counts overall and per receiver (PagerDuty-style incidents by dedup key)."""
        per: dict[str, dict[str, int]] = {}
        open_keys: set[tuple[str, str]] = set()
        for note in self.notes:
            row = per.setdefault(note.receiver, {"notifications": 0, "incidents": 0, "pages": 0})
            row["notifications"] += 1
            key = (note.receiver, note.group_key)
            if note.firing:
                row["pages"] += 1
                if key not in open_keys:
                    open_keys.add(key)
                    row["incidents"] += 1
            else:
                open_keys.discard(key)
        return {
            "notifications": len(self.notes),
            "inhibited_notifications": self.inhibited,
            "muted_notifications": self.muted,
            "receivers": per,
        }


def route_key(path: Sequence[RouteNode]) -> str:
    """Alertmanager's route key: each route's matchers in braces, joined by ``/``."""
    return "/".join("{" + ",".join(str(m) for m in node.matchers) + "}" for node in path)


def _paths(root: RouteNode) -> dict[str, list[RouteNode]]:
    out: dict[str, list[RouteNode]] = {}

    def walk(node: RouteNode, trail: list[RouteNode]) -> None:
        out[node.path] = [*trail, node]
        for child in node.children:
            walk(child, [*trail, node])

    walk(root, [])
    return out


def replay_routed(
    history: History, config: AlertmanagerConfig, *, send_resolved: bool = True
) -> RoutedReplay:
    """Route, group, inhibit and mute ``history`` as ``config`` says."""
    origin = history.origin
    received, starts, ends = history.minutes(origin)
    root = compile_tree(config)
    paths = _paths(root)
    members: dict[str, list[int]] = {}
    for index, episode in enumerate(history.episodes):
        for route in match_routes(root, dict(episode.labels)):
            members.setdefault(route.path, []).append(index)
    identities: dict[tuple[tuple[str, str], ...], int] = {}
    identity = [
        identities.setdefault(tuple(sorted(e.labels.items())), len(identities))
        for e in history.episodes
    ]
    last = (history.last - origin).total_seconds() / 60.0
    intervals = config.intervals()
    notes: list[RoutedNotification] = []
    held_inhibited = held_muted = 0
    for path, episodes in members.items():
        route = paths[path][-1]
        keys: dict[str, int] = {}
        key_labels: list[dict[str, str]] = []
        group = []
        for e in episodes:
            by = ("...",) if route.group_by is None else route.group_by
            labels = group_labels(dict(history.episodes[e].labels), by)
            key = f"{route_key(paths[path])}:{group_key(labels)[3:]}"
            if key not in keys:
                keys[key] = len(keys)
                key_labels.append(labels)
            group.append(keys[key])
        timers = Timers(
            route.group_wait / 60,
            route.group_interval / 60,
            route.repeat_interval / 60,
            send_resolved,
        )
        sent = dispatch(
            [received[e] for e in episodes],
            [starts[e] for e in episodes],
            [ends[e] for e in episodes],
            group,
            [identity[e] for e in episodes],
            timers,
            until=last + max(timers.wait, timers.interval),
        )
        names = list(keys)
        told: dict[int, set[int]] = {}  # group -> alerts whose firing was sent
        for i in range(len(sent)):
            minute = sent.time[i]
            at = origin + timedelta(minutes=minute)
            if is_muted(intervals, route.mute_time_intervals, route.active_time_intervals, at):
                held_muted += 1
                continue
            alerts = [episodes[a] for a in sent.alerts[i]]
            kept = tuple(alerts)
            if config.inhibit_rules:
                firing_now = [
                    dict(e.labels)
                    for j, e in enumerate(history.episodes)
                    if received[j] <= minute < ends[j]
                ]
                kept = tuple(
                    a
                    for a in alerts
                    if not inhibited(
                        config.inhibit_rules, dict(history.episodes[a].labels), firing_now
                    )
                )
            if not kept:
                held_inhibited += 1
                continue
            resolved = tuple(episodes[a] for a in sent.resolved[i] if episodes[a] in kept)
            firing = [a for a in kept if a not in resolved]
            seen = told.setdefault(sent.key[i], set())
            if not firing:
                kept = resolved = tuple(a for a in resolved if a in seen)
                if not kept:
                    held_inhibited += 1
                    continue
            seen.update(firing)
            notes.append(
                RoutedNotification(
                    minute,
                    route.receiver,
                    path,
                    names[sent.key[i]],
                    key_labels[sent.key[i]],
                    REASONS[sent.reason[i]],
                    len(resolved) < len(kept),
                    kept,
                    resolved,
                )
            )
    notes.sort(key=lambda n: (n.minute, n.route, n.group_key))
    return RoutedReplay(history, origin, tuple(notes), held_inhibited, held_muted)
