"""The per-instance state of the checkout service, handed to routes as a dependency."""

from __future__ import annotations

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

__all__ = ["StateDep", "TargetState", "get_state"]


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


def get_state(request: Request) -> TargetState:
    state: TargetState = request.app.state.target
    return state


StateDep = Annotated[TargetState, Depends(get_state)]
