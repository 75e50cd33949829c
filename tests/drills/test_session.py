"""Sessions: the drill clock (speed, pause, resume), facilitator controls, joining, ad-hoc
injects, and many threads acting on one session at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest

from drills.actions import AddNote
from drills.clock import Anchor, VirtualClock, drill_minutes, wall_at
from drills.errors import ActionRefused
from drills.state import replay
from tests.drills.conftest import Drill


def test_the_drill_clock_runs_at_its_speed_and_stops_when_paused(stage: Callable[..., Drill]) -> None:
    d = stage()
    d.session.start(speed=10)
    d.clock.advance(timedelta(minutes=1))
    assert d.session.now() == 10
    d.session.pause()
    d.clock.advance(timedelta(minutes=5))
    assert d.session.now() == 10
    d.session.resume()
    d.session.set_speed(60)
    d.clock.advance(timedelta(seconds=30))
    assert d.session.now() == 40


def test_injects_arrive_on_the_drill_clock_not_before(drill: Drill) -> None:
    drill.at(15.9)
    assert "high-error-rate" not in drill.session.state.alerts
    drill.at(16)
    assert drill.session.state.alerts["high-error-rate"].fired_at == 16


def test_nothing_is_delivered_while_paused(drill: Drill) -> None:
    drill.at(10)
    drill.session.pause()
    drill.clock.advance(timedelta(hours=2))
    assert drill.session.sync() == []
    assert drill.session.now() == 10


def test_speed_is_bounded(stage: Callable[..., Drill]) -> None:
    d = stage()
    with pytest.raises(ActionRefused, match="between x1 and x60"):
        d.session.start(speed=61)
    d.session.start(speed=1)
    with pytest.raises(ActionRefused, match="already started"):
        d.session.start()
    with pytest.raises(ActionRefused, match="between"):
        d.session.set_speed(0.5)


def test_controls_refuse_the_wrong_state(drill: Drill) -> None:
    with pytest.raises(ActionRefused, match="resume refused: the drill is running"):
        drill.session.resume()
    drill.session.end("done")
    with pytest.raises(ActionRefused, match="the drill is ended"):
        drill.session.pause()
    with pytest.raises(ActionRefused, match="the drill has ended"):
        drill.session.join("late")


def test_names_are_unique_and_printable(drill: Drill) -> None:
    with pytest.raises(ActionRefused, match="'alice' is taken"):
        drill.session.join(" alice ")
    with pytest.raises(ActionRefused, match="1 to 40 printable"):
        drill.session.join("x" * 41)
    with pytest.raises(ActionRefused, match="1 to 40 printable"):
        drill.session.join("bad\nname")
    assert drill.session.join("<script>alert(1)</script>").actor == "<script>alert(1)</script>"


def test_an_ad_hoc_inject_arrives_now_and_its_alert_pages(drill: Drill) -> None:
    drill.at(5)
    records = drill.session.inject({
        "id": "adhoc-1", "at": 0, "type": "alert", "summary": "Facilitator: payments 503s",
        "context": {"service": "payments", "error_rate": 62.5, "is_revenue_impacting": True},
    })
    assert [(r.kind, r.at, r.source) for r in records] == [
        ("alert_fired", 5, "facilitator"), ("page_sent", 5, "system")
    ]
    with pytest.raises(ActionRefused, match="already used"):
        drill.session.inject({"id": "adhoc-1", "at": 0, "type": "log", "service": "x", "line": "y"})
    with pytest.raises(ActionRefused, match="already used"):
        drill.session.inject({"id": "m1", "at": 0, "type": "log", "service": "x", "line": "y"})


def test_a_cleared_alert_stops_paging_and_cannot_clear_twice(drill: Drill) -> None:
    drill.at(5)
    drill.session.inject({
        "id": "adhoc-2", "at": 0, "type": "alert", "summary": "Facilitator: payments 503s",
        "context": {"service": "payments", "error_rate": 62.5, "is_revenue_impacting": True},
    })
    drill.at(7)
    cleared = drill.session.clear_alert("adhoc-2")
    assert [(r.kind, r.at) for r in cleared] == [("alert_resolved", 7)]
    drill.at(60)
    pages = [r.at for r in drill.session.records() if r.kind == "page_sent" and r.ref == "adhoc-2"]
    assert pages == [5]
    with pytest.raises(ActionRefused, match="already cleared"):
        drill.session.clear_alert("adhoc-2")
    with pytest.raises(ActionRefused, match="has not fired"):
        drill.session.clear_alert("no-such-alert")


def test_records_after_an_offset_are_the_new_ones(drill: Drill) -> None:
    offset = drill.session.last_seq()
    drill.act("dave", AddNote(text="hello"))
    assert [r.kind for r in drill.session.records(after=offset)] == ["note_added"]


def test_wait_for_wakes_when_a_record_is_appended(drill: Drill) -> None:
    offset = drill.session.last_seq()
    assert not drill.session.wait_for(offset, timeout=0)
    woke: list[bool] = []
    waiter = threading.Thread(target=lambda: woke.append(drill.session.wait_for(offset, timeout=30)))
    waiter.start()
    drill.act("dave", AddNote(text="wake up"))
    waiter.join()
    assert woke == [True]


def test_many_threads_acting_at_once_keep_one_consistent_log(drill: Drill) -> None:
    names = [f"p{i}" for i in range(8)]
    for name in names:
        drill.session.join(name)

    def work(name: str) -> None:
        for i in range(25):
            drill.act(name, AddNote(text=f"{name} {i}"))
            if i % 5 == 0:
                drill.clock.advance(timedelta(seconds=10))

    threads = [threading.Thread(target=work, args=(n,)) for n in names]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = drill.session.records()
    assert [r.seq for r in records] == list(range(1, len(records) + 1))
    assert sum(r.kind == "note_added" for r in records) == 200
    assert [r.at for r in records] == sorted(r.at for r in records)
    assert replay(drill.store.records(drill.session.id)) == drill.session.state


def test_the_clock_maps_wall_time_to_drill_minutes_and_back() -> None:
    clock = VirtualClock()
    anchor = Anchor(at=10, wall=clock.now(), speed=6, running=True)
    assert drill_minutes(anchor, clock.now() + timedelta(minutes=2)) == 22
    assert wall_at(anchor, 22) == clock.now() + timedelta(minutes=2)
    assert drill_minutes(Anchor(10, clock.now(), 6, False), clock.now() + timedelta(hours=1)) == 10
    with pytest.raises(ValueError, match="backwards"):
        clock.advance(-1)
