"""The series a game day records: the steady-state probes over time, and Locust's history.

:class:`SteadyStateSampler` runs the experiment's own steady-state probes that measure the
target from outside (those taking ``target_url``: the error rate and p95 of a burst of real
checkout requests), over and over in a thread, and judges each sample with the probes' own
tolerances (Chaos Toolkit's ``within_tolerance``). Each burst is cut to one round
(``requests`` = ``concurrency``) so a sample under a 2.5 s fault takes one request's time; the
probes of one sample run side by side. A :class:`ProbeSample` is ``ok`` when every probe is
within tolerance; it spans ``started`` to ``ended``.

:func:`load_series` reads Locust's ``<prefix>_stats_history.csv`` (a row a second): the
aggregated requests and failures per second and the p50/p95 latency users saw.
"""

from __future__ import annotations

import csv
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chaoslib.activity import run_activity  # type: ignore[import-untyped]
from chaoslib.hypothesis import within_tolerance  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict

__all__ = ["LoadPoint", "ProbeSample", "SteadyStateSampler", "load_series", "target_probes"]

log = logging.getLogger("drillbit.scenarios.gameday")


class ProbeSample(BaseModel):
    """One run of the steady-state probes: their values, and whether all were in tolerance."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    started: datetime
    ended: datetime
    values: dict[str, float | None]
    ok: bool


class LoadPoint(BaseModel):
    """One second of Locust's aggregated statistics."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    at: datetime
    users: int
    requests_per_s: float
    failures_per_s: float
    p50_ms: float | None
    p95_ms: float | None


def target_probes(experiment: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The steady-state probes that measure the target itself (they take ``target_url``)."""
    hypothesis = experiment.get("steady-state-hypothesis") or {}
    probes = []
    for probe in hypothesis.get("probes") or []:
        arguments = (probe.get("provider") or {}).get("arguments") or {}
        if "target_url" in arguments and probe.get("tolerance") is not None:
            probes.append(probe)
    return probes


def _one_round(probe: Mapping[str, Any]) -> dict[str, Any]:
    provider = dict(probe["provider"])
    arguments = dict(provider.get("arguments") or {})
    arguments["requests"] = arguments.get("concurrency", 10)
    provider["arguments"] = arguments
    return {**probe, "provider": provider}


class SteadyStateSampler:
    """Samples the target's steady-state probes until stopped (see the module doc)."""

    def __init__(
        self,
        experiment: Mapping[str, Any],
        configuration: Mapping[str, Any],
        *,
        pause: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.probes = [_one_round(p) for p in target_probes(experiment)]
        self._configuration = dict(configuration)
        self._pause = pause
        self._clock = clock
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._samples: list[ProbeSample] = []
        self._thread = threading.Thread(target=self._run, name="drillbit-steady-state", daemon=True)

    @property
    def samples(self) -> list[ProbeSample]:
        with self._lock:
            return list(self._samples)

    def start(self) -> None:
        if self.probes and not self._thread.is_alive():
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=15)

    def holds(self, last: int = 2, since: datetime | None = None) -> bool:
        """Whether the last ``last`` samples (started after ``since``) were all ok."""
        recent = [s for s in self.samples if since is None or s.started >= since][-last:]
        return len(recent) == last and all(s.ok for s in recent)

    def sample(self, pool: ThreadPoolExecutor) -> ProbeSample:
        started = self._clock()
        values = list(pool.map(self._measure, self.probes))
        ended = self._clock()
        ok = all(
            value is not None and bool(within_tolerance(probe["tolerance"], value, self._configuration, {}))
            for probe, value in zip(self.probes, values, strict=True)
        )
        return ProbeSample(
            started=started,
            ended=ended,
            values={p["name"]: v for p, v in zip(self.probes, values, strict=True)},
            ok=ok,
        )

    def _measure(self, probe: Mapping[str, Any]) -> float | None:
        try:
            value = run_activity(dict(probe), self._configuration, {})
        except Exception as exc:  # a probe that cannot measure is a failed sample, not a crash
            log.warning("steady-state probe %s failed: %s", probe.get("name"), exc)
            return None
        return float(value) if isinstance(value, (int, float)) else None

    def _run(self) -> None:
        with ThreadPoolExecutor(max_workers=len(self.probes), thread_name_prefix="drillbit-probe") as pool:
            while not self._stop.is_set():
                sample = self.sample(pool)
                with self._lock:
                    self._samples.append(sample)
                self._stop.wait(self._pause)


def _number(row: Mapping[str, str], key: str) -> float | None:
    try:
        return float(row[key])
    except (KeyError, ValueError):
        return None


def load_series(history_csv: Path | None) -> list[LoadPoint]:
    """Locust's aggregated history, a point a second (empty if there is no file)."""
    if history_csv is None or not history_csv.is_file():
        return []
    points = []
    with history_csv.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("Name") != "Aggregated":
                continue
            points.append(
                LoadPoint(
                    at=datetime.fromtimestamp(int(row["Timestamp"]), UTC),
                    users=int(row.get("User Count") or 0),
                    requests_per_s=_number(row, "Requests/s") or 0.0,
                    failures_per_s=_number(row, "Failures/s") or 0.0,
                    p50_ms=_number(row, "50%"),
                    p95_ms=_number(row, "95%"),
                )
            )
    return points
