"""The fault switches of the checkout service, behind ``Authorization: Bearer <admin token>``.

==========  ==================  ==========================================================
``GET``     ``/admin/faults``   the switches, the active ones, and the pool
``PUT``     ``/admin/faults``   set every switch (a full :class:`Faults` body)
``PATCH``   ``/admin/faults``   change some switches (:class:`FaultUpdate`)
``DELETE``  ``/admin/faults``   clear every switch and reclaim leaked connections
``POST``    ``/admin/lease``    renew the faults' lease (:class:`LeaseRenewal`)
``POST``    ``/admin/crash``    answer 202, then end the process abruptly (exit code 70)
==========  ==================  ==========================================================

``PUT`` and ``PATCH`` take ``?release=VERSION``: the switches then come with a deploy of that
version, which a rollback undoes (:mod:`.releases`, with the version and restart routes).

Faults switched on hold a lease (``?lease_seconds=``, default 30 s): unless renewed they are
cleared by :func:`expire_leases`, so a fault never outlives the experiment that set it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, SecretStr

from scenarios.bearer import bearer_guard
from scenarios.lease import DEFAULT_LEASE_SECONDS, MAX_LEASE_SECONDS, Lease, LeaseRenewal
from scenarios.target.faults import Faults, FaultUpdate
from scenarios.target.pool import PoolStats
from scenarios.target.releases import deploy_release
from scenarios.target.settings import VERSION_PATTERN
from scenarios.target.state import StateDep, TargetState, apply_faults

__all__ = ["CRASH_EXIT_CODE", "FaultReport", "admin_router", "apply_faults", "expire_leases"]

log = logging.getLogger("drillbit.target")

#: The exit code of an injected crash (EX_SOFTWARE), so logs tell it from a real failure.
CRASH_EXIT_CODE = 70
#: Delay between answering the crash request and dying, so the answer gets out.
CRASH_DELAY_SECONDS = 0.2


class FaultReport(BaseModel):
    """What the admin API answers: the switches, which are on, and the pool."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    faults: Faults
    active: list[str]
    pool: PoolStats
    lease: Lease | None = None
    reclaimed_connections: int = 0


class CrashReport(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    exit_code: int
    exiting_in_seconds: float


def _report(state: TargetState, reclaimed: int = 0) -> FaultReport:
    return FaultReport(
        faults=state.faults,
        active=state.faults.active(),
        pool=state.pool.stats(),
        lease=state.lease,
        reclaimed_connections=reclaimed,
    )


def _now() -> datetime:
    return datetime.now(UTC)


def _leased(state: TargetState, faults: Faults, seconds: float) -> int:
    reclaimed = apply_faults(state, faults)
    state.lease = Lease.granted(_now(), seconds) if faults.active() else None
    return reclaimed


async def expire_leases(state: TargetState, interval: float = 0.2) -> None:
    """Clear the faults whose lease ran out (runs for the life of the service)."""
    while True:
        await asyncio.sleep(interval)
        lease = state.lease
        if lease is not None and lease.expired(_now()):
            log.warning("fault lease expired at %s: clearing the faults", lease.expires_at)
            await run_in_threadpool(_leased, state, Faults(), 0)


LeaseSeconds = Annotated[float, Query(gt=0, le=MAX_LEASE_SECONDS)]
#: ``?release=v1.4.3``: the switches come with a deploy of that version (see :mod:`.releases`).
Release = Annotated[str | None, Query(pattern=VERSION_PATTERN)]


def admin_router(admin_token: SecretStr) -> APIRouter:
    router = APIRouter(prefix="/admin", dependencies=[Depends(bearer_guard(admin_token))])

    @router.get("/faults")
    async def get_faults(state: StateDep) -> FaultReport:
        return _report(state)

    @router.put("/faults")
    async def put_faults(
        faults: Faults,
        state: StateDep,
        lease_seconds: LeaseSeconds = DEFAULT_LEASE_SECONDS,
        release: Release = None,
    ) -> FaultReport:
        if release is not None:
            deploy_release(state, release)
        return _report(state, await run_in_threadpool(_leased, state, faults, lease_seconds))

    @router.patch("/faults")
    async def patch_faults(
        update: FaultUpdate,
        state: StateDep,
        lease_seconds: LeaseSeconds = DEFAULT_LEASE_SECONDS,
        release: Release = None,
    ) -> FaultReport:
        if release is not None:
            deploy_release(state, release)
        faults = state.faults.updated(update)
        return _report(state, await run_in_threadpool(_leased, state, faults, lease_seconds))

    @router.delete("/faults")
    async def clear_faults(state: StateDep) -> FaultReport:
        return _report(state, await run_in_threadpool(_leased, state, Faults(), 0))

    @router.post("/lease")
    async def renew_lease(renewal: LeaseRenewal, state: StateDep) -> FaultReport:
        if state.lease is not None:
            state.lease = state.lease.renewed(_now(), renewal.seconds)
        return _report(state)

    @router.post("/crash", status_code=status.HTTP_202_ACCEPTED)
    async def crash(state: StateDep) -> CrashReport:
        log.warning("crash requested: exiting with code %d", CRASH_EXIT_CODE)
        asyncio.get_running_loop().call_later(
            CRASH_DELAY_SECONDS, state.exit_process, CRASH_EXIT_CODE
        )
        return CrashReport(exit_code=CRASH_EXIT_CODE, exiting_in_seconds=CRASH_DELAY_SECONDS)

    return router
