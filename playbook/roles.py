"""Incident roles: who does what, which severities need which roles, and who may combine them.

Seeds 000, 001, 002 and 004 name the same four roles (seed 002 calls the Technical Lead the
"Lead Investigator"). All agree the Incident Commander coordinates and does not debug, so the
IC may never also be the Technical Lead.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, Field

from playbook._frozen import FROZEN

__all__ = ["Role", "RoleSpec", "role_conflicts"]


class Role(StrEnum):
    """The four incident roles, valued by their human names."""

    COMMS_LEAD = "Communications Lead"
    INCIDENT_COMMANDER = "Incident Commander"
    SCRIBE = "Scribe"
    TECH_LEAD = "Technical Lead"


class RoleSpec(BaseModel):
    """A role's duties and the severities for which it must be filled."""

    model_config = FROZEN

    role: Role
    duties: tuple[str, ...] = Field(min_length=1)
    required_for: tuple[str, ...] = ()
    max_holders: int | None = Field(default=None, ge=1, description="None means any number")


# Pairs of roles one person must not hold at once.
EXCLUSIVE_PAIRS: tuple[tuple[Role, Role], ...] = ((Role.INCIDENT_COMMANDER, Role.TECH_LEAD),)


def role_conflicts(assignments: Mapping[Role, frozenset[str]]) -> list[str]:
    """Reasons the assignment breaks a role rule: an empty list means it is allowed.

    ``assignments`` maps each role to the people holding it.
    """
    problems: list[str] = []
    commanders = assignments.get(Role.INCIDENT_COMMANDER, frozenset())
    if len(commanders) > 1:
        problems.append(
            f"only one Incident Commander is allowed (have {', '.join(sorted(commanders))})"
        )
    for first, second in EXCLUSIVE_PAIRS:
        both = assignments.get(first, frozenset()) & assignments.get(second, frozenset())
        problems.extend(f"{person} cannot be both {first} and {second}" for person in sorted(both))
    return problems
