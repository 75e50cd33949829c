"""The game-day room an experiment opens: a ``kind: gameday`` drill (``drills/gameday.py``).

:func:`gameday_spec` reads the experiment for what the room needs: its title and description,
the target's service (``checkout`` for the bundled target, ``--service`` for your own), the
services the team may act on, and the faults its method injects, each with the service it
hurts and its cause category (the truth the team's diagnosis is judged against), and the
operations that undo them (``realops.fixes_for``, on own staging ``proxyops.proxy_fixes``: the
scripted team's truth):

==================================  ====================  =============================
method activity                     service               category
==================================  ====================  =============================
``inject_fault latency_ms``         the target            ``infrastructure``
``inject_fault error_rate``         the target            ``code_change``
``inject_fault pool_leak``          the target            ``data_or_database``
``inject_fault dependency_hang``    the target            ``dependency``
``inject_fault cpu_burn_threads``   the target            ``capacity_or_traffic``
``crash_target``                    the target            ``infrastructure``
``set_proxy_faults`` (bundled)      ``payment-gateway``   ``dependency``
``set_proxy_faults`` (own staging)  the target            ``infrastructure``
==================================  ====================  =============================

The library drill the experiment names (``extensions: [{name: drillbit, drill: ...}]``) gives
the room its participant briefing only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from drills.gameday import GameDayFault, GameDaySpec
from drills.world.ops import Operation
from drills.world.spec import Category
from scenarios.gameday.proxyops import proxy_fixes, team_actions
from scenarios.gameday.realops import fixes_for
from scenarios.target.faults import Faults

__all__ = ["BUNDLED_DEPENDENCY", "gameday_faults", "gameday_spec"]

#: The bundled target's dependency, behind the fault proxy.
BUNDLED_DEPENDENCY = "payment-gateway"

_SWITCHES: dict[str, tuple[Category, str]] = {
    "latency_ms": ("infrastructure", "every request takes {value} ms longer"),
    "error_rate": ("code_change", "a share of {value} of the requests fail"),
    "pool_leak": ("data_or_database", "database connections leak from the pool"),
    "dependency_hang": ("dependency", "calls to the payment gateway hang"),
    "cpu_burn_threads": ("capacity_or_traffic", "{value} threads burn CPU"),
}


def _method(experiment: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
    return [a for a in experiment.get("method") or [] if isinstance(a, Mapping)]


def gameday_faults(experiment: Mapping[str, Any], service: str, *, own_target: bool) -> list[GameDayFault]:
    """The faults the experiment's method injects (see the module's table), in its order."""
    faults: list[GameDayFault] = []
    for activity in _method(experiment):
        provider = activity.get("provider") or {}
        func, args = provider.get("func"), provider.get("arguments") or {}
        if func == "crash_target":
            faults.append(GameDayFault(service=service, category="infrastructure", what="the process crashes"))
        elif func == "set_proxy_faults":
            on = service if own_target else BUNDLED_DEPENDENCY
            toxics = ", ".join(f"{k}={v}" for k, v in args.items() if not str(k).endswith(("url", "file", "dir")))
            faults.append(GameDayFault(service=on, category="infrastructure" if own_target else "dependency",
                                       what=f"network faults in front of {on} ({toxics or 'proxy'})"))
        elif func == "inject_fault":
            switches = Faults.model_validate({k: v for k, v in args.items() if k in Faults.model_fields})
            for name in switches.active():
                category, words = _SWITCHES.get(name, ("infrastructure", name))
                what = words.format(value=getattr(switches, name))
                faults.append(GameDayFault(service=service, category=category, what=what))
    return faults


def _remedies(experiment: Mapping[str, Any], service: str, *, own_target: bool) -> list[dict[str, Any]]:
    """On own staging the proxy's faults are undone as the experiment's ``team_actions`` say
    (``proxyops``); on the bundled target, by its admin API (``realops``)."""
    if own_target:
        return proxy_fixes(experiment, service, team_actions(experiment))
    return fixes_for(experiment, service)


def gameday_spec(experiment: Mapping[str, Any], *, service: str, own_target: bool,
                 briefing_from: str | None) -> GameDaySpec:
    """The room's spec for ``experiment`` on the target ``service``."""
    faults = gameday_faults(experiment, service, own_target=own_target)
    services = (service,) if own_target else (service, BUNDLED_DEPENDENCY)
    return GameDaySpec(
        experiment=str(experiment.get("title") or "chaos experiment")[:300],
        description=str(experiment.get("description") or "")[:2000],
        service=service,
        services=services,
        faults=tuple(faults),
        remedies=tuple(Operation.model_validate(op) for op in _remedies(experiment, service, own_target=own_target)),
        briefing_from=briefing_from,
    )
