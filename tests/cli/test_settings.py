"""One settings object: every ``DRILLBIT_*`` variable is a field, documented in the README,
and the command line and the web UI share the same default data directory."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from drillbit.cli import main
from drillbit.settings import Settings, env_name, load_settings
from playbook.errors import InvalidDefinition
from tests.webui.conftest import ADMIN, FAST, bearer

ROOT = Path(__file__).resolve().parents[2]
_ROW = re.compile(r"^\| `(DRILLBIT_[A-Z0-9_]+)` \| ([^|]*) \|", re.MULTILINE)


def _readme_rows() -> dict[str, str]:
    return dict(_ROW.findall((ROOT / "README.md").read_text(encoding="utf-8")))


def _names_used_in_the_code() -> set[str]:
    found: set[str] = set()
    for pattern in ("drillbit/**/*.py", "webui/**/*.py", "drills/**/*.py", "simulator/**/*.py",
                    "scenarios/**/*.py", "scenarios/**/*.yaml", "playbook/**/*.py", "tests/**/*.py",
                    "ext/**/*.py"):
        for path in ROOT.glob(pattern):
            found.update(re.findall(r"DRILLBIT_[A-Z0-9_]*[A-Z0-9]", path.read_text(encoding="utf-8")))
    return found


def test_every_setting_has_one_row_in_the_readme_table() -> None:
    rows = _readme_rows()
    assert set(rows) == {env_name(name) for name in Settings.model_fields}


def test_every_drillbit_variable_the_code_names_is_a_setting() -> None:
    fields = {env_name(name) for name in Settings.model_fields}
    assert _names_used_in_the_code() <= fields


def test_the_readme_states_each_default_as_the_settings_have_it() -> None:
    rows = _readme_rows()
    for name, field in Settings.model_fields.items():
        shown = rows[env_name(name)].strip().strip("`")
        if field.default_factory is not None or field.default is None:
            continue  # computed or unset defaults are described in words
        default = field.default
        expected = ",".join(default) if isinstance(default, tuple) else str(default)
        expected = expected or "(empty)"
        assert shown == expected, name


def test_a_variable_sets_a_field_and_an_argument_wins_over_it() -> None:
    environ = {"DRILLBIT_PORT": "9001", "DRILLBIT_ALLOWED_HOSTS": "drills.example, localhost"}
    settings = load_settings(environ)
    assert settings.port == 9001
    assert settings.allowed_hosts == ("drills.example", "localhost")
    assert load_settings(environ, port=9002).port == 9002


def test_a_bad_variable_is_one_line_naming_it() -> None:
    with pytest.raises(InvalidDefinition, match=r"^DRILLBIT_PORT: Input should be a valid integer"):
        load_settings({"DRILLBIT_PORT": "eighty"})


def test_drill_score_finds_a_room_played_in_the_browser_without_being_told_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from drills.clock import VirtualClock
    from tests.webui.conftest import start_harness

    monkeypatch.chdir(tmp_path)
    for name in ("DRILLBIT_DB", "DRILLBIT_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    web_default = Settings().data_dir
    _app, client = start_harness(web_default, VirtualClock())
    with client:
        created = client.post("/api/v1/rooms", json={"script": FAST, "start": True}, headers=bearer(ADMIN))
        assert created.status_code == 201, created.text
        room = created.json()["session_id"]
    main(["drill", "score", room, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert report["session_id"] == room


def test_reading_the_settings_imports_no_web_chaos_or_load_stack() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, drillbit.settings as s; s.load_settings({}); "
        "print(sorted(m for m in ('fastapi', 'starlette', 'chaoslib', 'locust', 'numpy', 'simpy', 'playbook') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT)
    assert loaded.stdout.strip() == "[]"
