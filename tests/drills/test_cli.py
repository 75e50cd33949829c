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
    # One harmful operation costs half of mitigation_choice's 9 points; nothing else is lost.
    assert (data["score"]["total"], data["score"]["max"]) == (95.5, 100)
    ids = [c["id"] for c in data["score"]["criteria"]]
    assert {"diagnosis", "investigation"} <= set(ids) and len(ids) == 14
    first = data["score"]["criteria"][0]
    assert set(first) == {"id", "points", "max", "rating", "evidence", "explanation"}
    assert first["rating"] in {"P", "S", "M", "U"}
    choice = next(c for c in data["score"]["criteria"] if c["id"] == "mitigation_choice")
    assert (choice["points"], choice["rating"]) == (4.5, "M")


def test_score_and_postmortem_read_the_session_back(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    db = str(tmp_path / "d.db")
    run(capsys, "drill", "run", "dropped-index", "--autopilot", "textbook", "--db", db, "--json")
    _, out, _ = run(capsys, "drill", "run", "dropped-index", "--autopilot", "no-comms", "--db", db, "--json")
    sid = json.loads(out)["session_id"]
    code, md, _ = run(capsys, "drill", "score", sid, "--db", db)
    assert code == 0 and "# Drill score: Release morning for orders" in md
    # no-comms loses status_page (6), internal_updates (7) and update_content (7) of textbook's 100.
    assert "The team is declining: -20 points on the last session" in md
    _, html, _ = run(capsys, "drill", "score", sid, "--db", db, "--format", "html")
    assert html.startswith("<!doctype html>")
    _, js, _ = run(capsys, "drill", "score", sid, "--db", db, "--format", "json")
    assert json.loads(js)["comparison"]["delta_vs_last"] == -20
    code, pm, _ = run(capsys, "drill", "postmortem", sid, "--db", db)
    assert code == 0 and pm.startswith("# Postmortem:") and "## Action Items" in pm


def test_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "drill", "list", "--json")
    assert code == 0
    rows = json.loads(out)
    assert {r["id"]: r["severity"] for r in rows}["credential-leak"] == "SEV1"
    code, out, _ = run(capsys, "drill", "show", "credential-leak", "--json")
    shown = json.loads(out)
    assert shown["world"]["faults"][0]["until"]["credential_rotated"] == "ci-deploy-key"
    code, text, _ = run(capsys, "drill", "show", "alert-storm")
    assert code == 0 and "Red herrings: batch-nodes" in text and "Remedy: scale search to 6 replicas" in text


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
    # The world fills the pool at minute 15 (14:27): the pool rule's own label, no severity verdict.
    assert "14:27  Alert db-pool-exhausted.database-primary fired (warning)" in out
    assert "Drill ended: the script's time is up" in out
    assert clock.now() - VirtualClock().now() <= timedelta(minutes=91 / 60)


def test_check_validates_a_drill_and_names_file_line_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from drills.library import LIBRARY_DIR

    code, out, _ = run(capsys, "drill", "check", str(LIBRARY_DIR / "queue-backlog.yaml"))
    assert code == 0 and out.startswith("ok: ") and "3 services, 1 fault(s)" in out
    text = (LIBRARY_DIR / "queue-backlog.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("max_depth: 2000000", "max_depth: -1"), encoding="utf-8")
    line = next(n for n, t in enumerate(bad.read_text().splitlines(), 1) if "max_depth: -1" in t)
    code, _, err = run(capsys, "drill", "check", str(bad))
    assert code == 2 and err.count("\n") == 1
    assert err.startswith(f"drillbit: error: {bad}:{line}: world.services[1].max_depth: ")


def test_metrics_prints_the_world_series_in_the_documented_shape(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = str(tmp_path / "d.db")
    _, out, _ = run(capsys, "drill", "run", "conn-pool-leak", "--autopilot", "textbook", "--db", db, "--json")
    sid = json.loads(out)["session_id"]
    code, out, _ = run(capsys, "drill", "metrics", sid, "--db", db, "--json")
    data = json.loads(out)
    assert code == 0 and set(data) == {"services"}
    assert set(data["services"]) == {"api-gateway", "order-service", "database-primary", "search"}
    gateway = data["services"]["api-gateway"]
    assert set(gateway) == {"minute", "requests_per_second", "error_rate", "latency_p99_ms", "saturation_pct"}
    assert gateway["minute"][0] == 0 and gateway["minute"] == list(range(len(gateway["minute"])))
    assert all(len(v) == len(gateway["minute"]) for v in gateway.values())
    assert max(gateway["error_rate"]) > 20  # percent: the pool ran out before the rollback
    _, one, _ = run(capsys, "drill", "metrics", sid, "--db", db, "--service", "search", "--json")
    assert set(json.loads(one)["services"]) == {"search"}
    code, _, err = run(capsys, "drill", "metrics", sid, "--db", db, "--service", "nope", "--json")
    assert code == 2 and "no service 'nope'" in err
    code, md, _ = run(capsys, "drill", "debrief", sid, "--db", db)
    assert code == 0 and md.startswith("# Debrief: Wednesday afternoon on the commerce platform")
    code, html, _ = run(capsys, "drill", "debrief", sid, "--db", db, "--format", "html")
    assert code == 0 and html.startswith("<!doctype html>")
