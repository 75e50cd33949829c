"""Stop conditions, AWS FIS style: alerts or probes that halt an experiment when they trip.

An experiment names them in its ``drillbit`` extension::

    extensions:
      - name: drillbit
        stop_conditions:
          alerts: [ServiceDown, CheckoutHighErrorBudgetBurn]   # halt if one is firing
          probes:                                              # halt if one's tolerance fails
            - type: probe
              name: orders-still-answer
              tolerance: 200
              provider: {type: http, url: "${target_url}/orders"}
          frequency: 1                                         # seconds between checks

Each alert becomes a probe counting that alert's firing series in Prometheus
(``chaosdrillbit.probes.alert_firing_count`` on the experiment's ``${prometheus_url}``,
tolerance 0); a probe without ``frequency`` or ``background`` is checked every
``frequency`` seconds. They run as chaostoolkit-addons *safeguards*
(``chaosaddons.controls.safeguards``): when one trips, the experiment is interrupted, its
rollbacks run, and the journal's ``safeguards.triggered_by`` names it. ``drillbit-safeguard``
installs them when it is configured (:func:`install`), into the experiment's own safeguards
control if it declares one (one guardian per run), else as a control of their own; every
stop-condition probe is vetted against the allow-list like any activity.
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

from playbook.errors import InvalidDefinition

__all__ = ["SAFEGUARDS_MODULE", "STOP_CONTROL", "install", "stop_conditions", "stop_probes"]

SAFEGUARDS_MODULE = "chaosaddons.controls.safeguards"
#: The name of the control :func:`install` adds when the experiment declares no safeguards.
STOP_CONTROL = "drillbit-stop-conditions"
_ALERT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,199}$")
_KEYS = {"alerts", "probes", "frequency"}


def stop_conditions(experiment: dict[str, Any]) -> dict[str, Any]:
    """The ``stop_conditions`` of the experiment's ``drillbit`` extension (``{}``: none)."""
    for extension in experiment.get("extensions") or ():
        if isinstance(extension, dict) and extension.get("name") == "drillbit":
            conditions = extension.get("stop_conditions") or {}
            if not isinstance(conditions, dict):
                raise InvalidDefinition("must be a mapping of alerts, probes, frequency", field="stop_conditions")
            return conditions
    return {}


def _frequency(conditions: dict[str, Any]) -> float:
    frequency = conditions.get("frequency", 1)
    if isinstance(frequency, bool) or not isinstance(frequency, int | float) or not 0.1 <= frequency <= 3600:
        raise InvalidDefinition("must be a number of seconds from 0.1 to 3600", field="stop_conditions.frequency")
    return float(frequency)


def stop_probes(experiment: dict[str, Any]) -> list[dict[str, Any]]:
    """The safeguard probes the stop conditions mean, in order (alerts first). Pure; raises
    :class:`InvalidDefinition` naming the field when the syntax is wrong."""
    conditions = stop_conditions(experiment)
    unknown = sorted(set(conditions) - _KEYS)
    if unknown:
        raise InvalidDefinition(f"unknown key {unknown[0]!r} (known: alerts, probes, frequency)", field="stop_conditions")
    frequency = _frequency(conditions)
    alerts = conditions.get("alerts") or []
    probes = conditions.get("probes") or []
    if not isinstance(alerts, list) or not all(isinstance(a, str) and _ALERT_NAME.match(a) for a in alerts):
        raise InvalidDefinition("must be a list of alert names", field="stop_conditions.alerts")
    if not isinstance(probes, list):
        raise InvalidDefinition("must be a list of probes", field="stop_conditions.probes")
    out: list[dict[str, Any]] = [
        {
            "type": "probe",
            "name": f"stop-if-{alert}-fires",
            "frequency": frequency,
            "tolerance": 0,
            "provider": {
                "type": "python",
                "module": "chaosdrillbit.probes",
                "func": "alert_firing_count",
                "arguments": {"prometheus_url": "${prometheus_url}", "alertname": alert},
            },
        }
        for alert in alerts
    ]
    for index, probe in enumerate(probes):
        where = f"stop_conditions.probes[{index}]"
        if not isinstance(probe, dict) or probe.get("type") != "probe" or not probe.get("name"):
            raise InvalidDefinition("must be a probe with a name", field=where)
        if "tolerance" not in probe:
            raise InvalidDefinition("needs a tolerance (when it fails, the experiment stops)", field=where)
        copied = deepcopy(probe)
        if "frequency" not in copied and "background" not in copied:
            copied["frequency"] = frequency
        out.append(copied)
    return out


def install(experiment: dict[str, Any] | None) -> tuple[list[dict[str, Any]], bool]:
    """Put the stop-condition probes into ``experiment`` (in place).

    Into its own safeguards control if it declares one (Chaos Toolkit configures it after
    ``drillbit-safeguard``, which comes first, with these arguments), else as a new
    :data:`STOP_CONTROL`; returns (the probes, whether that new control was added: the
    caller must then configure it, since Chaos Toolkit has already listed what to configure).
    """
    if not experiment:
        return [], False
    probes = stop_probes(experiment)
    if not probes:
        return [], False
    controls: list[dict[str, Any]] = experiment.setdefault("controls", [])
    for control in controls:
        provider = control.get("provider") or {}
        if provider.get("module") == SAFEGUARDS_MODULE:
            arguments = provider.setdefault("arguments", {})
            arguments["probes"] = [*(arguments.get("probes") or []), *probes]
            return probes, False
    controls.append(
        {"name": STOP_CONTROL, "provider": {"type": "python", "module": SAFEGUARDS_MODULE, "arguments": {"probes": probes}}}
    )
    return probes, True
