"""What the real system shows, posted into the game-day room while the experiment runs.

A game-day room has no world (``drills/gameday.py``), so its dashboards and the facilitator's
"true state" are fed from the real system. :class:`RealFeed` polls, in a thread, every
``period`` seconds:

* the real Prometheus, for the target's golden signals over the last ``window``
  (:func:`signal_queries`: request rate, 5xx share, p99 from the duration histogram), posted as
  a ``metrics`` inject of the target's service: the room's Dashboards tab plots these;
* the stack's fault state (:func:`scenarios.faultstate.fault_status`: what the target and the
  proxy hold now, with their leases), posted as a facilitator-only ``log`` inject of
  :data:`~drills.gameday.FAULTS_SERVICE` whenever it changes: the facilitator's console shows
  the latest.

:func:`snapshot_values` and :func:`fault_line` are pure. A poll that fails is logged and
skipped (the room keeps the last snapshot); every URL is checked against the allow-list.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from drills.gameday import FAULTS_SERVICE
from playbook.errors import RunFailed
from scenarios.allowlist import AllowList
from scenarios.faultstate import fault_status, prometheus_vector
from scenarios.room.drillapi import DrillApi, InjectRequest

__all__ = ["RealFeed", "fault_line", "signal_queries", "snapshot_values"]

log = logging.getLogger("drillbit.scenarios.gameday")


def signal_queries(service: str, window: str = "15s") -> dict[str, str]:
    """The PromQL of each golden signal of ``service`` (the burn-rate rules' own series)."""
    svc = f'service="{service}"'
    total = f"sum(rate(http_requests_total{{{svc}}}[{window}]))"
    return {
        "requests_per_second": total,
        # No 5xx series at all is no error (``or vector(0)``); no traffic stays NaN (0/0).
        "error_rate": f'100 * (sum(rate(http_requests_total{{{svc},status=~"5.."}}[{window}])) or vector(0)) / {total}',
        "latency_p99_ms": "1000 * histogram_quantile(0.99, sum by (le) "
        f"(rate(http_request_duration_seconds_bucket{{{svc}}}[{window}])))",
    }


def _first_value(vector: Sequence[Mapping[str, Any]]) -> float | None:
    if not vector:
        return None
    try:
        value = float(vector[0]["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def snapshot_values(results: Mapping[str, Sequence[Mapping[str, Any]]]) -> dict[str, float]:
    """A ``metrics`` inject's values from each query's instant vector (no traffic: NaN, left
    out), rounded and held inside the inject's bounds."""
    values: dict[str, float] = {}
    for name, vector in results.items():
        value = _first_value(vector)
        if value is None:
            continue
        value = max(0.0, value)
        if name == "error_rate":
            value = min(100.0, value)
        values[name] = round(value, 2)
    return values


def fault_line(status: Mapping[str, Any]) -> str:
    """The fault state in one line, for the facilitator (``active faults: none`` when clear)."""
    faults = status.get("faults") or []
    if not faults:
        return "active faults: none"
    parts = []
    for fault in faults:
        expires = f", lease until {fault['expires_at']}" if fault.get("expires_at") else ""
        parts.append(f"{fault.get('kind')} on {fault.get('target')}{expires}")
    return ("active faults: " + "; ".join(parts))[:1000]


class RealFeed:
    """Posts the real system's signals and fault state into a room (see the module doc)."""

    def __init__(
        self,
        api: DrillApi,
        room_id: str,
        key: SecretStr,
        *,
        service: str,
        prometheus_url: str,
        stack_dir: Path,
        allow: AllowList,
        period: float = 2.0,
        status: Callable[[Path], dict[str, Any]] = fault_status,
    ) -> None:
        self._api, self._room, self._key = api, room_id, key
        self.service = service
        self._prometheus = allow.check_url(prometheus_url).rstrip("/")
        self._stack_dir = stack_dir
        self._period = period
        self._status = status
        self._queries = signal_queries(service)
        self._last_faults: str | None = None
        self.posted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="drillbit-real-feed", daemon=True)

    def __enter__(self) -> RealFeed:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.poll()  # the state the run ends with (faults cleared) reaches the console

    def _post(self, name: str, detail: dict[str, Any]) -> None:
        self._api.fire_inject(self._room, InjectRequest(inject=name, detail=detail), token=self._key)
        self.posted += 1

    def poll(self) -> None:
        """One round: the signals as a ``metrics`` inject, the fault state if it changed."""
        try:
            results = {name: prometheus_vector(self._prometheus, q) for name, q in self._queries.items()}
            values = snapshot_values(results)
            if values:
                # The Dashboards tab plots them; kept out of the team's timeline (a line every poll).
                self._post("real-metrics", {"type": "metrics", "service": self.service, "values": values,
                                            "facilitator_only": True})
        except (RunFailed, httpx.HTTPError, OSError, ValueError) as exc:
            log.warning("real metrics for the room: %s", exc)
        try:
            line = fault_line(self._status(self._stack_dir))
            if line != self._last_faults:
                self._post("real-faults", {"type": "log", "service": FAULTS_SERVICE, "level": "info",
                                           "line": line, "facilitator_only": True})
                self._last_faults = line
        except (RunFailed, httpx.HTTPError, OSError, ValueError) as exc:
            log.warning("fault state for the room: %s", exc)

    def _run(self) -> None:
        while not self._stop.wait(self._period):
            self.poll()
