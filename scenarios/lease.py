"""Leases: every fault has an expiry that the running experiment renews.

A fault switched on holds a :class:`Lease` (default :data:`DEFAULT_LEASE_SECONDS`). The
experiment's safeguard control renews it while the run goes on; when the runner dies (kill -9,
a closed terminal, a crash), nobody renews it and the component holding the fault clears it
by itself once :meth:`Lease.expired`. Pure: the clock is passed in.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["DEFAULT_LEASE_SECONDS", "MAX_LEASE_SECONDS", "Lease", "LeaseRenewal"]

DEFAULT_LEASE_SECONDS = 30.0
#: The longest a single grant or renewal may last: a fault never outlives its runner by more.
MAX_LEASE_SECONDS = 600.0


class LeaseRenewal(BaseModel):
    """A request to grant or renew a lease for ``seconds`` from now."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seconds: float = Field(default=DEFAULT_LEASE_SECONDS, gt=0, le=MAX_LEASE_SECONDS)


class Lease(BaseModel):
    """When a fault went in and when it expires unless renewed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    since: datetime
    expires_at: datetime

    @classmethod
    def granted(cls, now: datetime, seconds: float = DEFAULT_LEASE_SECONDS) -> Lease:
        return cls(since=now, expires_at=now + timedelta(seconds=seconds))

    def renewed(self, now: datetime, seconds: float = DEFAULT_LEASE_SECONDS) -> Lease:
        """The same fault, expiring ``seconds`` after ``now`` (never earlier than before)."""
        return self.model_copy(update={"expires_at": max(self.expires_at, now + timedelta(seconds=seconds))})

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at
