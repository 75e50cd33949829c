"""Severity levels: what each level means and what it obliges the team to do.

Levels are ordered most severe first; their names are configurable (``SEV1``, ``P1``,
``critical``...). Everything downstream (escalation, scoring, simulation targets) reads the
obligations here rather than hard-coding them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, Field

from playbook._frozen import FROZEN

__all__ = ["Comms", "SeverityLevel", "more_severe", "severity_rank"]


class Comms(BaseModel):
    """Which communication channels a severity requires."""

    model_config = FROZEN

    war_room: bool = False
    status_page: bool = False
    exec_notice: bool = False


class SeverityLevel(BaseModel):
    """One severity level and its targets. Times are minutes; ``None`` means no target."""

    model_config = FROZEN

    name: str = Field(min_length=1)
    label: str = ""
    criteria: str = Field(min_length=1)
    examples: tuple[str, ...] = ()
    response_minutes: float | None = Field(
        default=None, gt=0, description="target time to acknowledge; None: next business day"
    )
    response: str = Field(default="", description="the target in words, as teams say it")
    resolution_minutes: float | None = Field(default=None, gt=0, description="RTO")
    update_every_minutes: float | None = Field(
        default=None, gt=0, description="longest allowed gap between internal updates"
    )
    status_page_within_minutes: float | None = Field(
        default=None, gt=0, description="first status-page update after declaring"
    )
    page: bool = Field(default=True, description="False: a ticket, nobody is paged")
    urgency: Literal["high", "low"] = "high"
    who_is_paged: tuple[str, ...] = ()
    comms: Comms = Field(default_factory=Comms)
    escalation_policy: str | None = None
    postmortem_required: bool = False
    postmortem_within_hours: float | None = Field(default=None, gt=0)


def severity_rank(order: Sequence[str], name: str) -> int:
    """Position of ``name`` in ``order`` (0 = most severe); ValueError if unknown."""
    try:
        return list(order).index(name)
    except ValueError:
        raise ValueError(f"unknown severity {name!r} (known: {', '.join(order)})") from None


def more_severe(order: Sequence[str], a: str, b: str) -> bool:
    """True when ``a`` is strictly more severe than ``b``."""
    return severity_rank(order, a) < severity_rank(order, b)
