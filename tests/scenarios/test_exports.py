"""Every scenarios package and module declares a sorted public surface that exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import scenarios

MODULES = sorted(
    name
    for _, name, _ in pkgutil.walk_packages(scenarios.__path__, "scenarios.")
    # entry points; Locust files (locustfile, load.browse) are never imported here: Locust patches networking
    if not name.endswith(("__main__", ".locustfile", ".load.browse"))
)


def test_the_public_surface_is_what_it_was_designed_to_be() -> None:
    assert scenarios.__all__ == [
        "AllowList",
        "Judgement",
        "StackConfig",
        "StackState",
        "TargetNotAllowed",
        "Verdict",
        "judge_journal",
        "start_stack",
        "stop_stack",
    ]


@pytest.mark.parametrize("name", ["scenarios", *MODULES])
def test_every_module_exports_a_sorted_all_of_names_it_defines(name: str) -> None:
    module = importlib.import_module(name)
    exported = list(getattr(module, "__all__", []))
    assert exported, f"{name} declares no __all__"
    assert exported == sorted(exported, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    for item in exported:
        assert hasattr(module, item), f"{name}.{item}"
