"""drillbit's Chaos Toolkit extension: actions and probes for the staging target.

Experiments call its functions as Python providers (``"module": "scenarios.chaosdrill.actions"``,
``"func": "inject_fault"``). :func:`discover` and :func:`load_exported_activities` follow Chaos
Toolkit's extension convention; only functions named in a module's ``__all__`` are
discovered.

Note: ``chaos discover`` finds extensions by *distribution* name, and this package ships inside
the ``drillbit`` distribution (several top-level packages), so call :func:`discover` from
Python; the activities themselves run with the stock ``chaos run``.
"""

from __future__ import annotations

import logging
from typing import Any

from chaoslib.discovery.discover import (  # type: ignore[import-untyped]
    discover_actions,
    discover_probes,
    initialize_discovery_result,
)

from scenarios.allowlist import LOOPBACK
from scenarios.monitoring.binaries import find_binaries, version

__all__ = ["__version__", "discover", "load_exported_activities"]

__version__ = "0.1.0"

log = logging.getLogger("chaostoolkit")

ACTION_MODULES = ("scenarios.chaosdrill.actions",)
PROBE_MODULES = ("scenarios.chaosdrill.probes",)


def load_exported_activities() -> list[dict[str, Any]]:
    """Every action and probe this extension exports (per module ``__all__``)."""
    activities: list[dict[str, Any]] = []
    for module in ACTION_MODULES:
        activities.extend(discover_actions(module))
    for module in PROBE_MODULES:
        activities.extend(discover_probes(module))
    return activities


def discover(discover_system: bool = True) -> dict[str, Any]:
    """Chaos Toolkit discovery: the activities, and (optionally) this machine's monitoring.

    System discovery sends no traffic: it reports the default allow-list and the Prometheus
    and Alertmanager binaries found on ``PATH``.
    """
    log.info("Discovering capabilities from drillbit scenarios")
    discovery: dict[str, Any] = initialize_discovery_result(
        "drillbit-scenarios", __version__, "drillbit"
    )
    discovery["activities"].extend(load_exported_activities())
    if discover_system:
        binaries = find_binaries()
        discovery["system"] = {
            "allow_list_default": list(LOOPBACK),
            "prometheus": version(binaries.prometheus) if binaries else None,
            "alertmanager": version(binaries.alertmanager) if binaries else None,
        }
    return discovery
