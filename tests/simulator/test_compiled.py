"""The compiled accelerator is used only when its build matches the sources, never when
turned off, and (when a build exists here) gives the pure Python's records bit for bit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.accelerator import ENV, Status, activate, digest, enabled, find_build

ROOT = Path(__file__).resolve().parents[2]


def _sources(root: Path) -> Path:
    """A tiny source tree with the digested packages' layout."""
    (root / "simulator").mkdir(parents=True)
    (root / "playbook" / "sub").mkdir(parents=True)
    (root / "simulator" / "kernel.py").write_text("X = 1\n", encoding="utf-8")
    (root / "playbook" / "sub" / "model.py").write_text("Y = 2\n", encoding="utf-8")
    return root


def _fake_build(build_root: Path, name: str) -> Path:
    """A build directory as make compiled leaves it (no compiled module needed here)."""
    (build_root / name / "simulator").mkdir(parents=True)
    return build_root / name


def test_a_build_named_by_the_sources_digest_is_found(tmp_path: Path) -> None:
    sources = _sources(tmp_path / "src")
    build = _fake_build(tmp_path / "build", digest(sources, mypy_version="1.0"))
    assert find_build(tmp_path / "build", sources, mypy_version="1.0") == build


@pytest.mark.parametrize("edited", ["simulator/kernel.py", "playbook/sub/model.py"])
def test_an_edited_source_makes_the_build_unused(tmp_path: Path, edited: str) -> None:
    sources = _sources(tmp_path / "src")
    _fake_build(tmp_path / "build", digest(sources, mypy_version="1.0"))
    (sources / edited).write_text("X = 3\n", encoding="utf-8")
    assert find_build(tmp_path / "build", sources, mypy_version="1.0") is None


def test_a_new_source_file_makes_the_build_unused(tmp_path: Path) -> None:
    sources = _sources(tmp_path / "src")
    _fake_build(tmp_path / "build", digest(sources, mypy_version="1.0"))
    (sources / "simulator" / "extra.py").write_text("", encoding="utf-8")
    assert find_build(tmp_path / "build", sources, mypy_version="1.0") is None


def test_another_mypy_version_makes_the_build_unused(tmp_path: Path) -> None:
    sources = _sources(tmp_path / "src")
    _fake_build(tmp_path / "build", digest(sources, mypy_version="1.0"))
    assert find_build(tmp_path / "build", sources, mypy_version="1.1") is None


def test_a_stale_build_or_a_half_made_one_is_not_found(tmp_path: Path) -> None:
    sources = _sources(tmp_path / "src")
    _fake_build(tmp_path / "build", "0" * 64)  # a fake digest: other sources
    (tmp_path / "build" / digest(sources, mypy_version="1.0")).mkdir()  # no simulator/ yet
    assert find_build(tmp_path / "build", sources, mypy_version="1.0") is None


def test_without_a_build_directory_nothing_is_found(tmp_path: Path) -> None:
    assert find_build(tmp_path / "absent", _sources(tmp_path / "src")) is None


def test_activation_puts_a_matching_build_first_on_the_package_path(tmp_path: Path) -> None:
    sources = _sources(tmp_path / "src")
    build = _fake_build(tmp_path / "build", digest(sources))
    path = [str(sources / "simulator")]
    decided = activate(path, build_root=tmp_path / "build", source_root=sources, environ={})
    assert path == [str(build / "simulator"), str(sources / "simulator")]
    assert decided.build == build


def test_activation_leaves_the_package_path_alone_without_a_matching_build(tmp_path: Path) -> None:
    sources = _sources(tmp_path / "src")
    _fake_build(tmp_path / "build", "f" * 64)
    path = [str(sources / "simulator")]
    decided = activate(path, build_root=tmp_path / "build", source_root=sources, environ={})
    assert path == [str(sources / "simulator")]
    assert decided.build is None
    assert "no build matching" in decided.describe()


def test_the_setting_at_0_turns_a_matching_build_off(tmp_path: Path) -> None:
    sources = _sources(tmp_path / "src")
    _fake_build(tmp_path / "build", digest(sources))
    path = [str(sources / "simulator")]
    decided = activate(path, build_root=tmp_path / "build", source_root=sources, environ={ENV: "0"})
    assert path == [str(sources / "simulator")]
    assert decided.describe() == f"simulator: pure Python ({ENV}=0)"


@pytest.mark.parametrize(
    ("value", "on"),
    [("0", False), ("false", False), ("No", False), (" off ", False), ("1", True), ("true", True)],
)
def test_the_setting_reads_like_a_boolean(value: str, on: bool) -> None:
    assert enabled({ENV: value}) is on


def test_the_setting_is_on_when_unset() -> None:
    assert enabled({}) is True


def test_a_compiled_status_names_mypyc_and_the_digest_prefix() -> None:
    status = Status(Path("/b") / ("ab12" * 16), "matching build")
    assert status.describe() == "simulator: compiled (mypyc, digest ab12ab12ab12)"


# Run in a fresh interpreter: a small reference study (every variant, two replications, two
# worker processes), its records hashed, and which simulator a spawned process imports.
_RUN = """
import hashlib, json, multiprocessing, sys
sys.path.insert(0, sys.argv[1])
from simulator import load_study, run_study
from simulator.accelerator import status

if __name__ == "__main__":
    study = load_study(sys.argv[1] + "/simulator/studies/reference.yaml")
    study = study.with_overrides({"horizon_days": 45, "replications": 2})
    result = run_study(study, workers=2)
    h = hashlib.sha256()
    for variant in sorted(result.results):
        for rep in result.results[variant]:
            h.update(repr((variant, rep.replication, rep.alerts)).encode())
            h.update(repr(sorted(rep.metrics.items())).encode())
            h.update(repr(sorted((p, sorted(m.items())) for p, m in rep.people.items())).encode())
            for name, values in sorted((rep.incidents or {}).items()):
                h.update(name.encode() + str(values.dtype).encode() + values.tobytes())
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        worker = pool.apply(status).describe()
    print(json.dumps({"simulator": status().describe(), "worker": worker, "hash": h.hexdigest()}))
"""


def _run(script: Path, compiled: str) -> dict[str, str]:
    env = {**os.environ, ENV: compiled}
    done = subprocess.run(
        [sys.executable, str(script), str(ROOT)],
        env=env, capture_output=True, text=True, check=True, timeout=300,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.mark.skipif(
    find_build() is None,
    reason="no mypyc build matching these sources in build/compiled/ (`make compiled` builds one)",
)
def test_the_compiled_simulator_gives_the_pure_pythons_records_bit_for_bit(tmp_path: Path) -> None:
    script = tmp_path / "run.py"  # a file: spawned workers re-import the main module
    script.write_text(_RUN, encoding="utf-8")
    compiled, pure = _run(script, "1"), _run(script, "0")
    assert compiled["simulator"].startswith("simulator: compiled (mypyc")
    assert compiled["worker"] == compiled["simulator"]  # a spawned worker runs it too
    assert pure["simulator"] == f"simulator: pure Python ({ENV}=0)"
    assert compiled["hash"] == pure["hash"]
