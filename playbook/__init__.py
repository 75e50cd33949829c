"""playbook: the incident process as code, shared by the simulator, drills and web UI.

Pure and typed: severity levels and the classifier, roles, on-call schedules, escalation
policies, templates, the incident event vocabulary and process metrics, loaded from YAML.
Everything else in drillbit imports it; it imports none of them.

Names are imported on first use (PEP 562), so ``import playbook.errors`` or
``playbook.model`` does not pay for numpy, Jinja or the event vocabulary: the CLI's light
commands start in a fraction of the time.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playbook.classifier import (
        Classification,
        Classifier,
        Condition,
        ContextBatch,
        Rule,
        Threshold,
        classify,
        classify_batch,
    )
    from playbook.context import (
        AlertContext,
    )
    from playbook.coverage import (
        PersonLoad,
        ScheduleReport,
        coverage_warnings,
        render_cost,
        report_handoffs,
        schedule_report,
    )
    from playbook.errors import (
        DrillbitError,
        InvalidDefinition,
        RunFailed,
    )
    from playbook.escalation import (
        EscalationPolicy,
        EscalationRule,
        Notification,
        PagedNotification,
        Target,
        escalation_timeline,
        paged_timeline,
        resolve_targets,
        skipped_delay,
        upgraded_timeline,
    )
    from playbook.events import (
        Acknowledged,
        ActionItem,
        AlertFired,
        AlertResolved,
        Escalated,
        EventBase,
        ImpactStarted,
        IncidentDeclared,
        IncidentEvent,
        Mitigated,
        MitigationApplied,
        NoteAdded,
        PageSent,
        PostmortemWritten,
        Resolved,
        RoleAssigned,
        SeverityChanged,
        UpdatePosted,
        event_adapter,
        events_adapter,
        first,
        sort_events,
    )
    from playbook.loader import (
        BadReference,
        LineMap,
        load_model,
        parse_yaml,
        validate_data,
    )
    from playbook.metrics import (
        DEFAULT_SEVERITY_ORDER,
        POSTMORTEM_REQUIRED,
        ActionItemStats,
        Bucket,
        IncidentRecord,
        ProcessMetrics,
        SeverityMetrics,
        action_item_stats,
        bucket_of,
        count_interruptions,
        incident_record,
        interruption_starts,
        off_hours_pages,
        pages_per_shift,
        summarize,
        time_to_acknowledge,
        time_to_declare,
        time_to_detect,
        time_to_mitigate,
        time_to_resolve,
    )
    from playbook.model import (
        DEFAULT_PLAYBOOK_PATH,
        Person,
        Playbook,
        default_playbook,
        load_playbook,
    )
    from playbook.roles import (
        Role,
        RoleSpec,
        role_conflicts,
    )
    from playbook.rubric import (
        CRITERIA,
        DEFAULT_RUBRIC_PATH,
        BannedPhrase,
        ContentRules,
        Criterion,
        CriterionId,
        Parameters,
        Rating,
        Ratings,
        Rubric,
        default_rubric,
        load_rubric,
    )
    from playbook.safeyaml import (
        MAX_BYTES,
        MAX_DEPTH,
        MAX_NODES,
        check_yaml_file,
        decode_definition,
        dotted,
        read_definition,
        safe_load,
    )
    from playbook.schedules import (
        Layer,
        Override,
        Restriction,
        Schedule,
        Shift,
        coverage_spans,
        layer_on_call,
        layer_shifts,
        lint_schedule,
        on_call_at,
        render,
        shadowed_layers,
    )
    from playbook.services import (
        ConstantUrgency,
        Service,
        SupportHours,
        UrgencyRule,
        urgency_at,
    )
    from playbook.severity import (
        Comms,
        SeverityLevel,
        more_severe,
        severity_rank,
    )
    from playbook.templates import (
        POSTMORTEM_SECTIONS,
        TemplateSet,
        channel_name,
        default_sources,
        format_duration,
        format_utc,
        missing_sections,
    )

__all__ = [
    "CRITERIA",
    "DEFAULT_PLAYBOOK_PATH",
    "DEFAULT_RUBRIC_PATH",
    "DEFAULT_SEVERITY_ORDER",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "POSTMORTEM_REQUIRED",
    "POSTMORTEM_SECTIONS",
    "Acknowledged",
    "ActionItem",
    "ActionItemStats",
    "AlertContext",
    "AlertFired",
    "AlertResolved",
    "BadReference",
    "BannedPhrase",
    "Bucket",
    "Classification",
    "Classifier",
    "Comms",
    "Condition",
    "ConstantUrgency",
    "ContentRules",
    "ContextBatch",
    "Criterion",
    "CriterionId",
    "DrillbitError",
    "Escalated",
    "EscalationPolicy",
    "EscalationRule",
    "EventBase",
    "ImpactStarted",
    "IncidentDeclared",
    "IncidentEvent",
    "IncidentRecord",
    "InvalidDefinition",
    "Layer",
    "LineMap",
    "Mitigated",
    "MitigationApplied",
    "NoteAdded",
    "Notification",
    "Override",
    "PageSent",
    "PagedNotification",
    "Parameters",
    "Person",
    "PersonLoad",
    "Playbook",
    "PostmortemWritten",
    "ProcessMetrics",
    "Rating",
    "Ratings",
    "Resolved",
    "Restriction",
    "Role",
    "RoleAssigned",
    "RoleSpec",
    "Rubric",
    "Rule",
    "RunFailed",
    "Schedule",
    "ScheduleReport",
    "Service",
    "SeverityChanged",
    "SeverityLevel",
    "SeverityMetrics",
    "Shift",
    "SupportHours",
    "Target",
    "TemplateSet",
    "Threshold",
    "UpdatePosted",
    "UrgencyRule",
    "action_item_stats",
    "bucket_of",
    "channel_name",
    "check_yaml_file",
    "classify",
    "classify_batch",
    "count_interruptions",
    "coverage_spans",
    "coverage_warnings",
    "decode_definition",
    "default_playbook",
    "default_rubric",
    "default_sources",
    "dotted",
    "escalation_timeline",
    "event_adapter",
    "events_adapter",
    "first",
    "format_duration",
    "format_utc",
    "incident_record",
    "interruption_starts",
    "layer_on_call",
    "layer_shifts",
    "lint_schedule",
    "load_model",
    "load_playbook",
    "load_rubric",
    "missing_sections",
    "more_severe",
    "off_hours_pages",
    "on_call_at",
    "paged_timeline",
    "pages_per_shift",
    "parse_yaml",
    "read_definition",
    "render",
    "render_cost",
    "report_handoffs",
    "resolve_targets",
    "role_conflicts",
    "safe_load",
    "schedule_report",
    "severity_rank",
    "shadowed_layers",
    "skipped_delay",
    "sort_events",
    "summarize",
    "time_to_acknowledge",
    "time_to_declare",
    "time_to_detect",
    "time_to_mitigate",
    "time_to_resolve",
    "upgraded_timeline",
    "urgency_at",
    "validate_data",
]

_MODULES = (
    "classifier",
    "context",
    "coverage",
    "errors",
    "escalation",
    "events",
    "loader",
    "metrics",
    "model",
    "roles",
    "rubric",
    "safeyaml",
    "schedules",
    "services",
    "severity",
    "templates",
)


def __getattr__(name: str) -> Any:
    """The exported ``name``, imported from the submodule that declares it."""
    if name not in __all__:
        raise AttributeError(f"module 'playbook' has no attribute {name!r}")
    for module_name in _MODULES:
        module = importlib.import_module(f"playbook.{module_name}")
        if name in module.__all__:
            value = getattr(module, name)
            globals()[name] = value
            return value
    raise AttributeError(f"no module of playbook declares {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
