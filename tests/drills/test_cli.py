"""The ``drillbit drill`` commands: list, show, run (autopilot and live), score, postmortem."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

import drillbit.commands.drill as drill_commands
from drillbit.cli import main
from drills.clock import VirtualClock


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_json_prints_the_session_and_the_score_in_the_documented_shape(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "drill", "run", "conn-pool-leak", "--autopilot", "wrong-fix",
                       "--speed", "30", "--db", str(tmp_path / "d.db"), "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"session_id", "score"}
    assert set(data["score"]) == {"total", "max", "criteria"}
    assert (data["score"]["total"], data["score"]["max"]) == (95, 100)
    first = data["score"]["criteria"][0]
    assert set(first) == {"id", "points", "max", "rating", "evidence", "explanation"}
    assert first["rating"] in {"P", "S", "M", "U"}
    choice = next(c for c in data["score"]["criteria"] if c["id"] == "mitigation_choice")
    assert (choice["points"], choice["rating"]) == (5, "M")


def test_score_and_postmortem_read_the_session_back(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    run(capsys, "drill", "run", "dropped-index", "--autopilot", "textbook", "--db", db, "--json")
    _, out, _ = run(capsys, "drill", "run", "dropped-index", "--autopilot", "no-comms", "--db", db, "--json")
    sid = json.loads(out)["session_id"]
    code, md, _ = run(capsys, "drill", "score", sid, "--db", db)
    assert code == 0 and "# Drill score: Slow orders after a schema migration" in md
    assert "The team is slipping: -24 points on the last session" in md
    _, html, _ = run(capsys, "drill", "score", sid, "--db", db, "--format", "html")
    assert html.startswith("<!doctype html>")
    _, js, _ = run(capsys, "drill", "score", sid, "--db", db, "--format", "json")
    assert json.loads(js)["comparison"]["delta_vs_last"] == -24
    code, pm, _ = run(capsys, "drill", "postmortem", sid, "--db", db)
    assert code == 0 and pm.startswith("# Postmortem:") and "## Action Items" in pm


def test_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "drill", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["id"]: r["severity"] for r in rows}["credential-leak"] == "SEV1"
    code, out, _ = run(capsys, "drill", "show", "credential-leak", "--json")
    shown = json.loads(out)
    assert shown["truth"]["mitigations"][0]["id"] == "revoke-rotate-key"
    code, text, _ = run(capsys, "drill", "show", "alert-storm")
    assert code == 0 and "noise" in text and "Root cause" in text


def test_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    code, _, err = run(capsys, "drill", "run", "nope", "--autopilot", "textbook", "--db", db)
    assert code == 2 and err.startswith("drillbit: error: no drill 'nope' in the library")
    code, _, err = run(capsys, "drill", "run", "alert-storm", "--autopilot", "lazy", "--db", db)
    assert code == 2 and "unknown autopilot profile 'lazy'" in err
    code, _, err = run(capsys, "drill", "run", "alert-storm", "--speed", "100", "--db", db)
    assert code == 2 and "--speed must be between 1 and 60" in err
    code, _, err = run(capsys, "drill", "score", "missing", "--db", db)
    assert code == 2 and "no drill session 'missing'" in err


def test_run_without_autopilot_plays_live_until_the_script_ends(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = VirtualClock()
    monkeypatch.setattr(drill_commands, "SystemClock", lambda: clock)
    monkeypatch.setattr(drill_commands.time, "sleep", lambda s: clock.advance(timedelta(seconds=s)))
    code, out, _ = run(capsys, "drill", "run", "conn-pool-leak", "--speed", "60",
                       "--db", str(tmp_path / "d.db"))
    assert code == 0
    assert "join code" in out
    assert "14:28  Alert high-error-rate fired (SEV2)" in out
    assert "Drill ended: the script's time is up" in out
    assert clock.now() - VirtualClock().now() <= timedelta(minutes=91 / 60)
