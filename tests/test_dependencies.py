"""Every package drillbit imports directly is declared in pyproject.toml, not inherited."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {
    "drillbit", "playbook", "simulator", "drills", "webui", "scenarios", "integrations", "tests", "bench",
    "chaosdrillbit",  # the Chaos Toolkit extension: its own distribution under ext/
}
SOURCES = ["drillbit", "playbook", "simulator", "drills", "webui", "scenarios", "integrations"]


def imported_modules(directories: list[str]) -> set[str]:
    """Top-level names of every absolute import statement under ``directories``."""
    names: set[str] = set()
    for directory in directories:
        for path in (ROOT / directory).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names.add(node.module.split(".")[0])
    return names - FIRST_PARTY - set(sys.stdlib_module_names)


def distributions(modules: set[str]) -> dict[str, set[str]]:
    """Module -> the normalised names of the installed distributions that provide it."""
    provided = packages_distributions()
    return {m: {normalise(d) for d in provided.get(m, [m])} for m in modules}


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(*extras: str) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    out = set()
    for requirement in requirements:
        match = re.match(r"[A-Za-z0-9._-]+", requirement)
        assert match is not None, requirement
        out.add(normalise(match.group()))
    return out


def undeclared(modules: set[str], allowed: set[str]) -> dict[str, set[str]]:
    return {m: d for m, d in distributions(modules).items() if not d & allowed}


def test_every_package_the_code_imports_is_a_declared_dependency() -> None:
    assert undeclared(imported_modules(SOURCES), declared()) == {}


def test_every_package_the_tests_and_benchmarks_import_is_declared_for_development() -> None:
    assert undeclared(imported_modules(["tests", "bench"]), declared("dev")) == {}
