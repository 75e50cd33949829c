"""The default rules reproduce seed 003's classify_severity; batch and scalar forms agree."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from playbook.classifier import Classifier, ContextBatch, classify, classify_batch
from playbook.context import AlertContext
from playbook.model import Playbook

# --- seed 003's classifier, transcribed verbatim as the oracle -------------------------
CRITICAL_SERVICES = {"payments", "auth", "database-primary", "api-gateway"}


@dataclass
class SeedAlertContext:
    service: str
    error_rate: float
    latency_p99_ms: float
    affected_users_pct: float
    is_data_loss: bool = False
    is_security_event: bool = False
    is_revenue_impacting: bool = False
    duration_minutes: float = 0.0
    dependent_services: list[str] = field(default_factory=list)


def seed_classify_severity(ctx: SeedAlertContext) -> str:
    if ctx.is_data_loss:
        return "SEV1"
    if ctx.is_security_event and ctx.service in CRITICAL_SERVICES:
        return "SEV1"
    if ctx.affected_users_pct >= 80 and ctx.service in CRITICAL_SERVICES:
        return "SEV1"
    if ctx.error_rate >= 50 and ctx.is_revenue_impacting:
        return "SEV1"
    if ctx.error_rate >= 25 and ctx.service in CRITICAL_SERVICES:
        return "SEV2"
    if ctx.affected_users_pct >= 30:
        return "SEV2"
    if ctx.is_revenue_impacting and ctx.error_rate >= 10:
        return "SEV2"
    if len(ctx.dependent_services) >= 3 and ctx.error_rate >= 15:
        return "SEV2"
    if ctx.latency_p99_ms >= 5000 and ctx.service in CRITICAL_SERVICES:
        return "SEV2"
    if ctx.error_rate >= 5:
        return "SEV3"
    if ctx.affected_users_pct >= 5:
        return "SEV3"
    if ctx.latency_p99_ms >= 2000:
        return "SEV3"
    if ctx.is_security_event:
        return "SEV3"
    return "SEV4"


SERVICES = ["payments", "auth", "database-primary", "api-gateway", "search", "inventory", "blog"]
# Values cluster on the seed's thresholds so the boundaries are exercised, not just sampled.
percent = st.one_of(
    st.sampled_from([0.0, 4.99, 5.0, 9.99, 10.0, 15.0, 25.0, 30.0, 50.0, 80.0, 100.0]),
    st.floats(min_value=0, max_value=100, allow_nan=False),
)
latency = st.one_of(
    st.sampled_from([0.0, 1999.0, 2000.0, 4999.9, 5000.0, 12000.0]),
    st.floats(min_value=0, max_value=60000, allow_nan=False),
)
contexts = st.builds(
    AlertContext,
    service=st.sampled_from(SERVICES),
    error_rate=percent,
    latency_p99_ms=latency,
    affected_users_pct=percent,
    is_data_loss=st.booleans(),
    is_security_event=st.booleans(),
    is_revenue_impacting=st.booleans(),
    duration_minutes=st.floats(min_value=0, max_value=1e4, allow_nan=False),
    dependent_services=st.lists(st.sampled_from(SERVICES), max_size=5).map(tuple),
)


def to_seed(ctx: AlertContext) -> SeedAlertContext:
    return SeedAlertContext(
        service=ctx.service,
        error_rate=ctx.error_rate,
        latency_p99_ms=ctx.latency_p99_ms,
        affected_users_pct=ctx.affected_users_pct,
        is_data_loss=ctx.is_data_loss,
        is_security_event=ctx.is_security_event,
        is_revenue_impacting=ctx.is_revenue_impacting,
        duration_minutes=ctx.duration_minutes,
        dependent_services=list(ctx.dependent_services),
    )


def test_seed_usage_example_is_sev1_by_revenue_error_rule(book: Playbook) -> None:
    alert = AlertContext(
        service="payments",
        error_rate=62.5,
        latency_p99_ms=12000,
        affected_users_pct=45,
        is_revenue_impacting=True,
        dependent_services=("invoicing", "receipts", "analytics"),
    )
    verdict = classify(book.classifier, alert)
    assert (verdict.severity, verdict.rule) == ("SEV1", "errors-revenue")
    assert verdict.reason == "62.5% error rate on revenue service payments"


@pytest.mark.parametrize(
    ("ctx", "severity", "rule"),
    [
        (AlertContext(service="blog", is_data_loss=True), "SEV1", "data-loss"),
        (AlertContext(service="auth", is_security_event=True), "SEV1", "security-critical-service"),
        (AlertContext(service="blog", is_security_event=True), "SEV3", "security-event"),
        (AlertContext(service="auth", affected_users_pct=80), "SEV1", "users-critical-service"),
        (AlertContext(service="search", affected_users_pct=80), "SEV2", "users-many"),
        (AlertContext(service="auth", error_rate=25), "SEV2", "errors-critical-service"),
        (
            AlertContext(service="blog", error_rate=10, is_revenue_impacting=True),
            "SEV2",
            "errors-revenue-moderate",
        ),
        (
            AlertContext(service="blog", error_rate=15, dependent_services=("a", "b", "c")),
            "SEV2",
            "errors-with-dependents",
        ),
        (AlertContext(service="payments", latency_p99_ms=5000), "SEV2", "latency-critical-service"),
        (AlertContext(service="search", latency_p99_ms=5000), "SEV3", "latency-high"),
        (AlertContext(service="blog", error_rate=5), "SEV3", "errors-elevated"),
        (AlertContext(service="blog", affected_users_pct=5), "SEV3", "users-some"),
        (AlertContext(service="blog", error_rate=4.99), "SEV4", None),
    ],
)
def test_each_seed_rule_fires_at_its_threshold(
    book: Playbook, ctx: AlertContext, severity: str, rule: str | None
) -> None:
    verdict = classify(book.classifier, ctx)
    assert (verdict.severity, verdict.rule) == (severity, rule)


@settings(max_examples=400)
@given(ctx=contexts)
def test_default_rules_reproduce_seed_classifier_for_any_context(
    book: Playbook, ctx: AlertContext
) -> None:
    assert classify(book.classifier, ctx).severity == seed_classify_severity(to_seed(ctx))


@settings(max_examples=100)
@given(batch=st.lists(contexts, min_size=0, max_size=40))
def test_batch_classifier_agrees_with_scalar(book: Playbook, batch: list[AlertContext]) -> None:
    severities, rules = classify_batch(book.classifier, ContextBatch.from_contexts(batch))
    expected = [classify(book.classifier, c) for c in batch]
    assert list(severities) == [v.severity for v in expected]
    ids = [r.id for r in book.classifier.rules]
    assert [ids[i] if i >= 0 else None for i in rules] == [v.rule for v in expected]


def test_batch_of_arrays_keeps_numpy_dtypes(book: Playbook) -> None:
    batch = ContextBatch.from_contexts([AlertContext(service="auth", error_rate=30)])
    severities, rules = classify_batch(book.classifier, batch)
    assert severities.dtype.kind == "U"
    assert rules.dtype == np.int64


def test_service_in_two_tiers_is_refused() -> None:
    with pytest.raises(ValidationError, match="'auth' is in tiers"):
        Classifier.model_validate(
            {
                "service_tiers": {"critical": ["auth"], "high": ["auth"]},
                "rules": [],
                "default_severity": "SEV4",
            }
        )


def test_reason_with_unknown_placeholder_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"unknown placeholder \{colour\}"):
        Classifier.model_validate(
            {
                "rules": [{"id": "r", "severity": "SEV1", "when": {}, "reason": "{colour}"}],
                "default_severity": "SEV4",
            }
        )


def test_threshold_needs_a_bound() -> None:
    with pytest.raises(ValidationError, match="at least one of"):
        Classifier.model_validate(
            {
                "rules": [
                    {"id": "r", "severity": "SEV1", "when": {"error_rate": {}}, "reason": "x"}
                ],
                "default_severity": "SEV4",
            }
        )


# --- random rule sets: every operator, tier, service and flag branch ---------------------
# Bounds and observed values come from one small pool, so a value often equals a bound and
# gt/gte and lt/lte disagree; a few free floats keep the rest of the range honest.
POOL = [0.0, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0]
pooled = st.one_of(st.sampled_from(POOL), st.floats(min_value=0, max_value=100, allow_nan=False))
BOUNDS = ("gte", "gt", "lte", "lt")
thresholds = st.dictionaries(st.sampled_from(BOUNDS), pooled, min_size=1, max_size=4)
counts = st.dictionaries(st.sampled_from(BOUNDS), st.sampled_from([0, 1, 2, 3]), min_size=1)
TIERS = {"critical": ("payments", "auth"), "high": ("search",)}
TIER_NAMES = [*TIERS, "standard"]
RANDOM_SERVICES = ["payments", "auth", "search", "blog"]
CONDITION_FIELDS = {
    "tier": st.lists(st.sampled_from(TIER_NAMES), min_size=1, max_size=2),
    "service": st.lists(st.sampled_from(RANDOM_SERVICES), min_size=1, max_size=2),
    "error_rate": thresholds,
    "latency_p99_ms": thresholds,
    "affected_users_pct": thresholds,
    "duration_minutes": thresholds,
    "dependent_services": counts,
    "is_data_loss": st.booleans(),
    "is_security_event": st.booleans(),
    "is_revenue_impacting": st.booleans(),
}
# One or two fields per rule, so rules fire often enough for their operators to decide.
conditions = st.lists(st.sampled_from(sorted(CONDITION_FIELDS)), unique=True, max_size=2).flatmap(
    lambda names: st.fixed_dictionaries({n: CONDITION_FIELDS[n] for n in names})
)
classifiers = st.lists(
    st.tuples(conditions, st.sampled_from(["SEV1", "SEV2", "SEV3"])), max_size=6
).map(
    lambda rules: Classifier.model_validate(
        {
            "service_tiers": TIERS,
            "rules": [
                {"id": f"r{i}", "severity": sev, "when": when, "reason": "r"}
                for i, (when, sev) in enumerate(rules)
            ],
            "default_severity": "SEV4",
        }
    )
)
random_contexts = st.builds(
    AlertContext,
    service=st.sampled_from(RANDOM_SERVICES),
    error_rate=pooled,
    latency_p99_ms=pooled,
    affected_users_pct=pooled,
    duration_minutes=pooled,
    is_data_loss=st.booleans(),
    is_security_event=st.booleans(),
    is_revenue_impacting=st.booleans(),
    dependent_services=st.lists(st.sampled_from(["a", "b", "c"]), max_size=3).map(tuple),
)


@settings(max_examples=120, deadline=None)
@given(classifier=classifiers, batch=st.lists(random_contexts, max_size=30))
def test_batch_and_scalar_classifiers_agree_on_random_rule_sets(
    classifier: Classifier, batch: list[AlertContext]
) -> None:
    severities, rules = classify_batch(classifier, ContextBatch.from_contexts(batch))
    expected = [classify(classifier, c) for c in batch]
    assert list(severities) == [v.severity for v in expected]
    assert [f"r{i}" if i >= 0 else None for i in rules] == [v.rule for v in expected]


def _one_bound(bound: str, limit: float) -> Classifier:
    return Classifier.model_validate(
        {
            "rules": [{"id": "r", "severity": "SEV1", "when": {"error_rate": {bound: limit}},
                       "reason": "r"}],
            "default_severity": "SEV4",
        }
    )  # fmt: skip


@pytest.mark.parametrize(
    ("bound", "below", "at", "above"),
    # By the meaning of the words: gte and lte include the bound, gt and lt exclude it.
    [("gte", False, True, True), ("gt", False, False, True),
     ("lte", True, True, False), ("lt", True, False, False)],
)  # fmt: skip
def test_each_bound_includes_or_excludes_its_limit_in_both_forms(
    bound: str, below: bool, at: bool, above: bool
) -> None:
    classifier = _one_bound(bound, 10.0)
    batch = [AlertContext(service="x", error_rate=v) for v in (9.5, 10.0, 10.5)]
    fired = [classify(classifier, c).rule == "r" for c in batch]
    _, rules = classify_batch(classifier, ContextBatch.from_contexts(batch))
    assert fired == [below, at, above]
    assert [int(i) == 0 for i in rules] == [below, at, above]
