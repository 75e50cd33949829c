"""The web layer's small parts: settings, tokens, payload parsing, alert plans, forms, the hub."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from playbook.errors import InvalidDefinition
from webui.alerts import alertmanager_plan, pagerduty_id
from webui.forms import action_from_form, inject_from_request
from webui.hub import Hub
from webui.payloads import AlertmanagerWebhook, PagerDutyEvent, alert_context
from webui.security import (
    participant_of,
    participant_token,
    receiver_claim,
    receiver_token,
    sign,
    unsign,
)
from webui.settings import Settings, is_loopback, load_admin_token, load_secret
from webui.streams import sse_message


def test_settings_default_to_loopback_and_refuse_other_hosts_unless_allowed(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).host == "127.0.0.1"
    for host in ("0.0.0.0", "::", "192.168.1.5", "example.com"):
        with pytest.raises(ValidationError, match="DRILLBIT_ALLOW_PUBLIC=1"):
            Settings(host=host)
    assert Settings(host="0.0.0.0", allow_public=True).host == "0.0.0.0"
    assert is_loopback("::1") and is_loopback("localhost") and is_loopback("127.0.0.2")


def test_the_secret_and_admin_token_are_generated_once_and_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    secret = load_secret(settings)
    assert secret == load_secret(settings) and len(secret) >= 32
    assert stat.S_IMODE(os.stat(tmp_path / "var" / "secret.key").st_mode) == 0o600
    assert load_admin_token(settings) == load_admin_token(settings)
    (tmp_path / "var" / "secret.key").write_text("short")
    with pytest.raises(InvalidDefinition, match="shorter than 32"):
        load_secret(settings)


def test_signed_tokens_open_only_what_they_were_made_for() -> None:
    secret = b"k" * 32
    assert unsign(secret, sign(secret, "a.b")) == "a.b"
    assert unsign(b"x" * 32, sign(secret, "a")) is None
    token = participant_token(secret, "room1", "Ada Lovelace; <b>")
    assert participant_of(secret, "room1", token) == "Ada Lovelace; <b>"
    assert participant_of(secret, "room2", token) is None
    rtoken = receiver_token(secret, "room1", 3)
    assert receiver_claim(secret, rtoken) == ("room1", 3)
    assert participant_of(secret, "room1", rtoken) is None
    assert receiver_claim(secret, token) is None


def test_alert_context_reads_labels_and_refuses_nonsense() -> None:
    ctx = alert_context("checkout", {"error_rate": "12.5%", "is_revenue_impacting": "true", "dependent_services": "a, b"})
    assert (ctx.error_rate, ctx.is_revenue_impacting, ctx.dependent_services) == (12.5, True, ("a", "b"))
    for bad in ({"error_rate": "lots"}, {"error_rate": "inf"}, {"error_rate": "250"}, {"is_data_loss": "maybe"}):
        with pytest.raises(InvalidDefinition):
            alert_context("checkout", bad)


def test_a_pagerduty_event_needs_what_its_action_needs() -> None:
    with pytest.raises(ValidationError, match="a trigger event needs a payload"):
        PagerDutyEvent.model_validate({"event_action": "trigger"})
    with pytest.raises(ValidationError, match="an acknowledge event needs a dedup_key"):
        PagerDutyEvent.model_validate({"event_action": "acknowledge"})
    assert pagerduty_id("x") == pagerduty_id("x") != pagerduty_id("y")


def test_alertmanager_alerts_get_stable_ids_and_a_refire_is_a_new_alert() -> None:
    def hook(starts: str) -> AlertmanagerWebhook:
        return AlertmanagerWebhook.model_validate({
            "version": "4", "status": "firing",
            "alerts": [{"status": "firing", "labels": {"alertname": "A", "job": "api"}, "startsAt": starts}],
        })

    first = alertmanager_plan(hook("2026-01-01T00:00:00Z"), seen=set())[0]
    assert first.outcome == "fire" and first.inject is not None
    assert first.inject["context"]["service"] == "api"
    assert alertmanager_plan(hook("2026-01-01T00:00:00Z"), seen={first.alert_id})[0].outcome == "duplicate"
    assert alertmanager_plan(hook("2026-01-01T01:00:00Z"), seen={first.alert_id})[0].outcome == "fire"


def test_forms_become_engine_actions() -> None:
    claim = action_from_form({"type": "assign_role", "role": "Scribe", "csrf_token": "t"}, actor="ann")
    assert claim.model_dump() == {"type": "assign_role", "person": "ann", "role": "Scribe"}
    ack = action_from_form({"type": "acknowledge", "alert_id": ""}, actor="ann")
    assert ack.model_dump() == {"type": "acknowledge", "alert_id": None}
    note = action_from_form({"type": "add_note", "prefix": "Decision", "text": "roll back"}, actor="ann")
    assert note.model_dump()["text"] == "Decision: roll back"


def test_an_api_inject_without_a_type_is_a_log_line() -> None:
    spec = inject_from_request("fault injected", {"service": "checkout", "latency_ms": 800})
    assert (spec["type"], spec["service"], spec["line"]) == ("log", "checkout", "fault injected: latency_ms=800")
    assert spec["id"].startswith("fault-injected-")
    typed = inject_from_request("x", {"type": "deploy", "service": "s", "version": "v2", "id": "mine"})
    assert typed["id"] == "mine" and typed["at"] == 0


def test_an_sse_message_puts_every_line_in_a_data_field() -> None:
    assert sse_message("timeline", "<li>a</li>\n<li>b</li>") == "event: timeline\ndata: <li>a</li>\ndata: <li>b</li>\n\n"


def test_the_hub_wakes_waiters_of_the_room_that_changed_only() -> None:
    async def scenario() -> tuple[int, int]:
        hub = Hub()
        hub.bind(asyncio.get_running_loop())
        waiting = asyncio.create_task(hub.wait("a", 0, timeout=5))
        other = asyncio.create_task(hub.wait("b", 0, timeout=0.05))
        await asyncio.sleep(0)
        hub.poke("a")
        return await waiting, await other

    assert asyncio.run(scenario()) == (1, 0)
