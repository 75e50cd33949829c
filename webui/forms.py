"""Browser forms as engine inputs: an action of a participant, an ad-hoc inject, a room request.

The engine's own models validate the result (``action_adapter``, the script's inject types),
so a form can never do more than the JSON API; these functions only reshape flat form fields.
"""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from drills.actions import Action, action_adapter
from drills.world.ops import VERBS
from playbook.context import AlertContext
from playbook.errors import InvalidDefinition
from webui.security import CSRF_FIELD

__all__ = ["action_from_form", "inject_from_form", "inject_from_request", "inject_id", "observation_from_form"]

# Optional fields a form sends empty when the user leaves them blank.
_BLANK_MEANS_DEFAULT = {"alert_id", "target", "person", "param", "service", "text", "level", "name"}
_NUMBERS = ("error_rate", "latency_p99_ms", "affected_users_pct", "saturation_pct")
_CHECKS = ("is_revenue_impacting", "is_data_loss", "is_security_event")
_TEXT = 10_000


def action_from_form(form: Mapping[str, str], *, actor: str) -> Action:
    """The action a participant's form describes.

    A role form without ``person`` is about the actor themself; a ``prefix`` field labels a
    note (``Decision: roll back``); ``confirm`` (a destructive action's confirmation) is the
    route's business, not the action's.
    """
    data: dict[str, Any] = {
        key: value
        for key, value in form.items()
        if key not in (CSRF_FIELD, "confirm") and not (key in _BLANK_MEANS_DEFAULT and not value.strip())
    }
    if data.get("type") in ("assign_role", "release_role") and "person" not in data:
        data["person"] = actor
    prefix = str(data.pop("prefix", "")).strip()[:40]
    if prefix and str(data.get("text", "")).strip():
        data["text"] = f"{prefix}: {data['text']}"
    if data.get("type") == "operate":
        _operation_param(data)
    elif data.get("type") == "look" and data.get("evidence") == "runbook" and "text" in data:
        data["name"] = data.pop("text")
    return action_adapter.validate_python(data)


def _operation_param(data: dict[str, Any]) -> None:
    """The generic form's one ``param`` box as the field its verb needs (``flag on``, ``key=value``)."""
    param = str(data.pop("param", "")).strip()
    need = VERBS.get(str(data.get("verb")), (None, ""))[0]
    if need is None or not param:
        return
    if need == "flag":
        name, _, state = param.partition(" ")
        data["flag"], data["enabled"] = name, state.strip().lower() in ("on", "true", "1", "enable")
    elif need == "key":
        key, _, value = param.partition("=")
        data["key"], data["value"] = key.strip(), value.strip()
    else:
        data[need] = param


_OBSERVED = ("error_rate", "latency_p99_ms", "affected_users_pct", "duration_minutes")


def observation_from_form(
    form: Mapping[str, str], dependents: Sequence[str], *, services: Sequence[str]
) -> AlertContext | None:
    """What a participant observed, as the classifier's input (None: nothing entered yet).

    The service must be one of the drill's; blank numbers are 0 and unticked boxes false,
    as in an alert that does not report them. Out-of-range numbers fail the context's own
    validation (422).
    """
    numbers = {name: _number(form, name) for name in _OBSERVED}
    for name, value in numbers.items():
        if value is not None and not math.isfinite(value):
            raise InvalidDefinition(f"{name} must be a finite number", field=name)
    flags = {name: bool(form.get(name)) for name in _CHECKS}
    if all(v is None for v in numbers.values()) and not any(flags.values()) and not dependents:
        return None
    service = form.get("service", "").strip()
    if service not in services:
        raise InvalidDefinition(f"no service {service[:40]!r} in this drill (known: {', '.join(services)})",
                                field="service")
    unknown = [d for d in dependents if d not in services]
    if unknown:
        raise InvalidDefinition(f"no service {unknown[0][:40]!r} in this drill", field="dependent")
    return AlertContext(
        service=service,
        dependent_services=tuple(dict.fromkeys(d for d in dependents if d != service)),
        **{name: value for name, value in numbers.items() if value is not None},
        **flags,
    )


def inject_id(name: str) -> str:
    """A fresh inject id from a human name (``Checkout latency`` -> ``checkout-latency-1a2b3c``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "inject"
    return f"{slug}-{secrets.token_hex(3)}"


def _number(form: Mapping[str, str], name: str) -> float | None:
    raw = form.get(name, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidDefinition(f"{name} must be a number, got {raw[:40]!r}", field=name) from None


def _text(form: Mapping[str, str], name: str, what: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise InvalidDefinition(f"{what} is required", field=name)
    return value[:_TEXT]


def inject_from_form(form: Mapping[str, str]) -> dict[str, Any]:
    """An inject spec (the drill script's format) from the facilitator's inject form."""
    kind = form.get("type", "")
    service = form.get("service", "").strip() or "unknown"
    who = form.get("who", "").strip()
    spec: dict[str, Any] = {"type": kind, "id": inject_id(kind or "inject"), "at": 0}
    match kind:
        case "alert":
            context: dict[str, Any] = {"service": service}
            for name in ("error_rate", "latency_p99_ms", "affected_users_pct"):
                value = _number(form, name)
                if value is not None:
                    context[name] = value
            for name in _CHECKS:
                if form.get(name):
                    context[name] = True
            spec |= {"summary": _text(form, "text", "a summary"), "context": context}
        case "log":
            spec |= {"service": service, "level": form.get("level") or "error", "line": _text(form, "text", "a log line")}
        case "customer_report":
            spec |= {"customer": who or "A customer", "text": _text(form, "text", "the report")}
        case "exec_message":
            spec |= {"sender": who or "VP Engineering", "text": _text(form, "text", "the message")}
        case "deploy":
            spec |= {"service": service, "version": _text(form, "version", "a version"),
                     "by": who, "change": form.get("text", "").strip()[:_TEXT]}
        case "metrics":
            values = {name: v for name in _NUMBERS if name != "affected_users_pct"
                      and (v := _number(form, name)) is not None}
            if not values:
                raise InvalidDefinition("a metric snapshot needs at least one value", field="error_rate")
            spec |= {"service": service, "values": values}
        case _:
            raise InvalidDefinition(f"unknown inject type {kind!r}", field="type")
    return spec


def inject_from_request(name: str, detail: Mapping[str, Any]) -> dict[str, Any]:
    """An inject spec from the API's ``{inject, detail}``.

    With a ``type`` in ``detail``, ``detail`` is a drill-script inject (``id`` and ``at``
    optional); otherwise the named event and its details reach the team as a log line.
    """
    if "type" in detail:
        return {**detail, "id": detail.get("id") or inject_id(name), "at": detail.get("at", 0)}
    service = str(detail.get("service") or "game-day")[:200]
    extra = ", ".join(f"{k}={v}" for k, v in detail.items() if k != "service")
    line = f"{name}: {extra}" if extra else name
    return {"type": "log", "id": inject_id(name), "at": 0, "service": service, "level": "info", "line": line[:_TEXT]}
