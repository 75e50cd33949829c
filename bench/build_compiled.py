"""``make compiled``: build the simulator's hot modules with mypyc into ``build/compiled/<digest>/``.

The modules (:data:`simulator.accelerator.MODULES`) are compiled unchanged, as one mypyc
group, out of tree: the C sources and objects go to a temporary directory under
``build/compiled/``, the extension modules to its ``lib/``, which is renamed to the digest of
the sources once complete (so a half-made build is never found). A build that already
matches is kept; builds of other digests (stale sources) are removed. The simulator uses
the build only while its digest matches (:func:`simulator.accelerator.find_build`).

Needs the dev extras (mypy, which ships mypyc, and setuptools) and a C compiler with the
Python headers; ``make test`` never needs it.

Run: ``.venv/bin/python bench/build_compiled.py [--build-root DIR]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The build compiles the sources; it need not import the compiled modules itself.
os.environ["DRILLBIT_SIMULATOR_COMPILED"] = "0"

from simulator.accelerator import BUILD_ROOT, MODULES, SOURCE_ROOT, digest  # noqa: E402


def _compile(work: Path, source_root: Path) -> Path:
    """Run mypyc and the C build in ``work``; return the directory of extension modules."""
    from mypyc.build import mypycify  # noqa: PLC0415 - imported only when building
    from setuptools import setup  # noqa: PLC0415

    paths = [f"simulator/{name}.py" for name in MODULES]
    here = Path.cwd()
    os.chdir(source_root)  # mypy resolves `simulator.*` and `playbook.*` from the root
    try:
        extensions = mypycify(
            ["--cache-dir", str(work / "mypy_cache"), *paths],
            opt_level="3",
            target_dir=str(work / "c"),
        )
        setup(
            name="drillbit-simulator-compiled",
            ext_modules=extensions,
            script_args=[
                "--quiet",
                "build_ext",
                "--build-lib",
                str(work / "lib"),
                "--build-temp",
                str(work / "temp"),
            ],
        )
    finally:
        os.chdir(here)
    lib = work / "lib"
    if not (lib / "simulator").is_dir():
        raise SystemExit(f"mypyc built nothing in {lib}")
    return lib


def build(build_root: Path = BUILD_ROOT, source_root: Path = SOURCE_ROOT) -> Path:
    """The build of these sources in ``build_root/<digest>``, compiled unless it exists."""
    target = build_root / digest(source_root)
    if (target / "simulator").is_dir():
        return target
    build_root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".tmp-", dir=build_root))
    try:
        _compile(work, source_root).rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def remove_stale(build_root: Path, keep: Path) -> list[Path]:
    """Remove the builds of other digests (and leftovers of interrupted builds)."""
    removed = [old for old in build_root.iterdir() if old != keep and old.is_dir()]
    for old in removed:
        shutil.rmtree(old, ignore_errors=True)
    return removed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-root", type=Path, default=BUILD_ROOT)
    args = parser.parse_args()
    target = build(args.build_root)
    remove_stale(args.build_root, target)
    print(f"simulator: compiled (mypyc, digest {target.name[:12]}) in {target}")


if __name__ == "__main__":
    main()
