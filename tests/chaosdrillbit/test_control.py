"""drillbit-safeguard: every route to a refused target is refused before a byte reaches it.

The refused target is a real TCP listener that records every connection it accepts
(``recorder``); it listens on 127.0.0.1 on a port the operator did not allow, so every route
below *would* reach it if the safeguard let the request through. The allowed server answers
200, or redirects to the refused target, and records what it got.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from chaoslib.experiment import run_experiment

from tests.scenarios.conftest import ConnectionRecorder


@dataclass
class Allowed:
    port: int
    redirect_to: str
    paths: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextlib.contextmanager
def allowed_server(redirect_to: str) -> Iterator[Allowed]:
    """A real HTTP server: ``/redirect`` answers 302 to ``redirect_to``, the rest 200."""
    box: list[Allowed] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            box[0].paths.append(self.path)
            if self.path.startswith("/redirect"):
                self.send_response(302)
                self.send_header("Location", box[0].redirect_to)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b'{"status": "success", "data": {"result": []}}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.append(Allowed(port=server.server_address[1], redirect_to=redirect_to))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield box[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def http_probe(url: str) -> dict[str, Any]:
    return {"type": "probe", "name": "reach", "provider": {"type": "http", "url": url, "timeout": 2}}


def python_probe(module: str, func: str, **arguments: Any) -> dict[str, Any]:
    return {"type": "probe", "name": "reach", "provider": {"type": "python", "module": module, "func": func, "arguments": arguments}}


#: Every route a request could take to the refused target (R: its port; A: the allowed one).
ROUTES: dict[str, Any] = {
    "http provider, refused port": lambda r, a: {"method": [http_probe(f"http://127.0.0.1:{r}/")]},
    "http provider, a name (localhost)": lambda r, a: {"method": [http_probe(f"http://localhost:{r}/")]},
    "http provider, upper-case scheme": lambda r, a: {"method": [http_probe(f"HTTP://127.0.0.1:{r}/")]},
    "http provider, userinfo": lambda r, a: {"method": [http_probe(f"http://127.0.0.1:{a}@127.0.0.1:{r}/")]},
    "http provider, trailing dot": lambda r, a: {"method": [http_probe(f"http://localhost.:{r}/")]},
    "http provider, 127.1": lambda r, a: {"method": [http_probe(f"http://127.1:{r}/")]},
    "http provider, 0.0.0.0": lambda r, a: {"method": [http_probe(f"http://0.0.0.0:{r}/")]},
    "http provider, IPv4-mapped IPv6": lambda r, a: {"method": [http_probe(f"http://[::ffff:127.0.0.1]:{r}/")]},
    "http provider, redirect from an allowed target": lambda r, a: {"method": [http_probe(f"http://127.0.0.1:{a}/redirect")]},
    "http provider, environment proxy": lambda r, a: {"method": [http_probe(f"http://127.0.0.1:{a}/via-proxy")]},
    "experiment widens its own list": lambda r, a: {
        "configuration": {"drillbit_allowed_targets": "0.0.0.0/0", "target": f"http://127.0.0.1:{r}/"},
        "method": [http_probe("${target}")],
    },
    "python provider, chaosdrillbit probe": lambda r, a: {
        "method": [python_probe("chaosdrillbit.probes", "checkout_error_rate", target_url=f"http://127.0.0.1:{r}")]
    },
    "python provider, chaostoolkit-prometheus": lambda r, a: {
        "configuration": {"prometheus_base_url": f"http://127.0.0.1:{r}"},
        "method": [python_probe("chaosprometheus.probes", "query", query="up")],
    },
    "python provider, chaostoolkit-toxiproxy": lambda r, a: {
        "configuration": {"toxiproxy_url": f"http://127.0.0.1:{r}"},
        "method": [python_probe("chaostoxi.proxy.actions", "reset")],
    },
    "python provider, unvetted module": lambda r, a: {
        "method": [python_probe("urllib.request", "urlopen", url=f"http://127.0.0.1:{a}/")]
    },
    "process provider, executable not allowed": lambda r, a: {
        "method": [{"type": "action", "name": "reach", "provider": {
            "type": "process", "path": "curl", "arguments": ["-s", f"http://127.0.0.1:{a}/"]}}]
    },
    "process provider, allowed executable, refused URL": lambda r, a: {
        "method": [{"type": "action", "name": "reach", "provider": {
            "type": "process", "path": "true", "arguments": [f"http://127.0.0.1:{r}/"]}}]
    },
    "steady-state probe": lambda r, a: {
        "steady-state-hypothesis": {"title": "t", "probes": [{**http_probe(f"http://127.0.0.1:{r}/"), "tolerance": 200}]},
        "method": [http_probe(f"http://127.0.0.1:{a}/")],
    },
    "rollback": lambda r, a: {
        "method": [http_probe(f"http://127.0.0.1:{a}/method")],
        "rollbacks": [
            {"type": "action", "name": "refused-rollback", "provider": {"type": "http", "url": f"http://127.0.0.1:{r}/"}},
            {"type": "action", "name": "allowed-rollback", "provider": {"type": "http", "url": f"http://127.0.0.1:{a}/rollback"}},
        ],
    },
    "safeguards stop-condition probe": lambda r, a: {
        "controls": [{"name": "stops", "provider": {"type": "python", "module": "chaosaddons.controls.safeguards",
                      "arguments": {"probes": [{**http_probe(f"http://127.0.0.1:{r}/"), "tolerance": 200}]}}}],
        "method": [http_probe(f"http://127.0.0.1:{a}/")],
    },
}


def experiment(spec: dict[str, Any]) -> dict[str, Any]:
    controls = [{"name": "drillbit-safeguard", "provider": {"type": "python", "module": "chaosdrillbit.control"}}]
    return {
        "title": "route", "description": "route", "version": "1.0.0",
        "runtime": {"rollbacks": {"strategy": "always"}},
        **spec,
        "controls": controls + spec.get("controls", []),
    }


def route_env(name: str, recorder_port: int, allowed_port: int) -> dict[str, str | None]:
    """The environment a route runs in (None: unset): the operator allows only the allowed
    server and ``true``; the environment-proxy route points the proxy at the recorder."""
    env: dict[str, str | None] = {"DRILLBIT_CHAOS_ALLOW": f"127.0.0.1:{allowed_port},exec:/usr/bin/true"}
    if "proxy" in name:
        env |= {"HTTP_PROXY": f"http://127.0.0.1:{recorder_port}", "http_proxy": f"http://127.0.0.1:{recorder_port}"}
        env |= {"NO_PROXY": None, "no_proxy": None}
    return env


def run_route(name: str, recorder_port: int, allowed: Allowed, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    for variable, value in route_env(name, recorder_port, allowed.port).items():
        if value is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, value)
    journal: dict[str, Any] = run_experiment(experiment(ROUTES[name](recorder_port, allowed.port)))
    return journal


@pytest.mark.parametrize("name", sorted(ROUTES))
def test_no_route_reaches_a_refused_target(
    name: str, recorder: ConnectionRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    with allowed_server(redirect_to=f"http://127.0.0.1:{recorder.port}/stolen") as allowed:
        journal = run_route(name, recorder.port, allowed, monkeypatch)
    assert recorder.accepted == [], name
    guard = journal["drillbit_safeguard"]
    assert guard["refused"] or guard["connections_refused"], name
    if name == "rollback":
        statuses = {run["activity"]["name"]: run["status"] for run in journal["rollbacks"]}
        assert statuses == {"refused-rollback": "failed", "allowed-rollback": "succeeded"}
        assert "/rollback" in allowed.paths  # the other rollback still ran
    elif not name.startswith(("http provider, redirect", "http provider, environment", "safeguards")):
        assert journal["status"] == "interrupted"  # refused before sending: the method stops


def test_an_allowed_activity_runs_pinned_to_the_address_its_name_resolved_to(
    recorder: ConnectionRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    with allowed_server(redirect_to="unused") as allowed:
        monkeypatch.setenv("DRILLBIT_CHAOS_ALLOW", f"127.0.0.1:{allowed.port},[::1]:{allowed.port}")
        journal = run_experiment(experiment({"method": [http_probe(f"http://localhost:{allowed.port}/ok")]}))
    run = journal["run"][0]
    assert run["status"] == "succeeded" and allowed.paths == ["/ok"]
    assert run["activity"]["provider"]["url"] in {f"http://127.0.0.1:{allowed.port}/ok", f"http://[::1]:{allowed.port}/ok"}
    assert run["activity"]["provider"]["headers"] == {"Host": f"localhost:{allowed.port}"}
    assert journal["drillbit_safeguard"]["refused"] == []


def test_an_allowed_executable_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRILLBIT_CHAOS_ALLOW", "127.0.0.1:1,exec:/usr/bin/true")
    action = {"type": "action", "name": "ok", "provider": {"type": "process", "path": "true"}}
    journal = run_experiment(experiment({"method": [action]}))
    assert journal["run"][0]["status"] == "succeeded"


def test_a_broken_allow_list_refuses_everything_in_one_line(monkeypatch: pytest.MonkeyPatch, recorder: ConnectionRecorder) -> None:
    monkeypatch.setenv("DRILLBIT_CHAOS_ALLOW", "127.0.0.1:99999")
    journal = run_experiment(experiment({"method": [http_probe(f"http://127.0.0.1:{recorder.port}/")]}))
    assert journal["status"] == "interrupted" and recorder.accepted == []
    assert "not a valid port" in journal["drillbit_safeguard"]["refused"][0]["reason"]


def test_the_routes_cover_every_provider_type_and_phase() -> None:
    kinds = {"http", "process", "python"}
    seen = {
        activity["provider"]["type"]
        for make in ROUTES.values()
        for section in ("method", "rollbacks")
        for activity in make(1, 2).get(section, [])
    }
    assert kinds <= seen
    assert sys.platform.startswith("linux")  # 0.0.0.0 and ::ffff: reach a 127.0.0.1 listener here
