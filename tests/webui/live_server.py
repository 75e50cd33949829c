"""A real ``python -m webui`` process on a loopback port, for the tests that need real HTTP
streaming or a real browser: started, stopped and started again on the same port and data
directory (a server that went away and came back); and what the browser tests share
(Debian's chromium, its flags, screenshots under ``docs/screenshots/``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from drillbit.settings import Settings

ADMIN = "browser-test-admin-token-0123456789"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shoot(page: object, name: str, *, full_page: bool = True) -> None:
    """Save ``page`` as ``docs/screenshots/NAME.png`` when DRILLBIT_SCREENSHOTS=1."""
    if Settings().screenshots:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)  # type: ignore[attr-defined]


class LiveServer:
    """One server process at a time on ``data_dir``; ``url`` keeps its port across restarts."""

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.env = {
            **os.environ,
            "DRILLBIT_DATA_DIR": str(data_dir),
            "DRILLBIT_SSE_MAX_SECONDS": "60",
            "DRILLBIT_TICK_SECONDS": "0.25",
            "DRILLBIT_ALLOW_PUBLIC": "0",
            "DRILLBIT_ADMIN_TOKEN": ADMIN,
            **env,
        }
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    def start(self) -> str:
        """Start the server (on the port it had before, if it ran already); its URL."""
        port = self.url.rsplit(":", 1)[1] if self.url else "0"
        proc = subprocess.Popen(
            [sys.executable, "-m", "webui", "--port", port, "--host", "127.0.0.1"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert proc.stdout is not None
        self._proc = proc
        first = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+)/", first)
        assert match, first
        self.url = match.group(1)
        return self.url

    def stop(self) -> None:
        """Stop the server (SIGTERM, as an operator would) and wait for it to exit."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            assert proc.stdout is not None
            proc.stdout.close()

    @contextmanager
    def signed_in(self) -> Iterator[httpx.Client]:
        """An HTTP client signed in as a facilitator, sending its CSRF token on every request."""
        with httpx.Client(base_url=self.url, timeout=30) as client:
            client.get("/signin")
            client.headers["X-CSRF-Token"] = client.cookies["csrftoken"]
            assert client.post("/signin", data={"token": ADMIN}).status_code == 303
            yield client


@contextmanager
def live_server(data_dir: Path, **env: str) -> Iterator[LiveServer]:
    """A started server, stopped afterwards."""
    server = LiveServer(data_dir, **env)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, str]]:
    """The (event, data) messages of an SSE stream's lines (comments and ``retry`` skipped)."""
    event, data = "", []
    for line in lines:
        if not line:
            if event:
                yield event, "\n".join(data)
            event, data = "", []
        elif line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") or line == "data:":
            data.append(line.removeprefix("data:").removeprefix(" "))
