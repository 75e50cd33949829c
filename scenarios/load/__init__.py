"""Load for the staging target: a Locust file, run headless in its own process.

Importing this package never imports Locust (see :mod:`scenarios.load.runner`).
"""

from __future__ import annotations

from scenarios.load.runner import (
    LOCUSTFILE,
    LoadRun,
    LoadSpec,
    LoadStats,
    read_stats,
    run_load,
    start_load,
    stop_load,
    wait_load,
)

__all__ = [
    "LOCUSTFILE",
    "LoadRun",
    "LoadSpec",
    "LoadStats",
    "read_stats",
    "run_load",
    "start_load",
    "stop_load",
    "wait_load",
]
