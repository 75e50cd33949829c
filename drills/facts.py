"""What every score criterion reads: the log, the state, the script, the world and the rubric.

Built once per scoring by ``drills/scoring.py`` and passed to each criterion (there and in
``drills/judging.py``), so the criteria stay small pure functions of one value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from drills.events import Record
from drills.script import DrillScript
from drills.state import DrillState
from drills.truth import OperationVerdict
from drills.world.run import World
from playbook.model import Playbook
from playbook.rubric import Parameters
from playbook.severity import SeverityLevel

__all__ = ["Facts", "Result", "minutes", "seqs", "timeliness"]

Result = tuple[float, list[int], str]


def timeliness(minutes: float, target: float, late_factor: float) -> float:
    """1 within the target, falling linearly to 0 at ``late_factor`` times the target."""
    if minutes <= target:
        return 1.0
    span = target * (late_factor - 1)
    return max(0.0, 1.0 - (minutes - target) / span)


def minutes(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".") + " min"


def seqs(*records: Record | None) -> list[int]:
    return [r.seq for r in records if r is not None]


@dataclass(frozen=True)
class Facts:
    records: Sequence[Record]
    state: DrillState
    script: DrillScript
    playbook: Playbook
    params: Parameters
    expected: str
    level: SeverityLevel
    first_alert: Record | None
    declared: Record | None
    end: float
    real_alerts: frozenset[str] = frozenset()
    world: World | None = None
    verdicts: list[OperationVerdict] = field(default_factory=list)

    def of(self, kind: type[object]) -> list[Record]:
        return [r for r in self.records if isinstance(r.event, kind)]
