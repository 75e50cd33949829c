"""The grouping model predicts what a real Alertmanager (the Debian package, 0.25) sends.

One Alertmanager on 127.0.0.1 with a webhook receiver (``send_resolved: true``) gets three
alerts pushed through its API at known instants; the webhook records each notification's
arrival. The model, fed the same push times, startsAt and endsAt, must predict the same
notifications (status and each alert's status) at the same times, within 0.4 s. The
case covers an old ``startsAt`` flushing a group that has not flushed yet, a new alert
waiting for the next tick, two partial resolves and the all-clear.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from simulator.grouping import Timers, dispatch

BINARY = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
pytestmark = pytest.mark.skipif(BINARY is None, reason="needs prometheus-alertmanager")

CONFIG = """
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:{port}/
        send_resolved: true
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Hook:
    """A webhook receiver that stamps each notification with its arrival time."""

    def __init__(self) -> None:
        self.received: list[tuple[float, dict[str, Any]]] = []
        self.arrived = threading.Condition()
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with hook.arrived:
                    hook.received.append((time.monotonic(), body))
                    hook.arrived.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float) -> list[tuple[float, dict[str, Any]]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            return list(self.received)


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[tuple[str, _Hook]]:
    assert BINARY is not None
    hook = _Hook()
    config = tmp_path / "alertmanager.yml"
    config.write_text(CONFIG.format(port=hook.port), encoding="utf-8")
    port = _free_port()
    process = subprocess.Popen(
        [BINARY, f"--config.file={config}", f"--storage.path={tmp_path}",
         f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
         "--log.level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
            time.sleep(0.05)  # readiness poll of a starting process, not synchronisation
        yield url, hook
    finally:
        process.terminate()
        process.wait(timeout=10)
        hook.server.shutdown()
        hook.server.server_close()


def _push(url: str, name: str, starts: datetime, ends: datetime) -> None:
    body = json.dumps(
        [{"labels": {"alertname": "Probe", "instance": name},
          "startsAt": starts.isoformat(), "endsAt": ends.isoformat()}]
    ).encode()  # fmt: skip
    request = urllib.request.Request(
        f"{url}/api/v2/alerts", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200


def _at(t0: float, seconds: float) -> None:
    """Wait until ``seconds`` after ``t0``: the instant the scenario pushes its next alert."""
    time.sleep(max(0.0, t0 + seconds - time.monotonic()))


def test_the_model_predicts_a_real_alertmanagers_notifications(
    alertmanager: tuple[str, _Hook],
) -> None:
    url, hook = alertmanager
    # (name, push at s, startsAt s, endsAt s) relative to the first push.
    plan = [("a", 0.0, 0.0, 1.8), ("b", 0.3, -10.0, 3.8), ("c", 0.6, 0.6, 2.8)]
    wall0, t0 = datetime.now(UTC), time.monotonic()
    pushed: list[float] = []
    for name, at, starts, ends in plan:
        _at(t0, at)
        pushed.append(time.monotonic() - t0)
        _push(url, name, wall0 + timedelta(seconds=starts), wall0 + timedelta(seconds=ends))
    predicted = dispatch(
        pushed,
        [p[2] for p in plan],
        [p[3] for p in plan],
        [0, 0, 0],
        [0, 1, 2],
        Timers(wait=1, interval=1, repeat=3600),
    )
    # b's startsAt is older than group_wait: flush at once (a and b), c at the next tick,
    # a resolved with the tick after 1.8, c after 2.8, the all-clear after 3.8.
    assert [round(t - pushed[1], 6) for t in predicted.time] == [0.0, 1.0, 2.0, 3.0, 4.0]
    got = hook.wait_for(len(predicted), timeout=15)
    _at(t0, predicted.time[-1] + 1.5)  # one more tick: nothing else may arrive
    got = hook.wait_for(len(predicted) + 1, timeout=0)
    names = [p[0] for p in plan]
    assert [
        (
            body["status"],
            sorted((a["labels"]["instance"], a["status"]) for a in body["alerts"]),
        )
        for _, body in got
    ] == [
        (
            "firing" if firing else "resolved",
            sorted((names[a], "resolved" if a in resolved else "firing") for a in alerts),
        )
        for firing, alerts, resolved in zip(
            predicted.firing, predicted.alerts, predicted.resolved, strict=True
        )
    ]
    for (arrived, _), expected in zip(got, predicted.time, strict=True):
        assert abs(arrived - t0 - expected) < 0.4
