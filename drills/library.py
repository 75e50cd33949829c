"""The drill library: the shipped scripts in ``drills/library/*.yaml``, found by id or path.

Teams keep their own drills beside the library: ``DRILLBIT_DRILLS_DIR`` names one or more
directories (separated by ``os.pathsep``) searched before the shipped library; a drill of
theirs with a library drill's id takes its place.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from drills.errors import UnknownScript
from drills.script import DrillScript, load_script
from playbook.errors import InvalidDefinition
from playbook.model import Playbook

__all__ = ["DRILLS_DIR_ENV", "LIBRARY_DIR", "check_drill", "drill_directories", "find_script", "library_paths", "load_library"]

LIBRARY_DIR = Path(__file__).parent / "library"
DRILLS_DIR_ENV = "DRILLBIT_DRILLS_DIR"


def drill_directories(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The configured drill directories, then the shipped library."""
    env = os.environ if environ is None else environ
    extra = [Path(p) for p in env.get(DRILLS_DIR_ENV, "").split(os.pathsep) if p]
    return [*extra, LIBRARY_DIR]


def library_paths(directory: Path = LIBRARY_DIR) -> list[Path]:
    """The script files of a library, sorted by name."""
    return sorted(directory.glob("*.yaml"))


def _load(path: Path, playbook: Playbook | None) -> DrillScript:
    script = load_script(path, playbook=playbook)
    if script.id != path.stem:
        lines = path.read_text(encoding="utf-8").splitlines()
        line = next((n for n, text in enumerate(lines, 1) if text.startswith("id:")), None)
        raise InvalidDefinition(
            f"the script id {script.id!r} must match its file name {path.stem!r}",
            source=str(path),
            line=line,
            field="id",
        )
    return script


def check_drill(path: Path, playbook: Playbook | None = None) -> DrillScript:
    """Validate a drill file: a file in a drill directory must also be named after its id."""
    inside = path.resolve().parent in {d.resolve() for d in drill_directories()}
    return _load(path, playbook) if inside else load_script(path, playbook=playbook)


def _paths(directories: Sequence[Path]) -> list[Path]:
    """Script files by id, the first directory holding an id winning, sorted by id."""
    found: dict[str, Path] = {}
    for directory in directories:
        for path in library_paths(directory):
            found.setdefault(path.stem, path)
    return [found[k] for k in sorted(found)]


def load_library(playbook: Playbook | None = None, directory: Path | None = None) -> list[DrillScript]:
    """Every script of the library (and the configured drill directories, unless one
    ``directory`` is named), validated (against ``playbook`` when given)."""
    dirs = drill_directories() if directory is None else [directory]
    return [_load(path, playbook) for path in _paths(dirs)]


def find_script(
    name: str, *, playbook: Playbook | None = None, directory: Path | None = None
) -> DrillScript:
    """A script by id (configured directories first, then the library), or a file by path."""
    dirs = drill_directories() if directory is None else [directory]
    for d in dirs:
        candidate = d / f"{name}.yaml"
        if candidate.is_file():
            return _load(candidate, playbook)
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return load_script(path, playbook=playbook)
    known = ", ".join(p.stem for p in _paths(dirs))
    raise UnknownScript(f"no drill {name!r} in the library (known: {known}) and no such file")
