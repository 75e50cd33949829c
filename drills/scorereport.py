"""A drill's score report: each criterion's points and evidence, the improvement plan, and the
session's process figures, as :func:`drills.scoring.score_session` builds them (the criteria
themselves are in :mod:`drills.scoring`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from playbook.events import ActionItem
from playbook.rubric import Rating

__all__ = ["CriterionScore", "Improvement", "ProcessFigures", "ScoreReport"]


class CriterionScore(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str
    points: float
    max: float
    rating: Rating
    evidence: list[int]
    explanation: str


class Improvement(BaseModel):
    """One line of the improvement plan (HSEEP style)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    criterion: str
    rating: Rating
    issue: str
    corrective_action: str
    priority: str


class ProcessFigures(BaseModel):
    """The session's process metrics, from ``playbook.metrics`` (minutes)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_to_detect: float | None
    time_to_acknowledge: float | None
    time_to_declare: float | None
    time_to_mitigate: float | None
    time_to_resolve: float | None


class ScoreReport(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    session_id: str
    script_id: str
    script_title: str
    rubric: str
    expected_severity: str
    declared_severity: str | None
    total: float
    max: float
    criteria: list[CriterionScore]
    improvement_plan: list[Improvement]
    team_action_items: list[ActionItem]
    metrics: ProcessFigures
    complete: bool

    def summary(self) -> dict[str, object]:
        """The ``drill run --json`` shape."""
        return {
            "session_id": self.session_id,
            "score": {
                "total": self.total,
                "max": self.max,
                "criteria": [
                    {
                        "id": c.id,
                        "points": c.points,
                        "max": c.max,
                        "rating": c.rating,
                        "evidence": c.evidence,
                        "explanation": c.explanation,
                    }
                    for c in self.criteria
                ],
            },
        }
