"""The stack's ``drill`` Alertmanager receiver: repoint it at a room, put it back, or print it.

A game day points the bundled Alertmanager's ``drill`` receiver at its room
(:func:`set_drill_receiver`, reload) and restores it afterwards. With the user's own
Alertmanager drillbit cannot rewrite the file, so :func:`receiver_snippet` prints the receiver
(and its route) to paste into theirs; the token goes to a file they reference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, SecretStr

from playbook.errors import RunFailed
from playbook.safeyaml import safe_load
from scenarios.allowlist import AllowList
from scenarios.monitoring.alertmanager import DRILL_RECEIVER, WebhookTarget, receiver_config
from scenarios.monitoring.files import dump_yaml, write_secret
from scenarios.procs import is_running
from scenarios.stackstate import StackState, load_state, stack_allow_list

__all__ = ["ReceiverBackup", "receiver_snippet", "restore_drill_receiver", "set_drill_receiver"]


class ReceiverBackup(BaseModel):
    """The ``drill`` receiver as it was before :func:`set_drill_receiver` changed it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run_dir: Path
    config_text: str
    token: SecretStr | None


def _drill_token_file(run_dir: Path) -> Path:
    return run_dir / "secrets" / "drill-receiver.token"


def _reload_alertmanager(state: StackState, allow: AllowList, *, timeout: float) -> None:
    url = allow.check_url(f"{state.alertmanager_url}/-/reload")
    try:
        with httpx.Client(trust_env=False, follow_redirects=False, timeout=timeout) as client:
            response = client.post(url)
    except httpx.HTTPError as exc:
        raise RunFailed(f"cannot reload Alertmanager at {url}: {exc}") from exc
    if response.status_code != httpx.codes.OK:
        raise RunFailed(f"Alertmanager refused the new configuration: {response.text[:500]}")


def _require_state(run_dir: Path) -> StackState:
    state = load_state(run_dir)
    record = state.processes.get("alertmanager") if state is not None else None
    if state is None or record is None or not is_running(record):
        raise RunFailed(f"no running staging stack (with Alertmanager) in {run_dir}")
    return state


def set_drill_receiver(
    run_dir: Path, target: WebhookTarget | None, *, timeout: float = 10.0
) -> ReceiverBackup:
    """Point a running stack's ``drill`` receiver at ``target`` and reload Alertmanager.

    The target is allow-listed first (the stack's list). Its bearer token goes to the 0600
    token file Alertmanager reads on every notification; the YAML only names the file. If
    Alertmanager refuses the new file, the old one is put back. Returns what was there, for
    :func:`restore_drill_receiver`.
    """
    run_dir = run_dir.resolve()
    state = _require_state(run_dir)
    allow = stack_allow_list(state)
    if target is not None:
        allow.check_url(target.url)
    path = run_dir / "alertmanager.yml"
    token_file = _drill_token_file(run_dir)
    backup = ReceiverBackup(
        run_dir=run_dir,
        config_text=path.read_text(),
        token=SecretStr(token_file.read_text()) if token_file.exists() else None,
    )
    document = safe_load(backup.config_text, source=str(path))
    has_token = target is not None and target.token is not None
    if target is not None and target.token is not None:
        write_secret(token_file, target.token.get_secret_value())
    document["receivers"] = [
        receiver_config(DRILL_RECEIVER, target, token_file if has_token else None)
        if receiver.get("name") == DRILL_RECEIVER
        else receiver
        for receiver in document["receivers"]
    ]
    path.write_text(dump_yaml(document))
    try:
        _reload_alertmanager(state, allow, timeout=timeout)
    except BaseException:
        restore_drill_receiver(backup, timeout=timeout)
        raise
    return backup


def restore_drill_receiver(backup: ReceiverBackup, *, timeout: float = 10.0) -> None:
    """Put back the ``drill`` receiver saved by :func:`set_drill_receiver` (and reload)."""
    state = _require_state(backup.run_dir)
    (backup.run_dir / "alertmanager.yml").write_text(backup.config_text)
    token_file = _drill_token_file(backup.run_dir)
    if backup.token is None:
        token_file.unlink(missing_ok=True)
    else:
        write_secret(token_file, backup.token.get_secret_value())
    _reload_alertmanager(state, stack_allow_list(state), timeout=timeout)


def receiver_snippet(target: WebhookTarget, token_file: Path, service: str) -> str:
    """The ``drill`` receiver and a route sending ``service``'s critical alerts to it, as
    YAML for the user's own ``alertmanager.yml`` (the token stays in ``token_file``)."""
    document: dict[str, Any] = {
        "route": {
            "routes": [
                {
                    "receiver": DRILL_RECEIVER,
                    "matchers": [f'service="{service}"', 'severity="critical"'],
                    "continue": True,
                }
            ]
        },
        "receivers": [receiver_config(DRILL_RECEIVER, target, token_file if target.token else None)],
    }
    return dump_yaml(document)
