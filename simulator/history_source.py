"""An alert history as a study's alert source (``alerts.history``), for the same grouping model.

With ``alerts.history: FILE`` (relative to the study file; :mod:`simulator.history` reads
it) a study replays those alerts instead of generating them, so its pages come from the
same :func:`simulator.grouping.dispatch` that ``drillbit grouping replay`` shows. Each
episode becomes one alert: received at its ``receivedAt`` (minutes after the study's
``start``; episodes outside the simulated period are dropped), ``startsAt`` kept for
Alertmanager's old-alert rule and for the time to acknowledge, ending at ``endsAt`` (never,
if null). Labels map as follows: ``service`` must name one of ``alerts.services``
(whose rates are then unused); ``alertname`` and the whole label set give the grouping
labels and the identity; ``severity``, if it names a playbook severity, is the alert's
severity (else the classifier's default for the service); ``actionable: "false"`` marks
noise. The stream is the same in every replication; the work each incident needs is drawn
per replication from its own keyed stream (``history``/``work``).
"""

from __future__ import annotations

import math
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import numpy as np

from playbook.errors import InvalidDefinition
from simulator.arrivals import ACTIONABLE, NOISE, AlertTable
from simulator.history import History, read_history
from simulator.streams import stream

__all__ = ["check_history_services", "history_alerts", "load_history"]


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int, size: int) -> History:
    return read_history(Path(path))


def load_history(path: Path) -> History:
    """The history at ``path``, read once per process while the file is unchanged."""
    try:
        info = path.stat()
    except OSError as exc:
        raise InvalidDefinition(f"{path}: cannot read the history: {exc.strerror}") from None
    return _cached(str(path), info.st_mtime_ns, info.st_size)


def check_history_services(history: History, services: tuple[str, ...]) -> None:
    """Every episode's ``service`` label names a listed service (else file:line: field)."""
    for episode in history.episodes:
        name = episode.labels.get("service")
        if name not in services:
            raise InvalidDefinition(
                f"{history.source}:{episode.line}: labels.service: "
                f"{name!r} is not one of alerts.services ({', '.join(services)})"
            )


def history_alerts(
    history: History,
    services: tuple[str, ...],
    *,
    start: datetime,
    total_minutes: float,
    seed: int,
    replication: int,
) -> AlertTable:
    """The history's alerts inside ``[0, total_minutes)`` as a replication's alert table."""

    def minutes(at: datetime) -> float:
        return (at - start).total_seconds() / 60.0

    kept = sorted(
        (minutes(e.received), i)
        for i, e in enumerate(history.episodes)
        if 0 <= minutes(e.received) < total_minutes
    )
    episodes = [history.episodes[i] for _, i in kept]
    n = len(episodes)
    names: dict[str, int] = {}
    identities: dict[tuple[tuple[str, str], ...], int] = {}
    gen = stream(seed, replication, "history", "work")
    zeros = np.zeros(n)
    return AlertTable(
        services=services,
        time=np.array([t for t, _ in kept], dtype=np.float64),
        end=np.array([math.inf if e.ends is None else minutes(e.ends) for e in episodes]),
        service=np.array([services.index(e.labels["service"]) for e in episodes], dtype=np.int64),
        alertname=np.array(
            [names.setdefault(e.labels.get("alertname", ""), len(names)) for e in episodes],
            dtype=np.int64,
        ),
        fingerprint=np.array(
            [identities.setdefault(tuple(sorted(e.labels.items())), len(identities)) for e in episodes],
            dtype=np.int64,
        ),
        kind=np.array(
            [NOISE if e.labels.get("actionable") == "false" else ACTIONABLE for e in episodes],
            dtype=np.int64,
        ),
        root=np.arange(n, dtype=np.int64),
        error_rate=zeros.copy(),
        latency_p99_ms=zeros.copy(),
        affected_users_pct=zeros.copy(),
        dependents=np.zeros(n, dtype=np.int64),
        data_loss=np.zeros(n, dtype=bool),
        security=np.zeros(n, dtype=bool),
        revenue=np.zeros(n, dtype=bool),
        z1=gen.standard_normal(n),
        u1=gen.random(n),
        z2=gen.standard_normal(n),
        u2=gen.random(n),
        starts=np.array([minutes(e.starts) for e in episodes], dtype=np.float64),
        severity_labels=tuple(e.labels.get("severity") for e in episodes),
    )
