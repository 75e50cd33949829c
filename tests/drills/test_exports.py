"""The drills package declares its public surface: a sorted ``__all__`` whose names exist."""

from __future__ import annotations

from pathlib import Path

import drills


def test_all_is_sorted_and_every_name_resolves() -> None:
    assert drills.__all__ == sorted(drills.__all__, key=lambda n: (not n.isupper(), n))
    for name in drills.__all__:
        assert getattr(drills, name) is not None, name


def test_drills_does_not_import_the_web_layer() -> None:
    import subprocess
    import sys

    probe = "import sys, drills; print(sorted(m for m in sys.modules if m.split('.')[0] == 'webui'))"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "[]"
