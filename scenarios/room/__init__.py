"""The drill room as a game day reaches it: the web UI's drill API client and the chaos run's
events as room injects."""

from __future__ import annotations

from scenarios.room.drillapi import DrillApi
from scenarios.room.timeline import DrillTimeline

__all__ = ["DrillApi", "DrillTimeline"]
