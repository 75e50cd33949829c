"""The drill library: the shipped scripts in ``drills/library/*.yaml``, found by id or path."""

from __future__ import annotations

from pathlib import Path

from drills.errors import UnknownScript
from drills.script import DrillScript, load_script
from playbook.errors import InvalidDefinition
from playbook.model import Playbook

__all__ = ["LIBRARY_DIR", "find_script", "library_paths", "load_library"]

LIBRARY_DIR = Path(__file__).parent / "library"


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


def load_library(playbook: Playbook | None = None, directory: Path = LIBRARY_DIR) -> list[DrillScript]:
    """Every script of the library, validated (against ``playbook`` when given)."""
    return [_load(path, playbook) for path in library_paths(directory)]


def find_script(
    name: str, *, playbook: Playbook | None = None, directory: Path = LIBRARY_DIR
) -> DrillScript:
    """A library script by id, or a script file by path."""
    candidate = directory / f"{name}.yaml"
    if candidate.is_file():
        return _load(candidate, playbook)
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return load_script(path, playbook=playbook)
    known = ", ".join(p.stem for p in library_paths(directory))
    raise UnknownScript(f"no drill {name!r} in the library (known: {known}) and no such file")
