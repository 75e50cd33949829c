"""The checkout service's Prometheus metrics, in a registry of its own.

============================================  =====================================================
``http_requests_total{service,method,handler,status}``   business requests (not /metrics, /admin)
``http_request_duration_seconds{service,method,handler}`` histogram, buckets include 0.5 s (SLO)
                                               and 2 s (SlowResponseTime)
``db_pool_size``, ``db_pool_in_use``,          the connection pool, read at scrape time
``db_pool_idle``, ``db_pool_leaked``,
``db_pool_waiting``, ``db_pool_timeouts_total``
``drillbit_fault_active{fault}``               1 while a fault switch is on (an honest marker
                                               for dashboards; alerts never use it)
============================================  =====================================================

Every series carries ``service="checkout"`` (the seeds' SLO queries select on it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from scenarios.target.faults import Faults
from scenarios.target.pool import PoolStats

__all__ = ["BUCKETS", "TargetMetrics"]

#: Latency buckets: the default ones plus 2 s, the seed's SlowResponseTime threshold.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0)


class _StateCollector(Collector):
    """Reads the pool and the fault switches when Prometheus scrapes."""

    def __init__(
        self, service: str, pool: Callable[[], PoolStats], faults: Callable[[], Faults]
    ) -> None:
        self._service = service
        self._pool = pool
        self._faults = faults

    def collect(self) -> Iterable[Metric]:
        stats = self._pool()
        for name, value, help_text in (
            ("db_pool_size", stats.size, "Connections the pool holds."),
            ("db_pool_in_use", stats.in_use, "Connections borrowed (including leaked ones)."),
            ("db_pool_idle", stats.idle, "Connections free to borrow."),
            ("db_pool_leaked", stats.leaked, "Connections borrowed and never returned."),
            ("db_pool_waiting", stats.waiting, "Requests waiting for a connection."),
        ):
            gauge = GaugeMetricFamily(name, help_text, labels=["service"])
            gauge.add_metric([self._service], value)
            yield gauge
        timeouts = CounterMetricFamily(
            "db_pool_timeouts",
            "Requests that found no free connection in time.",
            labels=["service"],
        )
        timeouts.add_metric([self._service], stats.timeouts)
        yield timeouts
        active = GaugeMetricFamily(
            "drillbit_fault_active",
            "1 while a drillbit fault switch is on.",
            labels=["service", "fault"],
        )
        on = set(self._faults().active())
        for fault in Faults.model_fields:
            active.add_metric([self._service, fault], 1.0 if fault in on else 0.0)
        yield active


class TargetMetrics:
    """The registry and the request metrics of one service instance."""

    def __init__(
        self, service: str, pool: Callable[[], PoolStats], faults: Callable[[], Faults]
    ) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "Business HTTP requests by outcome.",
            ["service", "method", "handler", "status"],
            registry=self.registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Business HTTP request duration, injected latency included.",
            ["service", "method", "handler"],
            buckets=BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_StateCollector(service, pool, faults))

    def observe(self, *, method: str, handler: str, status: int, seconds: float) -> None:
        self.requests.labels(self.service, method, handler, str(status)).inc()
        self.duration.labels(self.service, method, handler).observe(seconds)
