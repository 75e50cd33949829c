"""The drill rubric: what a game-day drill is scored on, how many points each part is worth,
and the thresholds that turn a criterion's result into an HSEEP exercise-evaluation rating.

The rubric is data, like the rest of the playbook, so a team can tune it: drop a criterion,
change its points, widen the 2-minute role window (seed 001), the 10-minute status-page window
(seed 002), the 48-hour postmortem window (seeds 000, 001, 004) or add a banned phrase
(seed 000: never "will be fixed soon" without an estimate). The scoring itself (pure functions
over a drill's event timeline) lives in ``drills/scoring.py``; this module only describes it.

Each criterion yields a *fraction* in [0, 1] of its points. The fraction also gives its rating:

=====  ========================================  ================================
 P     performed without challenges              fraction >= ``ratings.performed``
 S     performed with some challenges            fraction >= ``ratings.some``
 M     performed with major challenges           fraction >= ``ratings.major``
 U     unable to be performed                    below that
=====  ========================================  ================================
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal, Self, get_args

from pydantic import BaseModel, Field, field_validator, model_validator

from playbook._frozen import FROZEN
from playbook.loader import BadReference, load_model
from playbook.roles import Role

__all__ = [
    "CRITERIA",
    "DEFAULT_RUBRIC_PATH",
    "BannedPhrase",
    "ContentRules",
    "Criterion",
    "CriterionId",
    "Parameters",
    "Rating",
    "Ratings",
    "Rubric",
    "default_rubric",
    "load_rubric",
]

DEFAULT_RUBRIC_PATH = Path(__file__).parent / "data" / "rubric.yaml"

CriterionId = Literal[
    "acknowledge",
    "declare",
    "severity",
    "roles",
    "ic_separation",
    "status_page",
    "internal_updates",
    "update_content",
    "mitigate_time",
    "mitigation_choice",
    "timeline",
    "postmortem",
    "diagnosis",
    "investigation",
]
# Every criterion the scorer knows, in report order.
CRITERIA: tuple[str, ...] = get_args(CriterionId)

Rating = Literal["P", "S", "M", "U"]


class Ratings(BaseModel):
    """Lowest fraction of a criterion's points for each HSEEP rating (U is anything lower)."""

    model_config = FROZEN

    performed: float = Field(default=1.0, gt=0, le=1)
    some: float = Field(default=0.7, gt=0, le=1)
    major: float = Field(default=0.35, gt=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.performed >= self.some >= self.major:
            raise ValueError("thresholds must satisfy performed >= some >= major")
        return self

    def rate(self, fraction: float) -> Rating:
        """The rating of a result that earned ``fraction`` of its points."""
        if fraction >= self.performed:
            return "P"
        if fraction >= self.some:
            return "S"
        if fraction >= self.major:
            return "M"
        return "U"


class Criterion(BaseModel):
    """One scored behaviour: its points, what it checks, and the fix when it falls short."""

    model_config = FROZEN

    id: CriterionId
    title: str = Field(min_length=1)
    points: float = Field(gt=0)
    checks: str = Field(min_length=1, description="what the criterion checks, in one line")
    improvement: str = Field(
        min_length=1, description="the corrective action for the improvement plan"
    )
    ratings: Ratings | None = Field(default=None, description="overrides the rubric's thresholds")


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None
    return pattern


class BannedPhrase(BaseModel):
    """A phrase an update must not contain (case-insensitive regular expression)."""

    model_config = FROZEN

    pattern: str = Field(min_length=1)
    unless_estimate: bool = Field(
        default=True, description="allowed when the same update gives a time estimate"
    )
    why: str = ""

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str) -> str:
        return _compiles(value)


class ContentRules(BaseModel):
    """What a good update says (seed 003's four parts), as case-insensitive regexes.

    An update passes when each ``require`` group has a pattern that matches and no banned
    phrase applies.
    """

    model_config = FROZEN

    require: dict[str, tuple[str, ...]] = Field(
        default_factory=lambda: {
            "impact": (r"\bimpact", r"\baffect", r"\busers?\b", r"\bcustomers?\b"),
            "what we are doing": (r"\bwe are\b", r"\bwe're\b", r"\bworking\b", r"\bdoing\b"),
            "next update": (r"\bnext update\b", r"\bupdate (?:in|within|at|by)\b"),
        }
    )
    estimate: tuple[str, ...] = (
        r"\b(?:expect|eta|estimated?|within|by)\b[^.\n]*\d",
        r"\bin \d+\s*(?:min|minutes|hours?)\b",
    )
    banned: tuple[BannedPhrase, ...] = ()
    placeholders: tuple[str, ...] = Field(
        default=(r"\[[A-Za-z _-]+\]",),
        description="text left from an unedited template (an update containing one is not complete)",
    )

    @field_validator("require")
    @classmethod
    def _require_compiles(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for patterns in value.values():
            for pattern in patterns:
                _compiles(pattern)
        return value

    @field_validator("estimate", "placeholders")
    @classmethod
    def _estimate_compiles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in value:
            _compiles(pattern)
        return value


class Parameters(BaseModel):
    """The tunable numbers the criteria use. Minutes unless named otherwise."""

    model_config = FROZEN

    late_factor: float = Field(
        default=3.0, gt=1, description="a time target missed by this factor earns nothing"
    )
    declare_within_minutes: float = Field(default=10, gt=0)
    role_window_minutes: float = Field(default=2, gt=0)
    roles_required: tuple[Role, ...] = (
        Role.INCIDENT_COMMANDER,
        Role.TECH_LEAD,
        Role.COMMS_LEAD,
    )
    status_page_window_minutes: float = Field(default=10, gt=0)
    first_internal_update_minutes: float = Field(default=10, gt=0)
    over_classification_penalty: float = Field(default=0.25, ge=0, le=1, description="per level")
    under_classification_penalty: float = Field(default=0.5, ge=0, le=1, description="per level")
    harmful_penalty: float = Field(default=0.5, ge=0, le=1)
    risky_penalty: float = Field(default=0.5, ge=0, le=1)
    no_effect_penalty: float = Field(default=0.0, ge=0, le=1)
    min_scribe_notes: int = Field(default=3, ge=1)
    postmortem_within_hours: float = Field(default=48, gt=0)
    min_action_items: int = Field(default=1, ge=0)
    diagnosis_within_minutes: float = Field(default=15, gt=0, description="first right hypothesis")
    red_herring_penalty: float = Field(default=0.25, ge=0, le=1, description="per red herring pursued")
    reply_within_minutes: float = Field(default=10, gt=0, description="a stakeholder message's answer")
    content: ContentRules = Field(default_factory=ContentRules)


class Rubric(BaseModel):
    """The scored criteria, the rating thresholds and the parameters."""

    model_config = FROZEN

    name: str = Field(min_length=1)
    description: str = ""
    ratings: Ratings = Field(default_factory=Ratings)
    parameters: Parameters = Field(default_factory=Parameters)
    criteria: tuple[Criterion, ...] = Field(min_length=1)

    @property
    def max_points(self) -> float:
        return sum(c.points for c in self.criteria)

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        known = ", ".join(c.id for c in self.criteria)
        raise KeyError(f"unknown criterion {criterion_id!r} (known: {known})")

    def ratings_for(self, criterion: Criterion) -> Ratings:
        return criterion.ratings or self.ratings

    def cross_check(self) -> None:
        """Each criterion at most once (patterns are checked by their fields' validators).

        A playbook that embeds a rubric calls this from its own ``cross_check``, prefixing
        the ``BadReference`` location with ``"rubric"``.
        """
        seen: set[str] = set()
        for i, criterion in enumerate(self.criteria):
            if criterion.id in seen:
                raise BadReference(("criteria", i, "id"), f"criterion {criterion.id!r} is listed twice")
            seen.add(criterion.id)


def load_rubric(path: str | Path, *, text: str | None = None) -> Rubric:
    """Load and validate a rubric file; InvalidDefinition names file:line: field."""
    return load_model(Rubric, path, text=text)


@cache
def default_rubric() -> Rubric:
    """The shipped rubric (``playbook/data/rubric.yaml``), loaded once."""
    return load_rubric(DEFAULT_RUBRIC_PATH)
