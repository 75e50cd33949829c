"""Simulation studies for the web UI: the shipped and uploaded studies, and runs in the background.

A run never blocks the server: it is a child process (``spawn``, so it does not inherit the
server's threads) that loads the study, applies the form's changes, runs it with the
simulator's public API and writes the simulator's own outputs (``report.html``,
``results.json``, ``incidents.csv``) into ``RUNS/<run id>/``. Its progress goes to
``status.json`` in the same directory (replaced atomically), which is all the server reads:
so runs survive a server restart as files, and a run whose process vanished is reported as
interrupted.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import re
import secrets
import threading
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict

from playbook.errors import DrillbitError, InvalidDefinition
from simulator import Study, load_study, run_study, write_outputs

__all__ = ["SHIPPED_DIR", "RunStatus", "StudyEntry", "StudyRunner", "parse_variants"]

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "simulator" / "studies"
MAX_REPLICATIONS = 1000
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_RUN_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,100}$")
OUTPUTS = {"report.html": "text/html", "results.json": "application/json", "incidents.csv": "text/csv"}

State = Literal["running", "done", "failed", "interrupted"]


class RunStatus(BaseModel):
    """A run as ``status.json`` tells it."""

    model_config = ConfigDict(extra="forbid")

    run_id: str
    study: str
    state: State
    done: int = 0
    total: int = 0
    started: str
    finished: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class StudyEntry:
    """A study the web UI offers: shipped with drillbit or uploaded."""

    id: str
    path: Path
    study: Study
    uploaded: bool

    @property
    def variants_yaml(self) -> str:
        data = [v.model_dump(mode="json") for v in self.study.variants]
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True) if data else "[]\n"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")[:64] or "study"


def parse_variants(text: str) -> list[Any]:
    """The variants of the form's YAML (a list of name / description / set)."""
    try:
        data = yaml.safe_load(text) if text.strip() else []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise InvalidDefinition(f"variants: not valid YAML{where}", field="variants") from None
    if data is None:
        return []
    if not isinstance(data, list):
        raise InvalidDefinition("variants: a list of {name, description, set}", field="variants")
    return data


def _write_status(path: Path, status: RunStatus) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(status.model_dump_json(), encoding="utf-8")
    os.replace(tmp, path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _job(source: str, text: str, overrides: dict[str, Any], out_dir: str, workers: int) -> None:
    """The child process: load, run with progress, write the outputs and the final status."""
    out = Path(out_dir)
    status_path = out / "status.json"
    status = RunStatus.model_validate_json(status_path.read_text(encoding="utf-8"))

    def progress(done: int, total: int) -> None:
        nonlocal status
        status = status.model_copy(update={"done": done, "total": total})
        _write_status(status_path, status)

    try:
        study = load_study(source, text=text)
        if overrides:
            study = study.with_overrides(overrides)
        result = run_study(study, workers=workers, progress=progress)
        write_outputs(result, out)
        status = status.model_copy(update={"state": "done", "finished": _now()})
    except DrillbitError as exc:
        status = status.model_copy(update={"state": "failed", "error": str(exc), "finished": _now()})
    except Exception as exc:  # the child must always leave a final status
        detail = "".join(traceback.format_exception_only(exc)).strip()
        status = status.model_copy(update={"state": "failed", "error": detail, "finished": _now()})
    _write_status(status_path, status)


class StudyRunner:
    """Study files (shipped and uploaded) and their runs, in ``root``."""

    def __init__(self, root: Path, *, workers: int = 1, shipped: Path = SHIPPED_DIR) -> None:
        self.root = root
        self.workers = workers
        self.shipped = shipped
        self._procs: dict[str, BaseProcess] = {}
        self._context = multiprocessing.get_context("spawn")
        self._loaded: dict[Path, tuple[int, Study]] = {}
        self._lock = threading.Lock()

    @property
    def uploads(self) -> Path:
        return self.root / "uploads"

    @property
    def runs(self) -> Path:
        return self.root / "runs"

    # -- studies --------------------------------------------------------------------------
    def _paths(self) -> list[tuple[Path, bool]]:
        shipped = [(p, False) for p in sorted(self.shipped.glob("*.yaml"))]
        uploaded = [(p, True) for p in sorted(self.uploads.glob("*.yaml"))] if self.uploads.is_dir() else []
        return shipped + uploaded

    def _load(self, path: Path) -> Study:
        """A study file, loaded once per version of the file."""
        stamp = path.stat().st_mtime_ns
        cached = self._loaded.get(path)
        if cached is None or cached[0] != stamp:
            cached = self._loaded[path] = (stamp, load_study(path))
        return cached[1]

    def entries(self) -> list[StudyEntry]:
        """Every study that loads (a broken upload is skipped, never fatal)."""
        out = []
        for path, uploaded in self._paths():
            try:
                out.append(StudyEntry(path.stem, path, self._load(path), uploaded))
            except DrillbitError:
                continue
        return out

    def entry(self, study_id: str) -> StudyEntry:
        """A study by id; KeyError if there is none."""
        for path, uploaded in self._paths():
            if path.stem == study_id:
                return StudyEntry(study_id, path, self._load(path), uploaded)
        raise KeyError(study_id)

    def upload(self, filename: str, text: str) -> StudyEntry:
        """Validate an uploaded study and keep it (named after the file)."""
        study_id = _slug(Path(filename).stem)
        if any(path.stem == study_id and not up for path, up in self._paths()):
            study_id = f"{study_id}-upload"
        self.uploads.mkdir(parents=True, exist_ok=True)
        path = self.uploads / f"{study_id}.yaml"
        study = load_study(path, text=text)
        path.write_text(text, encoding="utf-8")
        return StudyEntry(study_id, path, study, True)

    # -- runs -----------------------------------------------------------------------------
    def start(self, entry: StudyEntry, overrides: dict[str, Any]) -> str:
        """Start a run of ``entry`` with ``overrides`` (validated here first); its run id."""
        replications = overrides.get("replications", entry.study.replications)
        if not isinstance(replications, int) or not 1 <= replications <= MAX_REPLICATIONS:
            raise InvalidDefinition(
                f"replications must be between 1 and {MAX_REPLICATIONS}", field="replications"
            )
        study = entry.study.with_overrides(overrides) if overrides else entry.study
        study.scenarios()  # every variant resolved now, so a bad form is a 422, not a failed run
        run_id = f"{_slug(entry.id)}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
        out = self.runs / run_id
        out.mkdir(parents=True)
        (out / "overrides.json").write_text(json.dumps(overrides, indent=2), encoding="utf-8")
        status = RunStatus(run_id=run_id, study=study.name, state="running", total=study.replications, started=_now())
        _write_status(out / "status.json", status)
        text = entry.path.read_text(encoding="utf-8")
        proc = self._context.Process(
            target=_job,
            args=(str(entry.path), text, overrides, str(out), self.workers),
            name=f"drillbit-study-{run_id}",
        )
        with self._lock:
            proc.start()
            self._procs[run_id] = proc
        return run_id

    def _reap(self) -> None:
        with self._lock:
            for run_id, proc in list(self._procs.items()):
                if not proc.is_alive():
                    proc.join()
                    proc.close()
                    del self._procs[run_id]

    def _running(self, run_id: str) -> bool:
        with self._lock:
            return run_id in self._procs

    def status(self, run_id: str) -> RunStatus:
        """A run's status; KeyError for an unknown run."""
        if not _RUN_ID.match(run_id):
            raise KeyError(run_id)
        self._reap()
        path = self.runs / run_id / "status.json"
        try:
            status = RunStatus.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise KeyError(run_id) from None
        if status.state == "running" and not self._running(run_id):
            return status.model_copy(update={"state": "interrupted"})
        return status

    def recent(self, limit: int = 20) -> list[RunStatus]:
        if not self.runs.is_dir():
            return []
        dirs = sorted(self.runs.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
        out = []
        for path in dirs[:limit]:
            try:
                out.append(self.status(path.name))
            except KeyError:
                continue
        return out

    def output(self, run_id: str, name: str) -> Path:
        """The path of one of a finished run's outputs; KeyError if there is none."""
        if name not in OUTPUTS or self.status(run_id).state != "done":
            raise KeyError(name)
        return self.runs / run_id / name

    def results(self, run_id: str) -> dict[str, Any]:
        return dict(json.loads(self.output(run_id, "results.json").read_text(encoding="utf-8")))

    def wait(self, run_id: str, timeout: float | None = None) -> RunStatus:
        """Block until a run's process ends (tests and scripts)."""
        with self._lock:
            proc = self._procs.get(run_id)
        if proc is not None:
            with contextlib.suppress(ValueError):  # reaped by another thread: it has ended
                proc.join(timeout)
        return self.status(run_id)

    def close(self) -> None:
        """Stop runs still going (they are reported as interrupted) and reap every process."""
        with self._lock:
            procs = list(self._procs.values())
            self._procs.clear()
        for proc in procs:
            if proc.is_alive():
                proc.terminate()
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join()
            proc.close()
