"""``drillbit-safeguard``: a Chaos Toolkit control that vets every activity before it runs.

Declare it (``drillbit gameday run`` always adds it)::

    controls:
      - name: drillbit-safeguard
        provider: {type: python, module: chaosdrillbit.control}

What it does, by Chaos Toolkit hook:

* ``configure_control``: reads the operator's allow-list (:mod:`scenarios.chaosallow`: only
  ``DRILLBIT_CHAOS_ALLOW``, the allow file or the stack's own ports, never the experiment)
  and starts :mod:`chaosdrillbit.netguard` (every connection and command of the process is
  checked); SIGHUP now interrupts the run like SIGTERM (rollbacks run);
* ``before_activity_control``: every probe, action and rollback, whatever its provider
  (``http``, ``process``, ``python``), is vetted (:func:`chaosdrillbit.vetting.vet`). A
  refused activity sends nothing: in the steady state or the method the experiment is
  interrupted (:class:`InterruptExecution`; rollbacks still run), in the rollbacks the
  activity is replaced by one that fails with the reason, and the other rollbacks run. An
  allowed ``http`` provider is pinned to the address its host resolved to;
* ``configure_control`` also installs the stop conditions the experiment names in its
  ``drillbit`` extension (alerts or probes, AWS FIS style) as chaostoolkit-addons safeguards
  (:mod:`chaosdrillbit.stops`): one trips, the experiment is interrupted, rollbacks run;
* ``before_experiment_control``: renews the stack's fault leases every ``lease_seconds / 3``
  (:func:`scenarios.faultstate.renew_leases`) until the experiment ends, so faults expire on
  their own if this process dies;
* ``before_rollback_control`` / ``after_rollback_control``: while rollbacks run, Ctrl-C,
  SIGTERM and SIGHUP are ignored with a message, so the rollbacks finish;
* ``after_experiment_control``: records what was refused in the journal
  (``drillbit_safeguard``).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from chaosaddons.controls import safeguards  # type: ignore[import-untyped]
from chaoslib.exceptions import ActivityFailed, InterruptExecution  # type: ignore[import-untyped]

from chaosdrillbit import netguard, stops
from chaosdrillbit.vetting import vet
from playbook.errors import DrillbitError
from scenarios.chaosallow import STACK_DIR_ENV, OperatorAllow, operator_allow
from scenarios.faultstate import renew_leases
from scenarios.lease import DEFAULT_LEASE_SECONDS
from scenarios.stack import DEFAULT_RUN_DIR

__all__ = [
    "CONTROL",
    "after_experiment_control",
    "after_rollback_control",
    "before_activity_control",
    "before_experiment_control",
    "before_rollback_control",
    "cleanup_control",
    "configure_control",
    "refused",
]

log = logging.getLogger("chaostoolkit")

#: The control declaration drillbit adds to every experiment it runs.
CONTROL: dict[str, Any] = {
    "name": "drillbit-safeguard",
    "provider": {"type": "python", "module": "chaosdrillbit.control"},
}
_SHIELDED = ("SIGINT", "SIGTERM", "SIGHUP")


@dataclass
class _Run:
    allow: OperatorAllow | None = None
    error: str | None = None
    in_rollbacks: bool = False
    refusals: list[dict[str, str]] = field(default_factory=list)
    renewing: threading.Event = field(default_factory=threading.Event)
    renewer: threading.Thread | None = None
    saved_signals: dict[int, Any] = field(default_factory=dict)
    saved_sighup: Any = None


_run = _Run()


def refused(reason: str) -> None:
    """The stand-in for a refused rollback: fails with the reason, sends nothing."""
    raise ActivityFailed(f"refused by drillbit-safeguard: {reason}")


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _hangup(signum: int, frame: FrameType | None) -> None:
    log.warning("Caught SIGHUP (terminal closed?): interrupting the experiment; rollbacks run")
    raise InterruptExecution("SIGHUP signal received")


def configure_control(experiment: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    """Load the operator's allow-list and start checking every connection and command;
    install the experiment's stop conditions (:mod:`chaosdrillbit.stops`)."""
    global _run  # noqa: PLW0603 - Chaos Toolkit calls module functions: one run per process
    _run = _Run()
    try:
        _run.allow = operator_allow()
        probes, added = stops.install(experiment)
    except DrillbitError as exc:
        _run.error = str(exc)
        log.error("drillbit-safeguard: %s: every activity will be refused", exc)
        return
    if added:
        safeguards.configure_control(probes=probes)
    if probes:
        log.info("drillbit-safeguard: stop conditions: %s", ", ".join(p["name"] for p in probes))
    netguard.activate(_run.allow)
    log.info("drillbit-safeguard: allow-list from %s: %s", _run.allow.source, ", ".join(_run.allow.targets.entries) or "nothing")
    if _main_thread() and hasattr(signal, "SIGHUP"):
        _run.saved_sighup = signal.signal(signal.SIGHUP, _hangup)


def cleanup_control() -> None:
    _stop_renewing()
    if _run.allow is not None:
        netguard.deactivate(_run.allow)
    if _run.saved_sighup is not None and _main_thread():
        signal.signal(signal.SIGHUP, _run.saved_sighup)
        _run.saved_sighup = None


def _stack_dir() -> Path:
    return Path(os.environ.get(STACK_DIR_ENV) or DEFAULT_RUN_DIR)


def _renew_loop(stop: threading.Event, stack_dir: Path, seconds: float) -> None:
    while not stop.wait(seconds / 3):
        try:
            renew_leases(stack_dir, seconds)
        except Exception as exc:  # a missed renewal shortens the fault; it must not stop the run
            log.warning("drillbit-safeguard: could not renew the fault leases: %s", exc)


def before_experiment_control(context: Any = None, lease_seconds: float = DEFAULT_LEASE_SECONDS, **_kwargs: Any) -> None:
    """Start renewing the stack's fault leases while the experiment runs."""
    stack_dir = _stack_dir()
    if not (stack_dir / "state.json").exists():
        return
    _run.renewing.clear()
    _run.renewer = threading.Thread(
        target=_renew_loop, args=(_run.renewing, stack_dir, float(lease_seconds)), name="drillbit-lease", daemon=True
    )
    _run.renewer.start()


def _stop_renewing() -> None:
    _run.renewing.set()
    if _run.renewer is not None:
        _run.renewer.join(timeout=5)
        _run.renewer = None


def before_activity_control(
    context: dict[str, Any],
    configuration: dict[str, Any] | None = None,
    secrets: dict[str, Any] | None = None,
    **_kwargs: Any,
) -> None:
    """Vet ``context`` (the activity) before it runs; see the module doc."""
    activity = context
    if _run.allow is None:
        reasons: tuple[str, ...] = (_run.error or "the safeguard is not configured",)
        pinned = None
    else:
        vetting = vet(activity, configuration or {}, secrets or {}, _run.allow)
        reasons, pinned = vetting.refused, vetting
    if not reasons:
        if pinned is not None and pinned.pinned_url is not None:
            provider = activity["provider"]
            provider["url"] = pinned.pinned_url
            if pinned.host_header:
                provider["headers"] = {**(provider.get("headers") or {}), "Host": pinned.host_header}
        return
    reason = "; ".join(reasons)
    _run.refusals.append({"activity": str(activity.get("name")), "reason": reason})
    log.error("drillbit-safeguard refused %s %r: %s", activity.get("type"), activity.get("name"), reason)
    if _run.in_rollbacks:
        activity["provider"] = {
            "type": "python",
            "module": "chaosdrillbit.control",
            "func": "refused",
            "arguments": {"reason": reason},
        }
        return
    raise InterruptExecution(f"drillbit-safeguard refused {activity.get('name')!r}: {reason}")


def _ignore(signum: int, frame: FrameType | None) -> None:
    print(
        f"\n{signal.Signals(signum).name} ignored: the rollbacks are running and will finish",
        file=sys.stderr,
        flush=True,
    )


def before_rollback_control(**_kwargs: Any) -> None:
    """From here on refused activities fail alone, and signals cannot cut the rollbacks."""
    _run.in_rollbacks = True
    if _main_thread():
        for name in _SHIELDED:
            if hasattr(signal, name):
                number = getattr(signal, name)
                _run.saved_signals[number] = signal.signal(number, _ignore)


def after_rollback_control(**_kwargs: Any) -> None:
    if _main_thread():
        for number, handler in _run.saved_signals.items():
            signal.signal(number, handler)
    _run.saved_signals.clear()


def after_experiment_control(context: Any = None, state: dict[str, Any] | None = None, **_kwargs: Any) -> None:
    """Stop renewing leases; record the refusals and the allow-list's source in the journal."""
    _stop_renewing()
    if isinstance(state, dict):
        state["drillbit_safeguard"] = {
            "allow_list": _run.allow.source if _run.allow else None,
            "refused": list(_run.refusals),
            "connections_refused": netguard.refusals(),
        }
