"""The checkout target: business routes, fault switches behind the token, honest metrics."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr, ValidationError

from scenarios.allowlist import TargetNotAllowed
from scenarios.procs import is_running, terminate, wait_until
from scenarios.target import Faults, FaultUpdate, TargetSettings, create_app
from scenarios.target.admin import CRASH_EXIT_CODE
from scenarios.target.app import handler_label
from scenarios.target.faults import injected_error
from scenarios.target.pool import ConnectionPool, PoolExhausted
from tests.scenarios.conftest import serve_in_thread, start_target

TOKEN = "test-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def exits() -> list[int]:
    return []


class Served:
    """The app under test and a real HTTP client to it."""

    def __init__(self, app: FastAPI, http: httpx.Client) -> None:
        self.app = app
        self.http = http

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.http.get(path, **kwargs)  # type: ignore[arg-type]

    def post(self, path: str, **kwargs: object) -> httpx.Response:
        return self.http.post(path, **kwargs)  # type: ignore[arg-type]

    def put(self, path: str, **kwargs: object) -> httpx.Response:
        return self.http.put(path, **kwargs)  # type: ignore[arg-type]

    def patch(self, path: str, **kwargs: object) -> httpx.Response:
        return self.http.patch(path, **kwargs)  # type: ignore[arg-type]

    def delete(self, path: str, **kwargs: object) -> httpx.Response:
        return self.http.delete(path, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def client(tmp_path: Path, exits: list[int]) -> Iterator[Served]:
    settings = TargetSettings(
        port=8081,
        admin_token=SecretStr(TOKEN),
        db_path=tmp_path / "checkout.db",
        pool_size=2,
        pool_timeout_seconds=0.05,
        dependency_timeout_seconds=0.05,
        seed=1,
    )
    app = create_app(settings, exit_process=exits.append)
    with serve_in_thread(app) as url, httpx.Client(base_url=url, trust_env=False) as http:
        yield Served(app, http)


def samples(client: Served) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    text = client.get("/metrics").text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def requests_with(client: Served, status: str) -> float:
    return sum(
        value
        for (name, labels), value in samples(client).items()
        if name == "http_requests_total" and ("status", status) in labels
    )


def put_faults(client: Served, **faults: object) -> dict[str, object]:
    response = client.put("/admin/faults", json=faults, headers=AUTH)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def test_an_order_can_be_placed_read_and_paid(client: Served) -> None:
    order = client.post("/orders", json={"item": "book", "quantity": 2, "amount_cents": 2598})
    assert order.status_code == 201
    order_id = order.json()["id"]
    assert client.get(f"/orders/{order_id}").json()["item"] == "book"
    payment = client.post("/payments", json={"order_id": order_id})
    assert payment.status_code == 201 and payment.json()["auth_code"] == f"local-{order_id}"
    assert client.get(f"/orders/{order_id}").json()["status"] == "paid"
    assert client.get("/orders/999").status_code == 404


def test_admin_routes_need_the_bearer_token(client: Served) -> None:
    assert client.get("/admin/faults").status_code == 401
    assert client.get("/admin/faults", headers={"Authorization": "Bearer nope"}).status_code == 403
    assert client.post("/admin/crash").status_code == 401
    assert client.get("/admin/faults", headers=AUTH).json()["active"] == []


def test_error_rate_one_fails_every_business_request_and_is_counted_as_500(client: Served) -> None:
    put_faults(client, error_rate=1.0)
    assert client.get("/orders").status_code == 500
    assert client.get("/healthz").status_code == 200  # never faulted
    assert requests_with(client, "500") == 1


def test_error_rate_fails_about_that_share_of_requests(client: Served) -> None:
    put_faults(client, error_rate=0.5)
    codes = [client.get("/orders").status_code for _ in range(200)]
    assert 70 <= codes.count(500) <= 130


def test_latency_delays_business_requests_and_shows_in_the_histogram(client: Served) -> None:
    put_faults(client, latency_ms=120)
    started = time.perf_counter()
    assert client.get("/orders").status_code == 200
    assert time.perf_counter() - started >= 0.12
    values = samples(client)
    slow = frozenset(
        {("service", "checkout"), ("method", "GET"), ("handler", "/orders"), ("le", "0.1")}
    )
    total = frozenset({("service", "checkout"), ("method", "GET"), ("handler", "/orders")})
    assert values[("http_request_duration_seconds_bucket", slow)] == 0
    assert values[("http_request_duration_seconds_count", total)] == 1


def test_a_pool_leak_exhausts_the_pool_and_clearing_reclaims_it(client: Served) -> None:
    put_faults(client, pool_leak=True)
    codes = [client.get("/orders").status_code for _ in range(4)]
    assert codes == [200, 200, 500, 500]
    pool = client.get("/admin/faults", headers=AUTH).json()["pool"]
    assert pool == {"size": 2, "in_use": 2, "idle": 0, "leaked": 2, "waiting": 0, "timeouts": 2}
    gauges = samples(client)
    assert gauges[("db_pool_leaked", frozenset({("service", "checkout")}))] == 2
    assert gauges[("db_pool_timeouts_total", frozenset({("service", "checkout")}))] == 2
    cleared = client.delete("/admin/faults", headers=AUTH).json()
    assert cleared["reclaimed_connections"] == 2 and cleared["pool"]["idle"] == 2
    assert client.get("/orders").status_code == 200


def test_a_hung_dependency_times_payments_out_with_504(client: Served) -> None:
    order_id = client.post("/orders", json={"item": "mug", "amount_cents": 899}).json()["id"]
    put_faults(client, dependency_hang=True)
    assert client.post("/payments", json={"order_id": order_id}).status_code == 504
    assert client.get(f"/orders/{order_id}").status_code == 200  # orders do not need it


def test_cpu_burn_starts_and_stops_spinning_threads(client: Served) -> None:
    put_faults(client, cpu_burn_threads=2)
    assert client.app.state.target.burner.threads == 2
    client.delete("/admin/faults", headers=AUTH)
    assert client.app.state.target.burner.threads == 0


def test_patch_changes_only_the_given_switches(client: Served) -> None:
    put_faults(client, latency_ms=5)
    patched = client.patch("/admin/faults", json={"error_rate": 0.25}, headers=AUTH).json()
    assert patched["faults"]["latency_ms"] == 5 and patched["faults"]["error_rate"] == 0.25
    assert client.patch("/admin/faults", json={"latency": 5}, headers=AUTH).status_code == 422


def test_fault_markers_follow_the_switches(client: Served) -> None:
    put_faults(client, error_rate=0.1)
    values = samples(client)
    on = frozenset({("service", "checkout"), ("fault", "error_rate")})
    off = frozenset({("service", "checkout"), ("fault", "pool_leak")})
    assert values[("drillbit_fault_active", on)] == 1
    assert values[("drillbit_fault_active", off)] == 0


def test_metrics_and_admin_calls_are_not_counted_as_user_traffic(client: Served) -> None:
    client.get("/metrics")
    client.get("/admin/faults", headers=AUTH)
    client.get("/healthz")
    assert requests_with(client, "200") == 0


def test_crash_schedules_an_exit_with_the_crash_code(client: Served, exits: list[int]) -> None:
    response = client.post("/admin/crash", headers=AUTH)
    assert response.status_code == 202
    wait_until(lambda: exits, timeout=5, what="the crash to be carried out")
    assert exits == [CRASH_EXIT_CODE]


def test_crash_really_ends_the_target_process(tmp_path: Path) -> None:
    running = start_target(tmp_path)
    try:
        response = httpx.post(
            f"{running.url}/admin/crash",
            headers={"Authorization": f"Bearer {running.token}"},
            trust_env=False,
        )
        assert response.status_code == 202
        wait_until(lambda: not is_running(running.record), timeout=10, what="the target to die")
    finally:
        terminate(running.record)


def test_handler_labels_are_route_templates_and_everything_else_is_not_business() -> None:
    assert handler_label("/orders") == "/orders"
    assert handler_label("/orders/42") == "/orders/{order_id}"
    assert handler_label("/payments") == "/payments"
    assert handler_label("/metrics") is None
    assert handler_label("/orders/42/extra") is None


def test_settings_refuse_unsafe_values(tmp_path: Path) -> None:
    base: dict[str, Any] = {
        "port": 1,
        "admin_token": SecretStr(TOKEN),
        "db_path": tmp_path / "x.db",
    }
    with pytest.raises(ValidationError, match="loopback only"):
        TargetSettings(**base, host="0.0.0.0")
    with pytest.raises(ValidationError, match="at least 16"):
        TargetSettings(**{**base, "admin_token": SecretStr("short")})
    with pytest.raises(TargetNotAllowed):
        TargetSettings(**base, gateway_url="http://payments.example.invalid")


def test_fault_updates_merge_and_errors_are_a_pure_draw() -> None:
    faults = Faults(latency_ms=10).updated(FaultUpdate(error_rate=0.3))
    assert faults == Faults(latency_ms=10, error_rate=0.3)
    assert faults.active() == ["latency_ms", "error_rate"]
    assert injected_error(faults, 0.29) and not injected_error(faults, 0.3)


def test_the_pool_times_out_when_every_connection_is_borrowed(tmp_path: Path) -> None:
    pool = ConnectionPool(tmp_path / "p.db", size=1, timeout=0.05)
    try:
        with pool.connection(), pytest.raises(PoolExhausted, match="exhausted"), pool.connection():
            pass
        assert pool.stats().timeouts == 1 and pool.stats().idle == 1
    finally:
        pool.close()
