"""The team's actions carried out on the real system: the generic catalog, on the staging target.

A game day's team uses the same verbs as in any drill (``drills/world/ops.py``); here they land
on the bundled checkout target, over its admin API, so the team's fix is what restores the
steady state (the experiment's rollback is only the safety net at the end):

==================================  ==========================================================
verb                                on the bundled target
==================================  ==========================================================
``rollback SERVICE to VERSION``     ``PUT /admin/version`` (undoes faults that came with a
                                    release; a redeploy replaces the workers)
``restart SERVICE``                 ``POST /admin/restart`` (leaked connections reclaimed,
                                    CPU burn stopped; configuration kept); a crashed process
                                    is started again by the stack (``stack_dir``)
``set_config SERVICE KEY VALUE``    ``PATCH /admin/faults`` for ``latency_ms``, ``error_rate``,
                                    ``cpu_burn_threads``
``toggle_flag SERVICE FLAG on|off`` ``PATCH /admin/faults`` for ``pool_leak``,
                                    ``dependency_hang``
anything else                       refused, nothing sent (the target cannot scale, fail
                                    over...)
==================================  ==========================================================

:func:`request_for` is the pure mapping; :class:`RealSystem` sends (allow-list first) and keeps
every :class:`RealAction`, refused ones included, with its wall-clock time: the report's
"team's actions" and the score's "after which action". :func:`fixes_for` is what the scripted
team reads as its truth: the operations that undo the experiment's faults. On own staging the
same catalog lands on the fault proxy instead (:mod:`scenarios.gameday.proxyops`, a subclass).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from drills.world.ops import Operation
from playbook.errors import RunFailed
from scenarios.allowlist import AllowList
from scenarios.httpcall import call
from scenarios.procs import is_running
from scenarios.stack import load_state, restart_process
from scenarios.target.faults import Faults, FaultUpdate

__all__ = [
    "CONFIG_KEYS",
    "FLAGS",
    "RealAction",
    "RealSystem",
    "Unsupported",
    "fixes_for",
    "label",
    "request_for",
]

#: The target's numeric fault switches, as configuration keys.
CONFIG_KEYS = ("latency_ms", "error_rate", "cpu_burn_threads")
#: The target's boolean fault switches, as feature flags.
FLAGS = ("pool_leak", "dependency_hang")

Request = tuple[str, str, dict[str, Any] | None]


class Unsupported(RunFailed):
    """The staging system cannot carry out this operation (nothing was sent)."""


def _config_value(key: str, value: str | None) -> int | float:
    try:
        number = float(value or "")
    except ValueError:
        raise Unsupported(f"{key} takes a number, not {value!r}") from None
    return number if key == "error_rate" else int(number)


def request_for(op: Mapping[str, Any], service: str) -> Request:
    """(method, admin path, body) that carries out ``op`` (a catalog operation's fields)."""
    verb, target = op.get("verb"), op.get("target")
    if target != service:
        raise Unsupported(f"the staging system has no service {target!r} (it runs {service!r})")
    body: dict[str, Any]
    match verb:
        case "rollback":
            return "PUT", "/admin/version", {"version": op.get("version")}
        case "restart":
            return "POST", "/admin/restart", None
        case "set_config" if op.get("key") in CONFIG_KEYS:
            body = {str(op["key"]): _config_value(str(op["key"]), op.get("value"))}
        case "toggle_flag" if op.get("flag") in FLAGS and op.get("enabled") is not None:
            body = {str(op["flag"]): bool(op["enabled"])}
        case "set_config" | "toggle_flag":
            known = CONFIG_KEYS if verb == "set_config" else FLAGS
            name = op.get("key") if verb == "set_config" else op.get("flag")
            raise Unsupported(f"{service} has no {verb.split('_')[-1]} {name!r} (known: {', '.join(known)})")
        case _:
            raise Unsupported(f"the staging {service} cannot {str(verb).replace('_', ' ')}")
    try:
        FaultUpdate.model_validate(body)  # the target's own bounds, checked before sending
    except ValidationError as exc:
        raise Unsupported(f"{service} refuses {body}: {exc.errors()[0]['msg']}") from None
    return "PATCH", "/admin/faults", body


def label(op: Mapping[str, Any]) -> str:
    """The operation in words, as the room labels it (``set config checkout latency_ms=0``)."""
    try:
        return Operation.model_validate(op).label()
    except ValidationError:
        return " ".join(str(v) for v in op.values())[:200]


class RealAction(BaseModel):
    """One operation the team asked for on the real system, and what came of it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wall: datetime
    actor: str
    label: str
    operation: dict[str, Any]
    outcome: Literal["done", "refused", "failed"]
    detail: str = ""

    @property
    def done(self) -> bool:
        return self.outcome == "done"


class RealSystem:
    """The staging target as the team operates it; thread-safe, keeps every action."""

    def __init__(
        self,
        target_url: str,
        admin_token: SecretStr,
        *,
        allow: AllowList,
        service: str = "checkout",
        stack_dir: Path | None = None,
    ) -> None:
        self.target_url = allow.check_url(target_url).rstrip("/")
        self.service = service
        self.stack_dir = stack_dir
        self._token = admin_token
        self._allow = allow
        self._lock = threading.Lock()
        self.actions: list[RealAction] = []

    def carry_out(self, op: Mapping[str, Any], actor: str) -> RealAction:
        """Carry ``op`` out on the target; refused or failed operations are kept too."""
        fields = {k: v for k, v in op.items() if v is not None and k != "type"}
        outcome: Literal["done", "refused", "failed"] = "done"
        try:
            detail = self._perform(fields)
        except Unsupported as exc:
            outcome, detail = "refused", str(exc)
        except (RunFailed, ValueError) as exc:
            outcome, detail = "failed", str(exc)[:300]
        action = RealAction(
            wall=datetime.now(UTC), actor=actor, label=label(fields), operation=fields,
            outcome=outcome, detail=detail,
        )  # fmt: skip
        with self._lock:
            self.actions.append(action)
        return action

    def fixes_for(self, experiment: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The operations that undo the experiment's faults on this system (module doc)."""
        return fixes_for(experiment, self.service)

    def _perform(self, fields: Mapping[str, Any]) -> str:
        """Send what carries ``fields`` out; a summary of the answer. :class:`Unsupported`
        before anything is sent when this system cannot do it."""
        method, path, body = request_for(fields, self.service)
        started = self._start_if_down() if fields.get("verb") == "restart" else None
        answer = started or call(
            method,
            self.target_url + path,
            allow=self._allow,
            token=self._token.get_secret_value(),
            body=body,
        )
        return _summary(answer)

    def _start_if_down(self) -> dict[str, Any] | None:
        """A restart of a process that is not running (it crashed): the stack starts it again
        with its recorded command line (None when it runs: the target restarts itself)."""
        if self.stack_dir is None:
            return None
        state = load_state(self.stack_dir.resolve())
        record = None if state is None else state.processes.get("target")
        if record is None or is_running(record):
            return None
        fresh = restart_process(self.stack_dir, "target")
        return {"started": f"the stopped process was started again (pid {fresh.pid})"}


def _summary(answer: Any) -> str:
    if not isinstance(answer, dict):
        return ""
    if "started" in answer:
        return str(answer["started"])
    active = answer.get("active", answer.get("active_faults"))
    parts = [f"version {answer['version']}"] if "version" in answer else []
    if active is not None:
        parts.append(f"faults on: {', '.join(active) or 'none'}")
    return "; ".join(parts)


def fixes_for(experiment: Mapping[str, Any], service: str = "checkout") -> list[dict[str, Any]]:
    """The catalog operations that undo the faults the experiment's method injects into the
    target (the scripted team's truth). A CPU burn is fixed by a restart; faults the target
    does not hold (the proxy's) have no fix here; a crash is fixed by a restart."""
    fixes: list[dict[str, Any]] = []
    for activity in _method(experiment):
        provider = activity.get("provider") or {}
        if provider.get("func") == "crash_target":
            fixes.append({"verb": "restart", "target": service})
        if provider.get("func") != "inject_fault":
            continue
        args = provider.get("arguments") or {}
        switches = Faults.model_validate({k: v for k, v in args.items() if k in Faults.model_fields})
        for name in switches.active():
            if name == "cpu_burn_threads":
                fix: dict[str, Any] = {"verb": "restart", "target": service}
            elif name in FLAGS:
                fix = {"verb": "toggle_flag", "target": service, "flag": name, "enabled": False}
            else:
                fix = {"verb": "set_config", "target": service, "key": name, "value": "0"}
            if fix not in fixes:
                fixes.append(fix)
    return fixes


def _method(experiment: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    method = experiment.get("method") or []
    return [a for a in method if isinstance(a, Mapping)]
