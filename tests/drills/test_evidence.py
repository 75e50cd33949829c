"""Evidence on request: each look-up is a recorded event holding what it showed, and nothing
of the truth."""

from __future__ import annotations

import json

import pytest

from drills.actions import Look
from drills.errors import ActionRefused
from drills.library import find_script
from playbook.model import Playbook
from tests.drills.conftest import Drill


@pytest.fixture
def world_drill(book: Playbook) -> Drill:
    return Drill(find_script("conn-pool-leak", playbook=book), book).start()


def test_a_metrics_look_records_who_what_when_and_the_series(world_drill: Drill) -> None:
    (record,) = world_drill.at(20).act("bob", Look(evidence="metrics", service="database-primary", start=10, end=20))
    assert (record.actor, record.at, record.kind) == ("bob", 20, "evidence_viewed")
    result = record.event.result  # type: ignore[union-attr]
    assert result["minute"] == list(range(10, 21))
    # The pool the world fills: more connections in use at the end than at the start.
    assert result["pool_in_use"][-1] > result["pool_in_use"][0] and result["pool_size"][-1] == 200


def test_a_log_search_filters_by_service_level_and_text_newest_first(world_drill: Drill) -> None:
    (record,) = world_drill.at(25).act("bob", Look(evidence="logs", service="order-service", level="error",
                                                   text="connection"))
    lines = record.event.result  # type: ignore[union-attr]
    assert lines and all(line["service"] == "order-service" and line["level"] == "error" for line in lines)
    assert all("connection" in line["text"] for line in lines)
    assert [line["at"] for line in lines] == sorted((line["at"] for line in lines), reverse=True)


def test_the_change_feed_shows_the_deploy_and_the_red_herring_alike(world_drill: Drill) -> None:
    (record,) = world_drill.at(5).act("alice", Look(evidence="changes"))
    feed = record.event.result  # type: ignore[union-attr]
    services = [c["service"] for c in feed]
    assert "order-service" in services and "search" in services
    assert "red" not in json.dumps(feed).lower() and "leak" not in json.dumps(feed).lower()


def test_a_runbook_opens_and_an_unknown_one_is_refused(world_drill: Drill) -> None:
    (record,) = world_drill.at(1).act("bob", Look(evidence="runbook", name="high-error-rate"))
    assert record.event.result["markdown"].startswith("# HighErrorRate")  # type: ignore[union-attr]
    with pytest.raises(ActionRefused, match="no runbook 'nope'"):
        world_drill.act("bob", Look(evidence="runbook", name="nope"))


def test_the_dependency_map_and_on_call_are_evidence_too(world_drill: Drill) -> None:
    (deps,) = world_drill.at(20).act("bob", Look(evidence="dependencies"))
    health = {d["service"]: d["health"] for d in deps.event.result}  # type: ignore[union-attr]
    assert health["search"] == "healthy" and health["api-gateway"] != "healthy"
    (oncall,) = world_drill.act("bob", Look(evidence="oncall"))
    assert set(oncall.event.result["on_call"]) == {"checkout-primary", "checkout-secondary"}  # type: ignore[union-attr]
