"""The checkout service's fault switches and the pure decisions they drive.

======================= ==================================================================
``latency_ms``          every business request waits this long before being handled
``error_rate``          this share of business requests fails with HTTP 500
``pool_leak``           database connections are not returned to the pool (seed 002's
                        leak: the pool runs dry after ``pool_size`` requests, then 500s)
``dependency_hang``     the payment gateway call hangs until its timeout (HTTP 504)
``cpu_burn_threads``    this many threads spin, starving the service of CPU
======================= ==================================================================

A crash is not a switch: ``POST /admin/crash`` ends the process (see :mod:`.admin`).
Clearing the faults also reclaims leaked connections, as a rollback of the leaky deploy would.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FaultUpdate", "Faults", "injected_error"]


class Faults(BaseModel):
    """The switches as they stand; the default is a healthy service."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: int = Field(default=0, ge=0, le=120_000)
    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    pool_leak: bool = False
    dependency_hang: bool = False
    cpu_burn_threads: int = Field(default=0, ge=0, le=8)

    def active(self) -> list[str]:
        """Names of the switches that are on, in declaration order."""
        return [
            name
            for name, value in self.model_dump().items()
            if value != Faults.model_fields[name].default
        ]

    def updated(self, update: FaultUpdate) -> Faults:
        """These faults with the fields ``update`` sets replaced."""
        return self.model_copy(update=update.model_dump(exclude_none=True))


class FaultUpdate(BaseModel):
    """A partial change of the switches (``PATCH /admin/faults``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latency_ms: int | None = Field(default=None, ge=0, le=120_000)
    error_rate: float | None = Field(default=None, ge=0.0, le=1.0)
    pool_leak: bool | None = None
    dependency_hang: bool | None = None
    cpu_burn_threads: int | None = Field(default=None, ge=0, le=8)


def injected_error(faults: Faults, draw: float) -> bool:
    """Whether this request fails by injection; ``draw`` is uniform in [0, 1)."""
    return draw < faults.error_rate
