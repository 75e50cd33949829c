"""Simulation studies for the web UI: the shipped and uploaded studies, budgets, and runs.

An uploaded study cannot name a file of the server: its ``playbook`` is a shipped playbook's
name (``default``) or an inline playbook, and no variant may set ``playbook`` to anything
else. Uploads are parsed by the playbook loader (its limits on aliases, depth and size
apply) and their errors name the upload, never a path of the server.

A run's work is ``replications x scenarios x (warm-up + horizon) / 365`` replication-years;
a run over the budget (``DRILLBIT_STUDY_BUDGET``) is refused before anything starts. Runs
themselves are queued and run by :class:`~webui.study_runs.RunQueue`.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from playbook.errors import DrillbitError, InvalidDefinition
from playbook.loader import parse_yaml
from simulator import Study, load_study
from webui.study_runs import OUTPUTS, RunQueue, RunStatus

__all__ = [
    "MAX_REPLICATIONS",
    "OUTPUTS",
    "SHIPPED_DIR",
    "SHIPPED_PLAYBOOKS",
    "RunStatus",
    "StudyEntry",
    "StudyRunner",
    "check_playbook_refs",
    "parse_variants",
    "replication_years",
    "run_topic",
]

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "simulator" / "studies"
SHIPPED_PLAYBOOKS = ("default",)
MAX_REPLICATIONS = 1000
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_RUN_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,100}$")


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


def run_topic(run_id: str) -> str:
    """The :class:`~webui.hub.Hub` topic a run's page stream waits on (never a room's id)."""
    return f"study-run:{run_id}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-")[:64] or "study"


def parse_variants(text: str) -> list[Any]:
    """The variants of the form's YAML (a list of name / description / set)."""
    if not text.strip():
        return []
    data, _ = parse_yaml(text, source="variants")
    if data is None:
        return []
    if not isinstance(data, list):
        raise InvalidDefinition("variants: a list of {name, description, set}", field="variants")
    check_playbook_refs({"variants": data}, source="variants")
    return data


def _refused_playbook(field: str, source: str) -> InvalidDefinition:
    names = ", ".join(SHIPPED_PLAYBOOKS)
    return InvalidDefinition(
        f"a study from the web names a shipped playbook ({names}) or writes one inline, never a file",
        source=source,
        field=field,
    )


def check_playbook_refs(data: Any, *, source: str) -> None:
    """Refuse a study (or its variants) whose playbook is a file path rather than a shipped
    name or an inline playbook."""
    if not isinstance(data, Mapping):
        return
    ref = data.get("playbook", SHIPPED_PLAYBOOKS[0])
    if not isinstance(ref, Mapping) and ref not in SHIPPED_PLAYBOOKS:
        raise _refused_playbook("playbook", source)
    variants = data.get("variants", [])
    for index, variant in enumerate(variants if isinstance(variants, Sequence) else []):
        changes = variant.get("set", {}) if isinstance(variant, Mapping) else {}
        value = changes.get("playbook", SHIPPED_PLAYBOOKS[0]) if isinstance(changes, Mapping) else None
        if value is not None and not isinstance(value, Mapping) and value not in SHIPPED_PLAYBOOKS:
            raise _refused_playbook(f"variants[{index}].set.playbook", source)


def replication_years(study: Study) -> float:
    """The work of a run: replications x scenarios x simulated days, in years."""
    return study.replications * len(study.scenarios()) * study.total_days / 365.0


class StudyRunner:
    """Study files (shipped and uploaded) and their runs, in ``root``."""

    def __init__(
        self,
        root: Path,
        *,
        workers: int = 1,
        concurrency: int = 1,
        budget: float = 200.0,
        shipped: Path = SHIPPED_DIR,
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        """``on_change(run_id)``: called (from the queue's thread) when a run's status changed."""
        self.root = root
        self.shipped = shipped
        self.budget = budget
        self._loaded: dict[Path, tuple[int, Study]] = {}
        self.queue = RunQueue(self.runs, concurrency=concurrency, workers=workers, on_change=on_change)

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

    def _load(self, path: Path, uploaded: bool) -> Study:
        """A study file, loaded once per version of the file (uploads under their own name)."""
        stamp = path.stat().st_mtime_ns
        cached = self._loaded.get(path)
        if cached is None or cached[0] != stamp:
            study = self._parse_upload(path.name, path.read_text(encoding="utf-8")) if uploaded else load_study(path)
            cached = self._loaded[path] = (stamp, study)
        return cached[1]

    def entries(self) -> list[StudyEntry]:
        """Every study that loads (a broken upload is skipped, never fatal)."""
        out = []
        for path, uploaded in self._paths():
            try:
                out.append(StudyEntry(path.stem, path, self._load(path, uploaded), uploaded))
            except DrillbitError:
                continue
        return out

    def entry(self, study_id: str) -> StudyEntry:
        """A study by id; KeyError if there is none."""
        for path, uploaded in self._paths():
            if path.stem == study_id:
                return StudyEntry(study_id, path, self._load(path, uploaded), uploaded)
        raise KeyError(study_id)

    @staticmethod
    def _parse_upload(name: str, text: str) -> Study:
        """An uploaded study, checked for file references before anything reads one."""
        data, _ = parse_yaml(text, source=name)
        check_playbook_refs(data, source=name)
        return load_study(Path(name), text=text)

    def upload(self, filename: str, text: str) -> StudyEntry:
        """Validate an uploaded study and keep it (named after the file)."""
        study_id = _slug(Path(filename).stem)
        if any(path.stem == study_id and not up for path, up in self._paths()):
            study_id = f"{study_id}-upload"
        study = self._parse_upload(f"{study_id}.yaml", text)
        self.uploads.mkdir(parents=True, exist_ok=True)
        path = self.uploads / f"{study_id}.yaml"
        path.write_text(text, encoding="utf-8")
        return StudyEntry(study_id, path, study, True)

    # -- runs -----------------------------------------------------------------------------
    def start(self, entry: StudyEntry, overrides: dict[str, Any]) -> str:
        """Queue a run of ``entry`` with ``overrides`` (validated and budgeted here); its id."""
        replications = overrides.get("replications", entry.study.replications)
        if not isinstance(replications, int) or not 1 <= replications <= MAX_REPLICATIONS:
            raise InvalidDefinition(
                f"replications must be between 1 and {MAX_REPLICATIONS}", field="replications"
            )
        check_playbook_refs({"variants": overrides.get("variants", [])}, source="variants")
        study = entry.study.with_overrides(overrides) if overrides else entry.study
        work = replication_years(study)  # every variant resolved now: a bad form is a 422
        if work > self.budget:
            raise InvalidDefinition(
                f"this run is {work:,.0f} replication-years of work, over the budget of "
                f"{self.budget:g} (DRILLBIT_STUDY_BUDGET): fewer replications, variants or days",
                field="replications",
            )
        run_id = f"{_slug(entry.id)}-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
        source = entry.path.name if entry.uploaded else str(entry.path)
        text = entry.path.read_text(encoding="utf-8")
        self.queue.submit(run_id, study.name, study.replications, source, text, overrides)
        return run_id

    def cancel(self, run_id: str) -> bool:
        """Cancel a queued or running run; False if it had ended; KeyError if unknown."""
        self.status(run_id)
        return self.queue.cancel(run_id)

    def status(self, run_id: str) -> RunStatus:
        """A run's status; KeyError for an unknown run."""
        if not _RUN_ID.match(run_id):
            raise KeyError(run_id)
        return self.queue.status(run_id)

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
        return self.queue.wait(run_id, timeout)

    def close(self) -> None:
        """Stop runs still going (they are reported as interrupted) and reap every process."""
        self.queue.close()
