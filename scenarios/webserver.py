"""The web UI for a game day: ``drillbit serve`` in a child process, on a free loopback port.

The server is started with ``--port 0`` (it binds the socket itself and prints the real URL,
so no other process can take the port in between), its own data directory, and a fresh admin
token passed in its environment (``DRILLBIT_ADMIN_TOKEN``); the URL is read from its log. Like
the stack's processes it runs in its own session, so a Ctrl-C meant for the game day does not
reach it, and :func:`stop_web_ui` stops it (SIGTERM: uvicorn ends the live streams, then
exits).
"""

from __future__ import annotations

import re
import secrets
import sys
from pathlib import Path

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from playbook.errors import RunFailed
from scenarios.procs import ProcessRecord, is_running, log_tail, python_env, spawn, terminate
from scenarios.procs import wait_until as _wait_until

__all__ = ["WebUi", "serve_argv", "start_web_ui", "stop_web_ui"]

_URL = re.compile(r"drillbit web UI on (http://127\.0\.0\.1:\d+)/")
#: Settings a caller's environment could set that would move the server off our choices.
_OVERRIDDEN = ("DRILLBIT_HOST", "DRILLBIT_PORT", "DRILLBIT_ALLOW_PUBLIC", "DRILLBIT_DB")


class WebUi(BaseModel):
    """A web UI this program started."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str
    record: ProcessRecord
    data_dir: Path
    admin_token: SecretStr
    log_path: Path


def serve_argv(data_dir: Path) -> list[str]:
    """``drillbit serve`` on 127.0.0.1, any free port, with ``data_dir`` as its data dir."""
    return [
        sys.executable, "-m", "drillbit", "serve",
        "--host", "127.0.0.1",
        "--port", "0",
        "--data-dir", str(data_dir),
        "--db", str(data_dir / "drillbit.db"),
    ]  # fmt: skip


def _healthy(url: str) -> bool:
    try:
        with httpx.Client(trust_env=False, follow_redirects=False, timeout=1.0) as client:
            return client.get(f"{url}/healthz").status_code == httpx.codes.OK
    except httpx.HTTPError:
        return False


def start_web_ui(data_dir: Path, *, log_path: Path, timeout: float = 30.0, die_with_us: bool = False) -> WebUi:
    """Start the web UI and wait (bounded) until it answers ``/healthz``.

    With ``die_with_us`` it stops when this process dies, even by ``kill -9``."""
    data_dir = data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = SecretStr(secrets.token_urlsafe(32))
    env = python_env({"DRILLBIT_ADMIN_TOKEN": token.get_secret_value()})
    for key in _OVERRIDDEN:
        env.pop(key, None)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    offset = log_path.stat().st_size if log_path.exists() else 0
    record = spawn("webui", serve_argv(data_dir), log_path=log_path, env=env, die_with_us=die_with_us)

    def announced() -> str | None:
        if not is_running(record):
            raise RunFailed(f"the web UI exited while starting:\n{log_tail(log_path)}")
        with log_path.open("rb") as handle:
            handle.seek(offset)
            found = _URL.search(handle.read().decode(errors="replace"))
        return found.group(1) if found else None

    try:
        url = _wait_until(announced, timeout=timeout, what="the web UI to print its URL")
        _wait_until(lambda: _healthy(url), timeout=timeout, what=f"{url}/healthz")
    except BaseException:
        terminate(record)
        raise
    return WebUi(url=url, record=record, data_dir=data_dir, admin_token=token, log_path=log_path)


def stop_web_ui(ui: WebUi, *, timeout: float = 10.0) -> bool:
    """Stop the web UI (True if it was running)."""
    return terminate(ui.record, timeout=timeout)
