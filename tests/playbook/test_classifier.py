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
