"""The operator's chaos allow-list: where it comes from, and how its entries are read."""

from __future__ import annotations

from pathlib import Path

import pytest

from playbook.errors import InvalidDefinition
from scenarios.chaosallow import operator_allow, parse_allow
from scenarios.procs import ProcessRecord
from tests.chaosdrillbit.test_interrupts import write_stack
from tests.scenarios.conftest import RunningTarget


def fake_stack(tmp: Path, port: int) -> Path:
    record = ProcessRecord(name="target", pid=1, start_ticks=0, argv=("target",))
    return write_stack(tmp, RunningTarget(url=f"http://127.0.0.1:{port}", token="t" * 24, record=record, db=tmp / "db"))


def test_by_default_the_stack_s_own_ports_on_loopback_and_the_web_ui(tmp_path: Path) -> None:
    stack = fake_stack(tmp_path, 8123)
    allow = operator_allow({"DRILLBIT_STACK_DIR": str(stack), "DRILLBIT_WEB_URL": "http://127.0.0.1:8999"})
    assert allow.targets.entries == ("127.0.0.1:8123", "[::1]:8123", "127.0.0.1:8999", "[::1]:8999")
    assert allow.source == f"the stack in {stack}"
    assert not allow.targets.allows_address("127.0.0.1", 22)


def test_without_a_stack_nothing_is_allowed(tmp_path: Path) -> None:
    assert operator_allow({"DRILLBIT_STACK_DIR": str(tmp_path)}).targets.entries == ()


def test_the_file_wins_over_the_variable_and_reads_every_kind_of_entry(tmp_path: Path) -> None:
    path = tmp_path / "allow"
    path.write_text("# staging\n10.20.0.0/16\nstaging.internal:8443  # the API\nexec:/usr/bin/true\nmodule:chaosk8s\n")
    allow = operator_allow({"DRILLBIT_CHAOS_ALLOW_FILE": str(path), "DRILLBIT_CHAOS_ALLOW": "127.0.0.1"})
    assert allow.targets.entries == ("10.20.0.0/16", "staging.internal:8443")
    assert allow.allows_executable("/usr/bin/true") and not allow.allows_executable("/usr/bin/curl")
    assert allow.allows_module("chaosk8s.pod.actions") and allow.allows_module("chaosprometheus.probes")
    assert not allow.allows_module("urllib.request")


@pytest.mark.parametrize(
    ("lines", "where"),
    [(["127.0.0.1", "HTTP://x"], ":2: entry: not a valid port"), (["exec:true"], ":1: exec: an executable must be an absolute path")],
)
def test_a_bad_entry_is_one_line_naming_the_file_and_line(lines: list[str], where: str) -> None:
    with pytest.raises(InvalidDefinition, match=rf"^allow\.txt{where}"):
        parse_allow(lines, "allow.txt")


def test_an_unreadable_allow_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InvalidDefinition, match="cannot read the allow file"):
        operator_allow({"DRILLBIT_CHAOS_ALLOW_FILE": str(tmp_path / "missing")})
