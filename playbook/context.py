"""The alert context: what the classifier knows about an alert when it fires.

Fields follow the seed's ``AlertContext`` (seed 003) so its rules carry over unchanged.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["AlertContext"]


class AlertContext(BaseModel):
    """Observed impact of an alert, in the units the severity rules use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str = Field(min_length=1)
    error_rate: float = Field(default=0.0, ge=0, le=100, description="percent of requests failing")
    latency_p99_ms: float = Field(default=0.0, ge=0)
    affected_users_pct: float = Field(default=0.0, ge=0, le=100)
    is_data_loss: bool = False
    is_security_event: bool = False
    is_revenue_impacting: bool = False
    duration_minutes: float = Field(default=0.0, ge=0)
    dependent_services: tuple[str, ...] = ()
