"""Every CLI error, usage or definition, exits 2 with exactly one line on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_playbook_commands import run
from tests.hostile_yaml import CASES

ROOT = Path(__file__).resolve().parents[2]


def one_line_exit_2(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code, _, err = run(capsys, *argv)
    assert code == 2, err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["classify"], "Missing option '--service'"),
        (["oncall", "--schedule", "checkout-primary"], "Missing option '--at'"),
        (["classify", "--service"], "'--service' requires an argument"),
        (["classify", "--service", "x", "--error-rate", "abc"], "Invalid value for '--error-rate'"),
        (["drill", "score", "s1", "--format", "pdf"], "Invalid value for '--format'"),
        (["classify", "--service", "x", "--bogus"], "No such option: --bogus"),
        (["nosuch"], "No such command 'nosuch'"),
        (["drill", "nosuch"], "No such command 'nosuch'"),
        (["simulate"], "Missing argument 'study'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    err = one_line_exit_2(capsys, *argv)
    assert err.startswith("drillbit: error: ") and says in err


def test_a_usage_error_names_the_help_of_its_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert "(try 'drillbit classify --help')" in one_line_exit_2(capsys, "classify")


def test_no_command_prints_the_help_on_stdout_and_one_line_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "drill")
    assert code == 2 and "missing command" in err and len(err.splitlines()) == 1
    assert "score" in out and "postmortem" in out


def test_a_missing_file_exits_2_naming_it(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    err = one_line_exit_2(capsys, "playbook", "check", str(missing))
    assert f"{missing}: cannot read file: No such file or directory" in err


def test_a_directory_given_as_a_file_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    err = one_line_exit_2(capsys, "classify", "--service", "x", "--playbook", str(tmp_path))
    assert f"{tmp_path}: cannot read file: Is a directory" in err


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("command", ["check", "classify", "simulate", "drill show"])
def test_each_hostile_yaml_file_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, command: str
) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(CASES[name])
    argv = {
        "check": ["playbook", "check", str(path)],
        "classify": ["classify", "--service", "x", "--playbook", str(path)],
        "simulate": ["simulate", str(path), "--out", str(tmp_path / "out")],
        "drill show": ["drill", "show", str(path)],
    }[command]
    assert str(path) in one_line_exit_2(capsys, *argv)


def test_the_installed_command_exits_2_without_a_traceback() -> None:
    # The real process, as a user runs it: nothing escapes main() to the interpreter.
    done = subprocess.run(
        [sys.executable, "-m", "drillbit", "classify", "--error-rate", "abc"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stdout == ""
