"""Running a study: replications in parallel, every variant of a replication together.

A *task* is a batch of replications; for each replication it runs every scenario (the
baseline and each variant). Running the variants of a replication side by side lets them
share what they have in common: the alert stream (common random numbers make it the same
unless a variant changes the alert sources), its classification and its grouping.

Results depend only on (study, seed, replication): every random stream is keyed by them
(:mod:`simulator.streams`), tasks are collected in replication order, and nothing depends
on which worker ran what. So any number of local workers, or a Dask cluster, gives
bit-identical results.
"""

from __future__ import annotations

import importlib
import json
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from playbook.errors import InvalidDefinition, RunFailed
from simulator.arrivals import AlertTable, classify_alerts, generate_alerts
from simulator.compiled import compile_scenario
from simulator.grouping import Notifications, group_alerts
from simulator.history_source import history_alerts, load_history
from simulator.metrics import replication_metrics
from simulator.model import RunRecords, simulate
from simulator.results import ReplicationResult, StudyResult
from simulator.study import Scenario, Study

__all__ = ["Progress", "Shared", "run_one", "run_scenario_replication", "run_study"]

Progress = Callable[[int, int], None]


@dataclass
class Shared:
    """Per-replication caches keyed by the inputs that decide them (one per replication)."""

    alerts: dict[str, AlertTable] = field(default_factory=dict)
    severity: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict)
    notes: dict[str, Notifications] = field(default_factory=dict)


_KEYS: dict[str, tuple[str, str, str]] = {}


def _keys(scenario: Scenario) -> tuple[str, str, str]:
    """What decides the alerts, their severities and the notifications (cached by digest)."""
    digest = scenario.digest()
    keys = _KEYS.get(digest)
    if keys is None:
        if len(_KEYS) >= 64:
            _KEYS.clear()
        keys = _KEYS[digest] = _shared_keys(scenario)
    return keys


def _shared_keys(scenario: Scenario) -> tuple[str, str, str]:
    s = scenario.study
    alerts = json.dumps(
        [s.alerts.model_dump(mode="json"), s.start.isoformat(), s.total_days, s.seed],
        sort_keys=True,
    )
    severity = alerts + json.dumps(
        [
            scenario.book.classifier.model_dump(mode="json"),
            list(scenario.book.severity_order),
            [lvl.page for lvl in scenario.book.severities],
        ],
        sort_keys=True,
    )
    notes = alerts + json.dumps(s.effective_grouping.model_dump(mode="json"), sort_keys=True)
    return alerts, severity, notes


def run_one(
    scenario: Scenario, replication: int, shared: Shared, *, trace: bool = False
) -> tuple[RunRecords, AlertTable]:
    """One replication of one scenario, reusing what ``shared`` holds for its replication."""
    study = scenario.study
    compiled = compile_scenario(scenario)
    key_alerts, key_severity, key_notes = _keys(scenario)
    alerts = shared.alerts.get(key_alerts)
    history = study.history_path()
    if alerts is None and history is not None:
        alerts = history_alerts(
            load_history(history),
            tuple(s.name for s in study.alerts.services),
            start=study.start,
            total_minutes=compiled.total_minutes,
            seed=study.seed,
            replication=replication,
        )
    elif alerts is None:
        alerts = generate_alerts(
            study.alerts,
            start=study.start,
            total_minutes=compiled.total_minutes,
            seed=study.seed,
            replication=replication,
        )
        shared.alerts[key_alerts] = alerts
    severity = shared.severity.get(key_severity)
    if severity is None:
        severity = classify_alerts(alerts, scenario.book, study.alerts.noise_severity)
        shared.severity[key_severity] = severity
    notes = shared.notes.get(key_notes)
    if notes is None:
        notes = group_alerts(alerts, study.effective_grouping, until=compiled.total_minutes)
        shared.notes[key_notes] = notes
    records = simulate(compiled, alerts, severity, notes, replication=replication, trace=trace)
    return records, alerts


def run_scenario_replication(
    scenario: Scenario, replication: int, *, trace: bool = False
) -> tuple[RunRecords, AlertTable]:
    """One replication of one scenario: its raw records and alert stream (for tests and traces)."""
    return run_one(scenario, replication, Shared(), trace=trace)


def _measured(records: RunRecords, warmup: float) -> dict[str, npt.NDArray[Any]]:
    keep = records.incidents["open"] >= warmup
    return {name: column[keep] for name, column in records.incidents.items()}


def _task(
    scenarios: Sequence[Scenario], replications: Sequence[int], keep_incidents: bool
) -> list[list[ReplicationResult]]:
    """Run every scenario for each replication in ``replications`` (one worker's batch)."""
    out: list[list[ReplicationResult]] = []
    for replication in replications:
        shared = Shared()
        row: list[ReplicationResult] = []
        for scenario in scenarios:
            records, alerts = run_one(scenario, replication, shared)
            compiled = compile_scenario(scenario)
            metrics, people = replication_metrics(compiled, records, alerts)
            row.append(
                ReplicationResult(
                    variant=scenario.name,
                    replication=replication,
                    metrics=metrics,
                    people=people,
                    alerts=len(alerts),
                    incidents=_measured(records, compiled.warmup_minutes)
                    if keep_incidents
                    else None,
                )
            )
        out.append(row)
    return out


_WORKER_SCENARIOS: list[Scenario] = []


def _init_worker(scenarios: list[Scenario]) -> None:
    _WORKER_SCENARIOS[:] = scenarios


def _worker_task(replications: list[int], keep_incidents: bool) -> list[list[ReplicationResult]]:
    return _task(_WORKER_SCENARIOS, replications, keep_incidents)


def _batches(replications: int, workers: int, per_task: int | None) -> list[list[int]]:
    """Replications in tasks of ``per_task``, by default small enough that the workers finish
    together: at least 16 tasks per worker (30 replications in 8 tasks of up to 4 left two
    workers 16 and 14 to run; in 30 tasks of 1 they run 15 each)."""
    size = per_task or max(1, replications // (workers * 16))
    return [list(range(i, min(i + size, replications))) for i in range(0, replications, size)]


def _run_local(
    scenarios: list[Scenario],
    batches: list[list[int]],
    workers: int,
    keep: bool,
    progress: Progress | None,
    total: int,
) -> list[list[ReplicationResult]]:
    done = 0
    rows: list[list[ReplicationResult]] = []
    if workers <= 1:
        for batch in batches:
            rows.extend(_task(scenarios, batch, keep))
            done += len(batch)
            if progress:
                progress(done, total)
        return rows
    with ProcessPoolExecutor(
        max_workers=workers, initializer=_init_worker, initargs=(scenarios,)
    ) as pool:
        futures: list[Future[list[list[ReplicationResult]]]] = [
            pool.submit(_worker_task, batch, keep) for batch in batches
        ]
        for future, batch in zip(futures, batches, strict=True):
            rows.extend(future.result())
            done += len(batch)
            if progress:
                progress(done, total)
    return rows


def _run_dask(
    address: str,
    scenarios: list[Scenario],
    batches: list[list[int]],
    keep: bool,
    progress: Progress | None,
    total: int,
) -> list[list[ReplicationResult]]:
    try:
        distributed: Any = importlib.import_module("dask.distributed")  # optional dependency
    except ImportError:
        raise InvalidDefinition(
            "--dask needs the optional dependency dask[distributed] (pip install 'dask[distributed]')"
        ) from None
    rows: list[list[ReplicationResult]] = []
    with distributed.Client(address) as client:
        shared = client.scatter(scenarios, broadcast=True)
        futures = [client.submit(_task, shared, batch, keep, pure=False) for batch in batches]
        done = 0
        for future, batch in zip(futures, batches, strict=True):
            rows.extend(future.result())
            done += len(batch)
            if progress:
                progress(done, total)
    return rows


def run_study(
    study: Study,
    *,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    dask: str | None = None,
    per_task: int | None = None,
    keep_incidents: bool = True,
    progress: Progress | None = None,
) -> StudyResult:
    """Run every variant of ``study`` for its replications and summarise.

    ``replications`` and ``seed`` override the study's; ``workers`` defaults to every core
    (1 runs in this process); ``dask`` is a scheduler address to run on instead.
    """
    if seed is not None or replications is not None:
        changes: dict[str, Any] = {}
        if seed is not None:
            changes["seed"] = seed
        if replications is not None:
            changes["replications"] = replications
        study = study.with_overrides(changes)
    scenarios = study.scenarios()
    total = study.replications
    workers = max(1, workers if workers is not None else (os.cpu_count() or 1))
    batches = _batches(total, 1 if dask else workers, per_task)
    began = time.perf_counter()
    try:
        if dask:
            rows = _run_dask(dask, scenarios, batches, keep_incidents, progress, total)
        else:
            rows = _run_local(
                scenarios, batches, min(workers, len(batches)), keep_incidents, progress, total
            )
    except (InvalidDefinition, RunFailed):
        raise
    except Exception as exc:
        raise RunFailed(f"the simulation failed: {type(exc).__name__}: {exc}") from exc
    elapsed = time.perf_counter() - began
    results = {scenario.name: [row[i] for row in rows] for i, scenario in enumerate(scenarios)}
    return StudyResult(
        study=study,
        scenarios=scenarios,
        results=results,
        workers=workers if not dask else 0,
        elapsed_seconds=elapsed,
    )
