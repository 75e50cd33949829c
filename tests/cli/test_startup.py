"""``drillbit`` (``run``) pauses the collector for start-up only: commands run with it on."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = '''
import gc
import typer


def probe() -> None:
    """Report the collector's state as the command sees it."""
    print(f"enabled={gc.isenabled()} frozen={gc.get_freeze_count() > 0}")


def register(app: typer.Typer) -> None:
    app.command("probe")(probe)
'''


def test_a_command_run_by_the_executable_has_the_collector_on_and_start_up_frozen(
    tmp_path: Path,
) -> None:
    (tmp_path / "gc_probe.py").write_text(PROBE, encoding="utf-8")
    script = textwrap.dedent(
        f"""
        import gc, sys
        sys.path.insert(0, {str(tmp_path)!r})
        from drillbit import cli
        cli.COMMANDS["probe"] = "gc_probe"
        sys.argv = ["drillbit", "probe"]
        try:
            cli.run()
        finally:
            print(f"after: enabled={{gc.isenabled()}}")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.splitlines() == ["enabled=True frozen=True", "after: enabled=True"]


def test_an_error_before_any_command_leaves_the_collector_on(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import gc, sys
        from drillbit import cli
        sys.argv = ["drillbit", "no-such-command"]
        try:
            cli.run()
        except SystemExit as exc:
            print(f"exit={exc.code} enabled={gc.isenabled()}")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )  # fmt: skip
    assert done.stdout.splitlines() == ["exit=2 enabled=True"], done.stderr[-500:]
    assert len(done.stderr.splitlines()) == 1
