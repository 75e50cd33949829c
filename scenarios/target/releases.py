"""The checkout service's version and restarts: what a team's rollback and restart act on.

A game day's team fixes the real system with the generic catalog's verbs (``drills/world/
ops.py``); on this target ``rollback`` and ``restart`` land here (``toggle_flag`` and
``set_config`` land on the fault switches, see :mod:`scenarios.gameday.realops`):

==========  ====================  ===============================================================
``GET``     ``/admin/version``    the running version, the versions it may roll back to, restarts
``PUT``     ``/admin/version``    roll back (or forward) to a known version (:class:`Deploy`)
``POST``    ``/admin/restart``    restart the workers in place
==========  ====================  ===============================================================

Faults can come *with a release*: ``PUT`` or ``PATCH /admin/faults?release=v1.4.3`` deploys
that version carrying those switches, as a bad deploy would. Rolling back to the version
before it restores the switches as they were then; switches set without a release are
configuration, which a rollback does not undo. A deploy and a restart both replace the
workers: leaked database connections are closed and reopened and a runaway CPU burn stops;
the switches stay (the leak is in the code, the latency is configuration).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from scenarios.bearer import bearer_guard
from scenarios.target.faults import Faults
from scenarios.target.settings import VERSION_PATTERN
from scenarios.target.state import StateDep, TargetState, apply_faults

__all__ = ["Deploy", "VersionReport", "deploy_release", "releases_router", "restart", "roll_to"]



class Deploy(BaseModel):
    """``PUT /admin/version``: the version to run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str = Field(pattern=VERSION_PATTERN)


class VersionReport(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    known_versions: list[str]
    restarts: int
    active_faults: list[str]
    reclaimed_connections: int = 0


def _report(state: TargetState, reclaimed: int = 0) -> VersionReport:
    r = state.releases
    return VersionReport(
        version=r.version,
        known_versions=r.known(),
        restarts=r.restarts,
        active_faults=state.faults.active(),
        reclaimed_connections=reclaimed,
    )


def restart(state: TargetState, faults: Faults | None = None) -> int:
    """Replace the workers (blocking): leaked connections reclaimed, CPU burn stopped, the
    other switches kept (or set to ``faults``). Returns the reclaimed connections."""
    kept = (faults or state.faults).model_copy(update={"cpu_burn_threads": 0})
    apply_faults(state, kept)
    reclaimed = state.pool.reclaim_leaked()
    state.releases.restarts += 1
    return reclaimed


def deploy_release(state: TargetState, version: str) -> None:
    """Record that ``version`` goes live now carrying the switches about to be set."""
    r = state.releases
    if version != r.version:
        r.stack.append((r.version, state.faults))
        r.version = version


def roll_to(state: TargetState, version: str) -> int:
    """Deploy ``version`` (blocking): back past the releases after it, restoring the switches
    as they were before them. Raises KeyError for an unknown version."""
    r = state.releases
    if version not in r.known():
        raise KeyError(version)
    restored: Faults | None = None
    while r.stack and r.version != version:
        r.version, restored = r.stack.pop()
    r.version = version
    return restart(state, restored)


def releases_router(admin_token: SecretStr) -> APIRouter:
    router = APIRouter(prefix="/admin", dependencies=[Depends(bearer_guard(admin_token))])

    @router.get("/version")
    async def get_version(state: StateDep) -> VersionReport:
        return _report(state)

    @router.put("/version")
    async def put_version(deploy: Deploy, state: StateDep) -> VersionReport:
        try:
            reclaimed = await run_in_threadpool(roll_to, state, deploy.version)
        except KeyError:
            known = ", ".join(state.releases.known())
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"no version {deploy.version!r} (known: {known})"
            ) from None
        return _report(state, reclaimed)

    @router.post("/restart")
    async def post_restart(state: StateDep) -> VersionReport:
        return _report(state, await run_in_threadpool(restart, state))

    return router
