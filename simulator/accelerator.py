"""The opt-in compiled accelerator: the simulator's hot modules built with mypyc, used only
when the build was made from exactly the sources beside it.

``make compiled`` (``bench/build_compiled.py``) compiles :data:`MODULES`, unchanged,
into ``build/compiled/<digest>/``, never beside the ``.py`` files (an in-place ``.so`` would
shadow an edited source). :func:`activate`, called by ``simulator/__init__.py`` before any
simulator module is imported, puts a build's package directory first on
``simulator.__path__``, so ``simulator.kernel`` and the others load compiled, everything
else from source, in this process and in every worker process (each one imports
``simulator`` again, or inherits it when forked).

Safe by construction: ``<digest>`` is a SHA-256 of every source the compiled code was
type-checked against (the simulator's and the playbook's modules, not only the compiled
ones: mypyc trusts the types of what they import), the Python build and the mypy version,
so after any edit, or with another interpreter or mypyc, no build matches and the pure
Python runs. A build appears under its digest only once complete (it is made in a
temporary directory and renamed). ``DRILLBIT_SIMULATOR_COMPILED=0`` turns it off (``make
test`` and ``make mutation`` do: coverage and mutants need the pure Python).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from collections.abc import Mapping, MutableSequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

__all__ = [
    "BUILD_ROOT",
    "ENV",
    "MODULES",
    "Status",
    "activate",
    "digest",
    "enabled",
    "find_build",
    "status",
]

MODULES: tuple[str, ...] = (
    "kernel",
    "pager",
    "lifecycle",
    "dispatch",
    "responders",
    "records",
    "grouping",
    "streams",
    "paging",
    "work",
    "model",
)
SOURCE_ROOT = Path(__file__).resolve().parents[1]
BUILD_ROOT = SOURCE_ROOT / "build" / "compiled"
ENV = "DRILLBIT_SIMULATOR_COMPILED"
# The packages whose sources the digest covers: the compiled modules and all they import.
DIGESTED_PACKAGES = ("simulator", "playbook")
_OFF = frozenset({"0", "false", "no", "off", "f", "n"})


@dataclass(frozen=True)
class Status:
    """Which simulator this process runs: ``build`` is the compiled one in use, or None."""

    build: Path | None
    reason: str

    def describe(self) -> str:
        """One line for the bench and the study output."""
        if self.build is None:
            return f"simulator: pure Python ({self.reason})"
        return f"simulator: compiled (mypyc, digest {self.build.name[:12]})"


_ACTIVATED: list[Status] = []  # what activate() decided, in this process


def enabled(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether ``DRILLBIT_SIMULATOR_COMPILED`` allows a build (it does unless 0/false/no/off)."""
    return environ.get(ENV, "1").strip().lower() not in _OFF


def _mypy_version() -> str:
    try:
        return metadata.version("mypy")
    except metadata.PackageNotFoundError:
        return "none"


def digest(source_root: Path = SOURCE_ROOT, *, mypy_version: str | None = None) -> str:
    """SHA-256 of the digested packages' sources, the Python build and the mypy version."""
    h = hashlib.sha256()
    h.update(f"python {sys.version} {sys.implementation.cache_tag}\n".encode())
    h.update(f"mypy {mypy_version if mypy_version is not None else _mypy_version()}\n".encode())
    for package in DIGESTED_PACKAGES:
        for path in sorted((source_root / package).rglob("*.py")):
            h.update(f"{path.relative_to(source_root).as_posix()}\n".encode())
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def find_build(
    build_root: Path = BUILD_ROOT, source_root: Path = SOURCE_ROOT, *, mypy_version: str | None = None
) -> Path | None:
    """The build made from exactly these sources, or None (a stale build is never returned)."""
    if not build_root.is_dir():  # the usual case without `make compiled`: nothing to hash
        return None
    target = build_root / digest(source_root, mypy_version=mypy_version)
    return target if (target / "simulator").is_dir() else None


def activate(
    package_path: MutableSequence[str],
    *,
    build_root: Path = BUILD_ROOT,
    source_root: Path = SOURCE_ROOT,
    environ: Mapping[str, str] = os.environ,
) -> Status:
    """Put the matching build first on ``package_path`` (``simulator.__path__``), if allowed.

    Loads the build's shared library (mypyc's ``<group>__mypyc`` module, which each compiled
    module's shim imports by its top-level name) from the build, so ``sys.path`` is left as
    it is. Returns, and records for :func:`status`, which simulator runs.
    """
    if not enabled(environ):
        return _decided(Status(None, f"{ENV}={environ.get(ENV)}"))
    target = find_build(build_root, source_root)
    if target is None:
        return _decided(Status(None, "no build matching these sources; make compiled builds one"))
    for library in sorted(target.glob("*__mypyc.*")):
        name = library.name.split(".", 1)[0]
        if name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(name, library)
        if spec is None or spec.loader is None:  # pragma: no cover - an unloadable file
            return _decided(Status(None, f"cannot load {library}"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    package_path.insert(0, str(target / "simulator"))
    return _decided(Status(target, "matching build"))


def _decided(decision: Status) -> Status:
    _ACTIVATED.append(decision)
    return decision


def status() -> Status:
    """Which simulator this process runs (decided when ``simulator`` was imported)."""
    return _ACTIVATED[0] if _ACTIVATED else Status(None, "not activated")
