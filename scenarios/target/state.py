"""The per-instance state of the checkout service, handed to routes as a dependency."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

import httpx
from fastapi import Depends, Request

from scenarios.lease import Lease
from scenarios.target.burn import CpuBurner
from scenarios.target.faults import Faults
from scenarios.target.metrics import TargetMetrics
from scenarios.target.pool import ConnectionPool
from scenarios.target.settings import TargetSettings

__all__ = ["Releases", "StateDep", "TargetState", "apply_faults", "get_state"]

log = logging.getLogger("drillbit.target")


@dataclass
class Releases:
    """The running version and the deploys stacked on the versions before it."""

    version: str
    previous: tuple[str, ...] = ()
    #: (version before the deploy, the switches then), oldest first
    stack: list[tuple[str, Faults]] = field(default_factory=list)
    restarts: int = 0

    def known(self) -> list[str]:
        """Versions this service may be deployed to (the running one included)."""
        seen = [*self.previous, *(v for v, _ in self.stack), self.version]
        return list(dict.fromkeys(seen))


@dataclass
class TargetState:
    """Everything a request handler of one service instance may touch."""

    settings: TargetSettings
    pool: ConnectionPool
    metrics: TargetMetrics
    gateway: httpx.AsyncClient | None
    rng: random.Random
    exit_process: Callable[[int], object]
    burner: CpuBurner = field(default_factory=CpuBurner)
    faults: Faults = field(default_factory=Faults)
    lease: Lease | None = None
    releases: Releases = field(default_factory=lambda: Releases(version="v1"))


def get_state(request: Request) -> TargetState:
    state: TargetState = request.app.state.target
    return state


StateDep = Annotated[TargetState, Depends(get_state)]


def apply_faults(state: TargetState, faults: Faults) -> int:
    """Switch to ``faults`` (blocking: joins burn threads). Returns reclaimed connections."""
    state.faults = faults
    state.pool.leak = faults.pool_leak
    state.burner.set_threads(faults.cpu_burn_threads)
    reclaimed = 0 if faults.pool_leak else state.pool.reclaim_leaked()
    log.warning("faults now %s (reclaimed %d connections)", faults.active() or "none", reclaimed)
    return reclaimed
