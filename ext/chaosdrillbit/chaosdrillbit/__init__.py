"""drillbit's Chaos Toolkit extension: actions, probes and the ``drillbit-safeguard`` control.

=================  ===========================================================================
module             what
=================  ===========================================================================
``actions``        break the target or its network, start and stop load, open a drill room
``probes``         what users see, what Prometheus and Alertmanager say, halt requested
``control``        the safeguard control: vets every activity, renews fault leases, shields
                   rollbacks from signals
``vetting``        what an activity would contact, and whether that is allowed
``netguard``       the audit hook checking every connection and command of a run
``guard``          the extension's own HTTP calls, allow-listed
=================  ===========================================================================

Experiments call its functions as Python providers (``"module": "chaosdrillbit.actions"``,
``"func": "inject_fault"``). It is installed as its own distribution, ``chaosdrillbit``
(``ext/chaosdrillbit``), so ``chaos discover chaosdrillbit --no-install`` finds it; only
functions named in a module's ``__all__`` are discovered.
"""

from __future__ import annotations

import logging
from typing import Any

from chaoslib.discovery.discover import (  # type: ignore[import-untyped]
    discover_actions,
    discover_probes,
    initialize_discovery_result,
)

from scenarios.monitoring.binaries import find_binaries, version

__all__ = ["__version__", "discover", "load_exported_activities"]

__version__ = "0.2.0"

log = logging.getLogger("chaostoolkit")

ACTION_MODULES = ("chaosdrillbit.actions",)
PROBE_MODULES = ("chaosdrillbit.probes",)


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
    log.info("Discovering capabilities from chaosdrillbit")
    discovery: dict[str, Any] = initialize_discovery_result("chaosdrillbit", __version__, "drillbit")
    discovery["activities"].extend(load_exported_activities())
    if discover_system:
        binaries = find_binaries()
        discovery["system"] = {
            "allow_list_default": "127.0.0.1 and ::1 on the stack's own ports (DRILLBIT_CHAOS_ALLOW or --allow FILE replace it)",
            "controls": ["chaosdrillbit.control"],
            "prometheus": version(binaries.prometheus) if binaries else None,
            "alertmanager": version(binaries.alertmanager) if binaries else None,
        }
    return discovery
