"""A pytest plugin that only ``make mutation`` loads (``-p tests.mutation_settings`` in
``[tool.mutmut]``): Hypothesis runs derandomized, so a mutant's verdict does not depend on the
run's random draws, and without deadlines or the example database, so a slow shared machine
or the examples another mutant failed cannot kill a mutant."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

settings.register_profile(
    "mutation",
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("mutation")
