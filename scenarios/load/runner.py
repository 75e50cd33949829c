"""Run Locust headless in its own process, for a duration, saving CSV statistics.

Locust monkey-patches the standard library's networking (gevent) when it is imported, so this
module never imports it: it builds a ``python -m locust`` command line and runs it as a child
process in its own session. A run started with :func:`start_load` is recorded in
``OUTPUT_DIR/current.json`` so another program (a rollback, ``stop_stack``) can stop it.

Each run writes ``OUTPUT_DIR/<run id>/stats_stats.csv`` (and Locust's other CSV files) and
``locust.log``; :func:`read_stats` turns the *Aggregated* row into :class:`LoadStats`.
"""

from __future__ import annotations

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from playbook.errors import RunFailed
from scenarios.allowlist import AllowList
from scenarios.procs import ProcessRecord, is_running, python_env, spawn, terminate, wait_until

__all__ = [
    "BROWSE_LOCUSTFILE",
    "CURRENT",
    "LEASE_FILE",
    "LOCUSTFILE",
    "LoadRun",
    "LoadSpec",
    "LoadStats",
    "locust_argv",
    "read_stats",
    "run_load",
    "start_load",
    "stop_load",
    "stop_recorded_load",
    "wait_load",
]

#: The checkout locustfile shipped next to this module.
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
#: The generic one (GETs ``LoadSpec.paths``), for a user's own service.
BROWSE_LOCUSTFILE = Path(__file__).with_name("browse.py")
#: The record of the run in progress, inside the output directory.
CURRENT = "current.json"
#: The load's lease, inside the output directory: Locust quits once it is older than the
#: spec's ``lease_seconds`` (the running experiment touches it; see ``scenarios.faultstate``).
LEASE_FILE = "lease"


class LoadSpec(BaseModel):
    """A load run: who is hit, how hard, for how long, and where results go."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    target_url: str
    users: int = Field(default=5, ge=1, le=500)
    spawn_rate: float = Field(default=5.0, gt=0)
    duration_seconds: int = Field(default=60, ge=1, le=24 * 3600)
    output_dir: Path
    locustfile: Path = LOCUSTFILE
    lease_seconds: float | None = Field(default=None, gt=0, description="None: no lease")
    paths: tuple[str, ...] = Field(default=(), description="for the browse locustfile (DRILLBIT_LOAD_PATHS)")


class LoadRun(BaseModel):
    """A load run in progress (the content of ``current.json``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    spec: LoadSpec
    process: ProcessRecord
    csv_prefix: Path
    started_at: str


class LoadStats(BaseModel):
    """Locust's aggregated figures for a run (times in milliseconds)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requests: int
    failures: int
    failure_ratio: float
    median_ms: float
    p95_ms: float
    requests_per_second: float
    csv_file: Path


def locust_argv(spec: LoadSpec, csv_prefix: Path) -> list[str]:
    """The ``python -m locust`` command line of ``spec`` (headless, CSV, no web UI)."""
    return [
        sys.executable, "-m", "locust",
        "-f", str(spec.locustfile),
        "--headless",
        "--host", spec.target_url,
        "--users", str(spec.users),
        "--spawn-rate", f"{spec.spawn_rate:g}",
        "--run-time", f"{spec.duration_seconds}s",
        "--stop-timeout", "2",
        "--csv", str(csv_prefix),
        "--only-summary",
        "--loglevel", "WARNING",
        "--exit-code-on-error", "0",
    ]  # fmt: skip


def _paths(spec: LoadSpec) -> dict[str, str]:
    return {"DRILLBIT_LOAD_PATHS": ",".join(spec.paths)} if spec.paths else {}


def _current(output_dir: Path) -> LoadRun | None:
    path = output_dir / CURRENT
    if not path.exists():
        return None
    return LoadRun.model_validate_json(path.read_text())


def start_load(spec: LoadSpec, *, allow: AllowList | None = None) -> LoadRun:
    """Start Locust against ``spec.target_url`` (allow-listed first) and return at once."""
    (allow or AllowList()).check_url(spec.target_url)
    running = _current(spec.output_dir)
    if running is not None and is_running(running.process):
        raise RunFailed(
            f"a load run is already going in {spec.output_dir} (pid {running.process.pid})"
        )
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    run_dir = spec.output_dir.resolve() / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    prefix = run_dir / "stats"
    lease: dict[str, str] = {}
    if spec.lease_seconds is not None:
        lease_file = spec.output_dir.resolve() / LEASE_FILE
        lease_file.write_text("lease\n")
        lease = {"DRILLBIT_LOAD_LEASE_FILE": str(lease_file), "DRILLBIT_LOAD_LEASE_SECONDS": f"{spec.lease_seconds:g}"}
    record = spawn(
        "locust", locust_argv(spec, prefix), log_path=run_dir / "locust.log", env=python_env({**lease, **_paths(spec)})
    )
    run = LoadRun(
        spec=spec, process=record, csv_prefix=prefix, started_at=datetime.now(UTC).isoformat()
    )
    (spec.output_dir / CURRENT).write_text(run.model_dump_json(indent=2))
    return run


def read_stats(csv_prefix: Path) -> LoadStats:
    """The *Aggregated* row of ``<prefix>_stats.csv``."""
    path = csv_prefix.with_name(csv_prefix.name + "_stats.csv")
    if not path.exists():
        raise RunFailed(f"Locust wrote no statistics at {path}")
    with path.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row.get("Name") == "Aggregated"]
    if not rows:
        raise RunFailed(f"no Aggregated row in {path}")
    row = rows[-1]
    requests = int(row["Request Count"])
    failures = int(row["Failure Count"])

    def number(key: str) -> float:
        value = row.get(key, "")
        return float(value) if value not in {"", "N/A"} else 0.0

    return LoadStats(
        requests=requests,
        failures=failures,
        failure_ratio=failures / requests if requests else 0.0,
        median_ms=number("Median Response Time"),
        p95_ms=number("95%"),
        requests_per_second=number("Requests/s"),
        csv_file=path,
    )


def wait_load(run: LoadRun, *, timeout: float) -> LoadStats:
    """Wait (bounded) for ``run`` to finish on its own, then read its statistics."""
    wait_until(lambda: not is_running(run.process), timeout=timeout, what="the load run to end")
    return read_stats(run.csv_prefix)


def stop_load(output_dir: Path, *, timeout: float = 10.0) -> LoadStats | None:
    """Stop the load run recorded in ``output_dir`` (if any) and return its statistics.

    Returns None when there is no run, or when it was stopped before Locust wrote any
    statistics (a rollback must not fail for that).
    """
    run = _current(output_dir)
    if run is None:
        return None
    terminate(run.process, timeout=timeout)
    (output_dir / CURRENT).unlink(missing_ok=True)
    try:
        return read_stats(run.csv_prefix)
    except RunFailed:
        return None


def stop_recorded_load(output_dir: Path, *, timeout: float = 10.0) -> bool:
    """Stop a recorded load run if it is still going; True if one was."""
    run = _current(output_dir)
    if run is None:
        return False
    was_running = terminate(run.process, timeout=timeout)
    (output_dir / CURRENT).unlink(missing_ok=True)
    return was_running


def run_load(spec: LoadSpec, *, allow: AllowList | None = None, grace: float = 30.0) -> LoadStats:
    """Run Locust for ``spec.duration_seconds`` in its own process; return its statistics."""
    run = start_load(spec, allow=allow)
    try:
        return wait_load(run, timeout=spec.duration_seconds + grace)
    finally:
        if is_running(run.process):
            terminate(run.process)
        (spec.output_dir / CURRENT).unlink(missing_ok=True)
