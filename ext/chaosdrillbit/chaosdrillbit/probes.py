"""Chaos Toolkit probes: what users see, what Prometheus and Alertmanager say, how load went.

Steady-state probes measure the checkout *from outside*, like a user: a short burst of real
requests (browse, order, pay), reporting the share that failed and the p95 latency. They need
no background load and no Prometheus window to fill, and they count requests that never
reached the service (refused, reset, timed out), which the service's own metrics cannot.

Prometheus probes read the same data the alerts use (error rate, p95, firing alerts) and can
wait, bounded, for an alert to fire; Alertmanager probes confirm where an alert was routed.

Every probe checks its URL against the allow-list before sending anything.
"""

# No ``from __future__ import annotations`` here: Chaos Toolkit's discovery reads the real
# annotation objects to describe argument types.

import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from chaosdrillbit.guard import Configuration, Secrets, admin_call, call, guarded
from playbook.errors import RunFailed
from scenarios import faultstate
from scenarios.load.runner import CURRENT, LoadRun, read_stats

__all__ = [
    "alert_firing_count",
    "alert_routed",
    "alerts_firing",
    "checkout_error_rate",
    "checkout_p95_seconds",
    "critical_alerts_firing",
    "halt_requested",
    "load_statistics",
    "prometheus_error_rate",
    "prometheus_p95_seconds",
    "prometheus_query",
    "service_error_rate",
    "service_p95_seconds",
    "target_faults",
    "wait_for_alert",
    "wait_for_routed_alert",
]


def _percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of already sorted values (0.0 for none)."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(share * len(sorted_values)))
    return sorted_values[rank - 1]


Outcome = tuple[bool, float]  # (as expected, seconds)


def _timed(outcomes: list[Outcome], send: Callable[[], httpx.Response], ok: Callable[[int], bool]) -> httpx.Response | None:
    """Send one request, recording whether its status was ``ok`` and how long it took; a
    request that never got an answer (refused, reset, timed out) is a failure."""
    started = time.perf_counter()
    try:
        response = send()
    except httpx.HTTPError:
        outcomes.append((False, time.perf_counter() - started))
        return None
    outcomes.append((ok(response.status_code), time.perf_counter() - started))
    return response


def _burst(
    step: Callable[[httpx.Client, int], list[Outcome]], requests: int, concurrency: int, timeout: float
) -> tuple[int, int, list[float]]:
    """Run ``step`` ``requests`` times, ``concurrency`` at once; (sent, failed, sorted latencies)."""
    with (
        httpx.Client(
            trust_env=False,
            follow_redirects=False,
            timeout=timeout,
            limits=httpx.Limits(max_connections=concurrency),
        ) as client,
        ThreadPoolExecutor(max_workers=concurrency) as pool,
    ):
        results = [
            o for batch in pool.map(lambda i: step(client, i), range(requests)) for o in batch
        ]
    failed = sum(1 for ok, _ in results if not ok)
    return len(results), failed, sorted(seconds for _, seconds in results)


def _sample(
    target_url: str, requests: int, concurrency: int, timeout: float
) -> tuple[int, int, list[float]]:
    """Send ``requests`` checkout requests; return (sent, failed, sorted latencies)."""
    base = target_url.rstrip("/")

    def step(client: httpx.Client, index: int) -> list[Outcome]:
        outcomes: list[Outcome] = []
        if index % 3 == 0:
            _timed(outcomes, lambda: client.get(f"{base}/orders", params={"limit": "5"}), lambda s: s == 200)
            return outcomes
        order = _timed(
            outcomes, lambda: client.post(f"{base}/orders", json={"item": "probe", "amount_cents": 100}), lambda s: s == 201
        )
        if index % 3 == 2 and order is not None and order.status_code == 201:
            order_id = order.json()["id"]
            _timed(outcomes, lambda: client.post(f"{base}/payments", json={"order_id": order_id}), lambda s: s == 201)
        return outcomes

    return _burst(step, requests, concurrency, timeout)


def _sample_gets(
    target_url: str, paths: list[str], requests: int, concurrency: int, timeout: float
) -> tuple[int, int, list[float]]:
    """GET ``paths`` in turn, ``requests`` in all; a status of 400 or more is a failure."""
    base = target_url.rstrip("/")
    if not paths or not all(isinstance(p, str) and p.startswith("/") for p in paths):
        raise RunFailed(f"paths must be a list of absolute paths (/items), not {paths!r}")

    def step(client: httpx.Client, index: int) -> list[Outcome]:
        outcomes: list[Outcome] = []
        _timed(outcomes, lambda: client.get(base + paths[index % len(paths)]), lambda s: s < 400)
        return outcomes

    return _burst(step, requests, concurrency, timeout)


def service_error_rate(
    target_url: str,
    paths: list[str] | None = None,
    requests: int = 20,
    concurrency: int = 10,
    timeout_seconds: float = 5.0,
    configuration: Configuration | None = None,
) -> float:
    """Share (0..1) of a burst of GETs of ``paths`` (default ``/``) that failed, as a user
    sees it: any HTTP service (own staging)."""
    guarded(configuration, target_url)
    sent, failed, _ = _sample_gets(target_url, paths or ["/"], requests, concurrency, timeout_seconds)
    return failed / sent if sent else 1.0


def service_p95_seconds(
    target_url: str,
    paths: list[str] | None = None,
    requests: int = 20,
    concurrency: int = 10,
    timeout_seconds: float = 5.0,
    configuration: Configuration | None = None,
) -> float:
    """p95 latency (seconds) of a burst of GETs of ``paths``, failures included."""
    guarded(configuration, target_url)
    _, _, latencies = _sample_gets(target_url, paths or ["/"], requests, concurrency, timeout_seconds)
    return _percentile(latencies, 0.95)


def checkout_error_rate(
    target_url: str,
    requests: int = 20,
    concurrency: int = 10,
    timeout_seconds: float = 5.0,
    configuration: Configuration | None = None,
) -> float:
    """Share (0..1) of a burst of real checkout requests that failed, as a user sees it."""
    guarded(configuration, target_url)
    sent, failed, _ = _sample(target_url, requests, concurrency, timeout_seconds)
    return failed / sent if sent else 1.0


def checkout_p95_seconds(
    target_url: str,
    requests: int = 20,
    concurrency: int = 10,
    timeout_seconds: float = 5.0,
    configuration: Configuration | None = None,
) -> float:
    """p95 latency (seconds) of a burst of real checkout requests, failures included."""
    guarded(configuration, target_url)
    _, _, latencies = _sample(target_url, requests, concurrency, timeout_seconds)
    return _percentile(latencies, 0.95)


def target_faults(
    target_url: str,
    configuration: Configuration | None = None,
    secrets: Secrets | None = None,
) -> dict[str, Any]:
    """The target's fault switches, active faults and pool (``GET /admin/faults``)."""
    report: dict[str, Any] = admin_call(
        "GET",
        target_url,
        "/admin/faults",
        auth_from="target_admin_token",
        configuration=configuration,
        secrets=secrets,
    )
    return report


def prometheus_query(
    prometheus_url: str, query: str, configuration: Configuration | None = None
) -> list[dict[str, Any]]:
    """The result vector of an instant PromQL query."""
    allow = guarded(configuration, prometheus_url)
    body = call(
        "GET", f"{prometheus_url.rstrip('/')}/api/v1/query", allow=allow, params={"query": query}
    )
    if body.get("status") != "success":
        raise RunFailed(f"Prometheus refused {query!r}: {body.get('error')}")
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


def _scalar(prometheus_url: str, query: str, configuration: Configuration | None) -> float | None:
    result = prometheus_query(prometheus_url, query, configuration)
    if not result:
        return None
    value = float(result[0]["value"][1])
    return None if math.isnan(value) else value


def prometheus_error_rate(
    prometheus_url: str,
    window: str = "30s",
    service: str = "checkout",
    configuration: Configuration | None = None,
) -> float | None:
    """The 5xx share over ``window`` as Prometheus computes it (None: no requests)."""
    sel = f'service="{service}"'
    return _scalar(
        prometheus_url,
        f'sum(rate(http_requests_total{{{sel},status=~"5.."}}[{window}]))'
        f" / sum(rate(http_requests_total{{{sel}}}[{window}]))",
        configuration,
    )


def prometheus_p95_seconds(
    prometheus_url: str,
    window: str = "30s",
    service: str = "checkout",
    configuration: Configuration | None = None,
) -> float | None:
    """p95 request duration over ``window`` from the histogram (None: no requests)."""
    return _scalar(
        prometheus_url,
        "histogram_quantile(0.95, sum by (le) ("
        f'rate(http_request_duration_seconds_bucket{{service="{service}"}}[{window}])))',
        configuration,
    )


def _alerts(prometheus_url: str, configuration: Configuration | None) -> list[dict[str, Any]]:
    allow = guarded(configuration, prometheus_url)
    body = call("GET", f"{prometheus_url.rstrip('/')}/api/v1/alerts", allow=allow)
    alerts: list[dict[str, Any]] = body["data"]["alerts"]
    return alerts


def alerts_firing(
    prometheus_url: str,
    severity: str | None = None,
    configuration: Configuration | None = None,
) -> list[str]:
    """Names of the alerts firing now (optionally of one severity), sorted."""
    return sorted(
        {
            alert["labels"]["alertname"]
            for alert in _alerts(prometheus_url, configuration)
            if alert.get("state") == "firing"
            and (severity is None or alert["labels"].get("severity") == severity)
        }
    )


def critical_alerts_firing(prometheus_url: str, configuration: Configuration | None = None) -> int:
    """How many critical alerts are firing now (a steady state expects 0)."""
    return len(alerts_firing(prometheus_url, "critical", configuration))


def alert_firing_count(prometheus_url: str, alertname: str, configuration: Configuration | None = None) -> int:
    """How many ``alertname`` alerts are firing now (a stop condition expects 0)."""
    return sum(
        1
        for alert in _alerts(prometheus_url, configuration)
        if alert["labels"].get("alertname") == alertname and alert.get("state") == "firing"
    )


def halt_requested(stack_dir: str) -> bool:
    """Whether the run was asked to stop (``drillbit chaos halt``, or the drill room's Halt).

    The shipped experiments use it as a stop condition (a ``chaosaddons`` safeguard probe with
    tolerance ``false``): it sends nothing, it looks for the stack's halt marker.
    """
    return faultstate.halt_requested(Path(stack_dir))


def wait_for_alert(
    prometheus_url: str,
    alertname: str,
    timeout_seconds: float = 60.0,
    configuration: Configuration | None = None,
) -> dict[str, Any]:
    """Wait (bounded) until ``alertname`` fires in Prometheus; fails the probe on timeout."""
    guarded(configuration, prometheus_url)
    started = time.monotonic()
    deadline = started + timeout_seconds
    while True:
        for alert in _alerts(prometheus_url, configuration):
            if alert["labels"].get("alertname") == alertname and alert.get("state") == "firing":
                return {
                    "alertname": alertname,
                    "labels": alert["labels"],
                    "active_at": alert.get("activeAt"),
                    "waited_seconds": round(time.monotonic() - started, 3),
                }
        if time.monotonic() >= deadline:
            raise RunFailed(f"alert {alertname} did not fire within {timeout_seconds:g}s")
        time.sleep(0.25)


def alert_routed(
    alertmanager_url: str,
    alertname: str,
    configuration: Configuration | None = None,
) -> list[str]:
    """The receivers Alertmanager routed the active ``alertname`` alerts to, sorted."""
    allow = guarded(configuration, alertmanager_url)
    alerts = call(
        "GET",
        f"{alertmanager_url.rstrip('/')}/api/v2/alerts",
        allow=allow,
        params={"filter": f'alertname="{alertname}"', "active": "true"},
    )
    return sorted({receiver["name"] for alert in alerts for receiver in alert.get("receivers", [])})


def wait_for_routed_alert(
    alertmanager_url: str,
    alertname: str,
    receiver: str = "drill",
    timeout_seconds: float = 30.0,
    configuration: Configuration | None = None,
) -> dict[str, Any]:
    """Wait (bounded) until Alertmanager holds ``alertname`` routed to ``receiver``."""
    guarded(configuration, alertmanager_url)
    started = time.monotonic()
    while True:
        receivers = alert_routed(alertmanager_url, alertname, configuration)
        if receiver in receivers:
            return {
                "alertname": alertname,
                "receivers": receivers,
                "waited_seconds": round(time.monotonic() - started, 3),
            }
        if time.monotonic() - started >= timeout_seconds:
            raise RunFailed(
                f"Alertmanager did not route {alertname} to {receiver!r} within "
                f"{timeout_seconds:g}s (routed to: {receivers or 'nothing'})"
            )
        time.sleep(0.25)


def load_statistics(load_dir: str) -> dict[str, Any] | None:
    """Locust's figures for the load run recorded in ``load_dir`` (None if there is none)."""
    path = Path(load_dir) / CURRENT
    if not path.exists():
        return None
    run = LoadRun.model_validate_json(path.read_text())
    return read_stats(run.csv_prefix).model_dump(mode="json")
