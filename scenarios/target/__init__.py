"""The staging "checkout" service: a real FastAPI app with SQLite, metrics and fault switches.

Run it as its own process: ``python -m scenarios.target --port N --admin-token T --db PATH``.
"""

from __future__ import annotations

from scenarios.target.app import create_app
from scenarios.target.faults import Faults, FaultUpdate
from scenarios.target.settings import TargetSettings

__all__ = ["FaultUpdate", "Faults", "TargetSettings", "create_app"]
