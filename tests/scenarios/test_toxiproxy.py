"""The fault proxy speaks Toxiproxy's API: chaostoolkit-toxiproxy drives it unchanged.

The proxy runs as its real process (``python -m scenarios.faultproxy``) in front of a real
HTTP upstream; the experiment calls chaostoolkit-toxiproxy's own actions and probes, with
``toxiproxy_url`` pointing at the proxy's control port (the token as a path prefix, since
the Toxiproxy client sends no header).
"""

from __future__ import annotations

import secrets
import socket
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from chaoslib.experiment import run_experiment

from scenarios.faultproxy.model import ProxyFaults
from scenarios.faultproxy.toxics import ToxicCreate, UnsupportedToxic, faults_of
from scenarios.procs import free_port, python_env, spawn, terminate, wait_until
from tests.chaosdrillbit.test_control import Allowed, allowed_server


def toxiproxy(proxy: str, func: str, module: str = "chaostoxi.toxic.actions", **arguments: Any) -> dict[str, Any]:
    return {
        "type": "action",
        "name": f"{func}-{proxy}",
        "provider": {"type": "python", "module": module, "func": func, "arguments": {"proxy_name" if "proxy" in module else "for_proxy": proxy, **arguments}},
    }


@pytest.fixture(scope="module")
def proxy_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Allowed]]:
    """(control URL, token, upstream) for a real fault proxy process (default lease 30 s)."""
    tmp = tmp_path_factory.mktemp("proxy")
    token = secrets.token_urlsafe(24)
    (tmp / "token").write_text(token)
    with allowed_server(redirect_to="unused") as upstream:
        control = free_port()
        record = spawn(
            "proxy",
            [sys.executable, "-m", "scenarios.faultproxy", "--listen-port", str(free_port()),
             "--upstream", f"127.0.0.1:{upstream.port}", "--control-port", str(control),
             "--admin-token-file", str(tmp / "token")],
            log_path=tmp / "proxy.log",
            env=python_env(),
        )  # fmt: skip
        url = f"http://127.0.0.1:{control}"
        wait_until(lambda: _ok(f"{url}/healthz"), timeout=20, what="the fault proxy")
        try:
            yield url, token, upstream
        finally:
            terminate(record)


def _ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=0.5, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def test_chaostoolkit_toxiproxy_creates_a_proxy_adds_latency_takes_it_down_and_cleans_up(
    proxy_process: tuple[str, str, Allowed], monkeypatch: pytest.MonkeyPatch
) -> None:
    control, token, upstream = proxy_process
    listen = free_port()
    monkeypatch.setenv("DRILLBIT_CHAOS_ALLOW", f"127.0.0.1:{control.rsplit(':', 1)[1]},127.0.0.1:{listen},127.0.0.1:{upstream.port}")
    through = {"type": "probe", "name": "through-the-proxy", "provider": {"type": "http", "url": f"http://127.0.0.1:{listen}/x", "timeout": 5}}
    experiment = {
        "title": "toxiproxy", "description": "d", "version": "1.0.0",
        "configuration": {"toxiproxy_url": f"{control}/key/{token}"},
        "controls": [{"name": "drillbit-safeguard", "provider": {"type": "python", "module": "chaosdrillbit.control"}}],
        "method": [
            toxiproxy("api", "create_proxy", "chaostoxi.proxy.actions", upstream_host="127.0.0.1",
                      upstream_port=upstream.port, listen_host="127.0.0.1", listen_port=listen),
            {**through, "name": "before"},
            toxiproxy("api", "create_latency_toxic", toxic_name="slow", latency=400),
            {**through, "name": "slow"},
            toxiproxy("api", "proxy_exist", "chaostoxi.proxy.probes") | {"type": "probe"},
            toxiproxy("api", "disable_proxy", "chaostoxi.proxy.actions"),
            {**through, "name": "down"},
            toxiproxy("api", "enable_proxy", "chaostoxi.proxy.actions"),
        ],
        "rollbacks": [
            toxiproxy("api", "delete_toxic", toxic_name="slow"),
            toxiproxy("api", "delete_proxy", "chaostoxi.proxy.actions"),
        ],
    }  # fmt: skip
    journal = run_experiment(experiment)
    runs = {run["activity"]["name"]: run for run in journal["run"]}
    assert runs["create_proxy-api"]["output"] is True
    assert runs["before"]["status"] == "succeeded" and runs["before"]["duration"] < 0.4
    assert runs["slow"]["status"] == "succeeded" and runs["slow"]["duration"] >= 0.4
    assert runs["proxy_exist-api"]["output"] is True
    assert runs["down"]["status"] == "failed"  # a disabled proxy refuses connections
    assert [r["status"] for r in journal["rollbacks"]] == ["succeeded", "succeeded"]
    assert journal["drillbit_safeguard"]["refused"] == []
    proxies = httpx.get(f"{control}/proxies", headers={"Authorization": f"Bearer {token}"}, trust_env=False).json()
    assert "api" not in proxies and "gateway" in proxies


def test_the_toxiproxy_api_answers_as_toxiproxy_does_and_needs_the_token(proxy_process: tuple[str, str, Allowed]) -> None:
    control, token, upstream = proxy_process
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=control, trust_env=False, timeout=5) as client:
        assert client.get("/proxies").status_code == 401
        assert client.get("/key/wrong-key/proxies").status_code == 403
        spec = {"name": "db", "listen": "127.0.0.1:0", "upstream": f"127.0.0.1:{upstream.port}"}
        created = client.post("/proxies", json=spec, headers=auth)
        assert created.status_code == 201 and created.json()["enabled"] is True
        assert client.post("/proxies", json=spec, headers=auth).status_code == 409
        assert client.post("/proxies", json={**spec, "name": "open", "listen": "0.0.0.0:0"}, headers=auth).status_code == 400
        toxic = client.post("/proxies/db/toxics", json={"type": "bandwidth", "attributes": {"rate": 10}}, headers=auth)
        assert toxic.status_code == 200 and toxic.json()["name"] == "bandwidth_downstream"
        slicer = client.post("/proxies/db/toxics", json={"type": "slicer", "attributes": {}}, headers=auth)
        assert slicer.status_code == 400 and "not implemented" in slicer.json()["detail"]
        assert client.get("/proxies/nope", headers=auth).status_code == 404
        assert client.delete("/proxies/db/toxics/bandwidth_downstream", headers=auth).status_code == 204
        assert client.post("/reset", headers=auth).status_code == 204
        assert client.delete("/proxies/db", headers=auth).status_code == 204


def test_a_fault_nobody_renews_expires_within_its_lease(proxy_process: tuple[str, str, Allowed]) -> None:
    control, token, _ = proxy_process
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=control, trust_env=False, timeout=5) as client:
        set_at = time.monotonic()
        client.put("/faults?lease_seconds=1", json={"latency_ms": 200}, headers=auth).raise_for_status()
        leases = client.get("/leases", headers=auth).json()
        assert [(item["proxy"], item["faults"]) for item in leases] == [("gateway", ["latency_ms"])]
        expires = datetime.fromisoformat(leases[0]["expires_at"])
        assert 0.5 < (expires - datetime.now(UTC)).total_seconds() <= 1.0  # the 1 s lease asked for
        wait_until(lambda: client.get("/faults", headers=auth).json()["latency_ms"] == 0, timeout=5, what="the lease to expire")
        assert time.monotonic() - set_at < 1.0 + 1.0  # lease plus the expiry loop's tick and polling
        assert client.get("/leases", headers=auth).json() == []


def test_a_renewed_lease_keeps_the_fault(proxy_process: tuple[str, str, Allowed]) -> None:
    control, token, _ = proxy_process
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=control, trust_env=False, timeout=5) as client:
        client.put("/faults?lease_seconds=1", json={"down": True}, headers=auth).raise_for_status()
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:  # renew well within the 1 s lease, for 2.5 s
            client.post("/leases", json={"seconds": 1}, headers=auth).raise_for_status()
            assert client.get("/faults", headers=auth).json()["down"] is True
            time.sleep(0.2)
        client.delete("/faults", headers=auth).raise_for_status()


@pytest.mark.parametrize(
    ("toxics", "expected"),
    [
        ([{"type": "latency", "attributes": {"latency": 300, "jitter": 20}}], ProxyFaults(latency_ms=300, jitter_ms=20)),
        ([{"type": "bandwidth", "attributes": {"rate": 5}}], ProxyFaults(bandwidth_bytes_per_s=5000)),
        ([{"type": "timeout", "attributes": {"timeout": 0}}], ProxyFaults(blackhole=True)),
        ([{"type": "timeout", "attributes": {"timeout": 700}}], ProxyFaults(blackhole=True, blackhole_close_ms=700)),
        ([{"type": "reset_peer", "toxicity": 0.5, "attributes": {"timeout": 100}}], ProxyFaults(reset_probability=0.5, reset_after_ms=100)),
        (
            [{"type": "latency", "name": "a", "attributes": {"latency": 100}}, {"type": "latency", "name": "b", "attributes": {"latency": 50}}],
            ProxyFaults(latency_ms=150),
        ),
    ],
)
def test_toxics_become_proxy_faults_in_toxiproxys_units(toxics: list[dict[str, Any]], expected: ProxyFaults) -> None:
    assert faults_of([ToxicCreate.model_validate(t).toxic() for t in toxics], enabled=True) == expected


@pytest.mark.parametrize(
    "toxic",
    [
        {"type": "latency", "stream": "upstream", "attributes": {"latency": 1}},
        {"type": "latency", "toxicity": 0.5, "attributes": {"latency": 1}},
        {"type": "latency", "attributes": {"latencyy": 1}},
        {"type": "limit_data", "attributes": {"bytes": 1}},
    ],
)
def test_toxics_this_proxy_does_not_implement_are_refused_with_a_reason(toxic: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedToxic):
        ToxicCreate.model_validate(toxic).toxic()


def test_a_disabled_proxy_is_a_down_upstream() -> None:
    assert faults_of([], enabled=False) == ProxyFaults(down=True)


def test_the_timeout_toxic_closes_the_connection_after_its_timeout(proxy_process: tuple[str, str, Allowed]) -> None:
    control, token, upstream = proxy_process
    auth = {"Authorization": f"Bearer {token}"}
    listen = free_port()
    with httpx.Client(base_url=control, trust_env=False, timeout=5) as client:
        spec = {"name": "hang", "listen": f"127.0.0.1:{listen}", "upstream": f"127.0.0.1:{upstream.port}"}
        client.post("/proxies", json=spec, headers=auth).raise_for_status()
        client.post("/proxies/hang/toxics", json={"type": "timeout", "attributes": {"timeout": 300}}, headers=auth).raise_for_status()
        try:
            with socket.create_connection(("127.0.0.1", listen), timeout=3) as sock:
                started = time.monotonic()
                sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
                assert sock.recv(100) == b""  # nothing passes; closed by the proxy
                # The proxy's clock starts at accept, a moment before ours.
                assert 0.2 <= time.monotonic() - started < 2.0
        finally:
            client.delete("/proxies/hang", headers=auth)

