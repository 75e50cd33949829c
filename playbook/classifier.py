"""The rule-based severity classifier, in a scalar and a vectorised form.

Rules are evaluated top-down and the first match wins, as in seed 003's
``classify_severity``. A rule's ``when`` is a conjunction of conditions over the
:class:`~playbook.context.AlertContext` and the service's tier. :func:`classify` explains its
verdict (rule id and reason); :func:`classify_batch` gives the same verdicts for numpy arrays
of contexts, for the simulator's millions of alerts.
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from pydantic import BaseModel, Field, field_validator, model_validator

from playbook._frozen import FROZEN
from playbook.context import AlertContext

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

# numpy is imported inside the batch functions alone: the scalar classifier (and the CLI's
# ``drillbit classify``) never pays its import.

__all__ = [
    "Classification",
    "Classifier",
    "Condition",
    "ContextBatch",
    "Rule",
    "Threshold",
    "classify",
    "classify_batch",
]

NO_TIER = "standard"
_NUMERIC = ("error_rate", "latency_p99_ms", "affected_users_pct", "duration_minutes")
_FLAGS = ("is_data_loss", "is_security_event", "is_revenue_impacting")
_REASON_FIELDS = frozenset(AlertContext.model_fields) | {"tier", "dependent_count"}


class Threshold(BaseModel):
    """Bounds on a number; every bound given must hold."""

    model_config = FROZEN

    gte: float | None = None
    gt: float | None = None
    lte: float | None = None
    lt: float | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> Self:
        if all(b is None for b in (self.gte, self.gt, self.lte, self.lt)):
            raise ValueError("a threshold needs at least one of gte, gt, lte, lt")
        return self

    def holds(self, value: float) -> bool:
        return (
            (self.gte is None or value >= self.gte)
            and (self.gt is None or value > self.gt)
            and (self.lte is None or value <= self.lte)
            and (self.lt is None or value < self.lt)
        )

    def holds_array(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
        import numpy as np  # noqa: PLC0415 - see the note on numpy at the top

        mask = np.ones(values.shape, dtype=bool)
        if self.gte is not None:
            mask &= values >= self.gte
        if self.gt is not None:
            mask &= values > self.gt
        if self.lte is not None:
            mask &= values <= self.lte
        if self.lt is not None:
            mask &= values < self.lt
        return mask


class Condition(BaseModel):
    """A conjunction: every field given must hold; an empty condition always holds."""

    model_config = FROZEN

    tier: tuple[str, ...] | None = None
    service: tuple[str, ...] | None = None
    error_rate: Threshold | None = None
    latency_p99_ms: Threshold | None = None
    affected_users_pct: Threshold | None = None
    duration_minutes: Threshold | None = None
    dependent_services: Threshold | None = Field(
        default=None, description="bounds on the number of dependent services"
    )
    is_data_loss: bool | None = None
    is_security_event: bool | None = None
    is_revenue_impacting: bool | None = None

    @field_validator("tier", "service", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value


class Rule(BaseModel):
    """If ``when`` holds, the alert is ``severity``; ``reason`` may name context fields."""

    model_config = FROZEN

    id: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    severity: str
    when: Condition
    reason: str = Field(min_length=1)

    @field_validator("reason")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        for _, name, _, _ in string.Formatter().parse(value):
            if name is not None and name not in _REASON_FIELDS:
                known = ", ".join(sorted(_REASON_FIELDS))
                raise ValueError(f"unknown placeholder {{{name}}} (known: {known})")
        return value


class Classifier(BaseModel):
    """Ordered rules, a default, and the service tiers the rules refer to."""

    model_config = FROZEN

    service_tiers: dict[str, tuple[str, ...]] = {}
    rules: tuple[Rule, ...]
    default_severity: str
    default_reason: str = "no rule matched"

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        seen: dict[str, str] = {}
        for tier, services in self.service_tiers.items():
            for service in services:
                if service in seen:
                    raise ValueError(
                        f"service {service!r} is in tiers {seen[service]!r} and {tier!r}"
                    )
                seen[service] = tier
        ids = [r.id for r in self.rules]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate rule ids: {', '.join(dupes)}")
        return self

    def tier_of(self, service: str) -> str:
        """The tier a service belongs to, or ``standard`` when it is in none."""
        for tier, services in self.service_tiers.items():
            if service in services:
                return tier
        return NO_TIER


@dataclass(frozen=True)
class Classification:
    """A verdict with its explanation: ``rule`` is None when the default applied."""

    severity: str
    rule: str | None
    reason: str


def _matches(cond: Condition, ctx: AlertContext, tier: str) -> bool:
    if cond.tier is not None and tier not in cond.tier:
        return False
    if cond.service is not None and ctx.service not in cond.service:
        return False
    for name in _NUMERIC:
        threshold: Threshold | None = getattr(cond, name)
        if threshold is not None and not threshold.holds(getattr(ctx, name)):
            return False
    if cond.dependent_services is not None and not cond.dependent_services.holds(
        len(ctx.dependent_services)
    ):
        return False
    for name in _FLAGS:
        wanted: bool | None = getattr(cond, name)
        if wanted is not None and getattr(ctx, name) is not wanted:
            return False
    return True


def _reason_values(ctx: AlertContext, tier: str) -> dict[str, Any]:
    values = ctx.model_dump()
    values["dependent_services"] = ", ".join(ctx.dependent_services)
    values["dependent_count"] = len(ctx.dependent_services)
    values["tier"] = tier
    return values


def classify(classifier: Classifier, ctx: AlertContext) -> Classification:
    """The severity of ``ctx``: the first rule whose condition holds, else the default."""
    tier = classifier.tier_of(ctx.service)
    for rule in classifier.rules:
        if _matches(rule.when, ctx, tier):
            reason = rule.reason.format_map(_reason_values(ctx, tier))
            return Classification(rule.severity, rule.id, reason)
    return Classification(classifier.default_severity, None, classifier.default_reason)


@dataclass(frozen=True)
class ContextBatch:
    """Alert contexts as parallel numpy arrays (one element per alert)."""

    service: npt.NDArray[np.str_]
    error_rate: npt.NDArray[np.float64]
    latency_p99_ms: npt.NDArray[np.float64]
    affected_users_pct: npt.NDArray[np.float64]
    duration_minutes: npt.NDArray[np.float64]
    dependent_count: npt.NDArray[np.int64]
    is_data_loss: npt.NDArray[np.bool_]
    is_security_event: npt.NDArray[np.bool_]
    is_revenue_impacting: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return int(self.service.shape[0])

    @classmethod
    def from_contexts(cls, contexts: Sequence[AlertContext]) -> ContextBatch:
        """Pack contexts into arrays (the inverse of :meth:`context`)."""
        import numpy as np  # noqa: PLC0415 - see the note on numpy at the top

        return cls(
            service=np.array([c.service for c in contexts], dtype=np.str_),
            error_rate=np.array([c.error_rate for c in contexts], dtype=np.float64),
            latency_p99_ms=np.array([c.latency_p99_ms for c in contexts], dtype=np.float64),
            affected_users_pct=np.array([c.affected_users_pct for c in contexts], dtype=np.float64),
            duration_minutes=np.array([c.duration_minutes for c in contexts], dtype=np.float64),
            dependent_count=np.array([len(c.dependent_services) for c in contexts], dtype=np.int64),
            is_data_loss=np.array([c.is_data_loss for c in contexts], dtype=bool),
            is_security_event=np.array([c.is_security_event for c in contexts], dtype=bool),
            is_revenue_impacting=np.array([c.is_revenue_impacting for c in contexts], dtype=bool),
        )


def _tier_mask(
    classifier: Classifier, services: npt.NDArray[np.str_], field: tuple[str, ...]
) -> npt.NDArray[np.bool_]:
    import numpy as np  # noqa: PLC0415 - see the note on numpy at the top

    unique, inverse = np.unique(services, return_inverse=True)
    hit = np.array([classifier.tier_of(str(s)) in field for s in unique], dtype=bool)
    return hit[inverse] if unique.size else np.zeros(services.shape, dtype=bool)


def _batch_mask(
    classifier: Classifier, cond: Condition, batch: ContextBatch
) -> npt.NDArray[np.bool_]:
    import numpy as np  # noqa: PLC0415 - see the note on numpy at the top

    mask = np.ones(len(batch), dtype=bool)
    if cond.tier is not None:
        mask &= _tier_mask(classifier, batch.service, cond.tier)
    if cond.service is not None:
        mask &= np.isin(batch.service, np.array(cond.service, dtype=np.str_))
    for name in _NUMERIC:
        threshold: Threshold | None = getattr(cond, name)
        if threshold is not None:
            mask &= threshold.holds_array(getattr(batch, name))
    if cond.dependent_services is not None:
        mask &= cond.dependent_services.holds_array(batch.dependent_count.astype(np.float64))
    for name in _FLAGS:
        wanted: bool | None = getattr(cond, name)
        if wanted is not None:
            mask &= getattr(batch, name) == wanted
    return mask


def classify_batch(
    classifier: Classifier, batch: ContextBatch
) -> tuple[npt.NDArray[np.str_], npt.NDArray[np.int64]]:
    """Severities and matched rule indices (-1: the default) for every context in ``batch``.

    Agrees element-wise with :func:`classify`: later rules only fill what earlier ones left.
    """
    import numpy as np  # noqa: PLC0415 - see the note on numpy at the top

    n = len(batch)
    rule_index = np.full(n, -1, dtype=np.int64)
    open_ = np.ones(n, dtype=bool)
    for i, rule in enumerate(classifier.rules):
        hit = open_ & _batch_mask(classifier, rule.when, batch)
        rule_index[hit] = i
        open_ &= ~hit
    names = np.array(
        [*(r.severity for r in classifier.rules), classifier.default_severity], dtype=np.str_
    )
    # Index -1 picks the default, which sits last in ``names``.
    return names[rule_index], rule_index


def severities_used(classifier: Classifier) -> Mapping[str, str]:
    """Rule id → severity, for cross-checking against the playbook's levels."""
    return {r.id: r.severity for r in classifier.rules}
