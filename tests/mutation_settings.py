"""A pytest plugin that only ``make mutation`` loads (``-p tests.mutation_settings`` in
``[tool.mutmut]``): Hypothesis runs derandomized, so a mutant's verdict does not depend on the
run's random draws, and without deadlines or the example database, so a slow shared machine
or the examples another mutant failed cannot kill a mutant. It does not shrink: the first
failing example kills the mutant (shrinking it only makes a report readable, and it ran
mutants into their CPU limit)."""

from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, Phase, settings

_PACKAGES = frozenset({"drills", "playbook", "simulator"})

settings.register_profile(
    "mutation",
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
settings.load_profile("mutation")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Empty drillbit's process-wide caches before each test.

    mutmut forks each mutant from a process that already ran the clean suite, so a cache
    filled there (the default playbook, the shipped templates, t quantiles) would hand the
    mutant the clean code's results. And mutmut links a function to the tests that called
    it: a cache filled by one test would link the function to that test alone.
    """
    del item
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in _PACKAGES:
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()
    model = sys.modules.get("playbook.model")
    if model is not None:
        model._default = None  # type: ignore[attr-defined]
