"""The simulator's public surface is declared, sorted, and never reaches into other apps."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import simulator

SOURCE = Path(simulator.__file__).parent


def isort_order(names: list[str]) -> list[str]:
    """Constants, then classes, then functions, each alphabetical (ruff's RUF022 order)."""
    return sorted(names, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))


def test_every_simulator_module_declares_a_sorted_all() -> None:
    for info in pkgutil.iter_modules(simulator.__path__):
        module = importlib.import_module(f"simulator.{info.name}")
        exported = list(module.__all__)
        assert exported == isort_order(exported), module.__name__
        assert all(hasattr(module, name) for name in exported), module.__name__


def test_the_package_exports_the_notebook_api() -> None:
    assert simulator.__all__ == isort_order(list(simulator.__all__))
    for name in ("load_study", "run_study", "StudyResult", "validate_mmc", "trace_replication"):
        assert name in simulator.__all__


def test_the_simulator_imports_neither_the_web_ui_nor_drills_nor_scenarios() -> None:
    for path in SOURCE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
            assert not any(n.split(".")[0] in {"webui", "drills", "scenarios"} for n in names), (
                path.name
            )
