"""Every extension test runs with an explicit operator allow-list (loopback) and no stack."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.scenarios.conftest import recorder

__all__ = ["recorder"]


@pytest.fixture(autouse=True)
def operator_allows_loopback(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DRILLBIT_CHAOS_ALLOW", "127.0.0.1,::1")
    monkeypatch.delenv("DRILLBIT_CHAOS_ALLOW_FILE", raising=False)
    monkeypatch.setenv("DRILLBIT_STACK_DIR", str(tmp_path / "no-stack"))
