"""Each package declares its public surface; the declarations stay honest."""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import pytest

PACKAGES = ["drillbit", "playbook", "simulator", "drills", "webui", "scenarios", "integrations", "chaosdrillbit"]


def submodules(package: ModuleType) -> list[ModuleType]:
    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
        # A locustfile is loaded by Locust alone: importing it patches networking.
        if not info.name.startswith("_") and not info.ispkg and info.name != "locustfile"
    ]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_exported_name_exists_once(name: str) -> None:
    package = importlib.import_module(name)
    exported = list(package.__all__)
    assert len(exported) == len(set(exported))
    assert [n for n in exported if not hasattr(package, n)] == []


@pytest.mark.parametrize("name", PACKAGES)
def test_every_module_export_resolves(name: str) -> None:
    package = importlib.import_module(name)
    for module in submodules(package):
        exported = list(getattr(module, "__all__", []))
        assert len(exported) == len(set(exported)), module.__name__
        assert [n for n in exported if not hasattr(module, n)] == [], module.__name__


def test_playbook_exports_exactly_what_its_modules_declare() -> None:
    package = importlib.import_module("playbook")
    declared = {n for module in submodules(package) for n in getattr(module, "__all__", [])}
    assert set(package.__all__) == declared


@pytest.mark.parametrize("name", ["simulator", "drills", "webui", "scenarios"])
def test_playbook_imports_none_of_the_packages_built_on_it(name: str) -> None:
    playbook = importlib.import_module("playbook")
    for module in [playbook, *submodules(playbook)]:
        source = module.__loader__.get_source(module.__name__)  # type: ignore[union-attr]
        assert source is not None
        assert f"import {name}" not in source and f"from {name}" not in source
