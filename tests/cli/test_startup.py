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


def _run(script: str, *args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-500:]
    return done.stdout.splitlines()


def test_pydantics_plugin_loader_comes_without_importlib_metadata_and_still_finds_entry_points() -> None:
    # The loader's entry_points is importlib.metadata's, imported on its first call: with
    # plugins enabled, pydantic finds exactly what importlib.metadata finds.
    lines = _run(
        """
        import sys
        from drillbit.startup import import_plugin_loader
        import_plugin_loader()
        print("importlib.metadata" in sys.modules)
        from pydantic.plugin import _loader
        found = sorted(e.value for e in _loader.entry_points(group="console_scripts"))
        import importlib.metadata
        print(found == sorted(e.value for e in importlib.metadata.entry_points(group="console_scripts")))
        print("drillbit.cli:run" in found, importlib.metadata.__file__ is not None)
        """
    )
    assert lines == ["False", "True", "True True"]


def test_the_plugin_loader_is_left_alone_when_importlib_metadata_is_already_there() -> None:
    lines = _run(
        """
        import importlib.metadata
        from drillbit.startup import import_plugin_loader
        import_plugin_loader()
        from pydantic.plugin import _loader
        print(_loader.entry_points is importlib.metadata.entry_points)
        """
    )
    assert lines == ["True"]


def test_a_name_other_than_entry_points_comes_from_the_real_importlib_metadata() -> None:
    # A pydantic whose loader imports more of importlib.metadata stays correct (only slower).
    lines = _run(
        """
        import sys
        from drillbit import startup
        stand_in = startup._stand_in()
        print(stand_in.version("pydantic") == __import__("pydantic").VERSION)
        print(sys.modules["importlib.metadata"] is not stand_in, hasattr(stand_in, "__path__"))
        """
    )
    assert lines == ["True", "True False"]
