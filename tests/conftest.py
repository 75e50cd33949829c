"""Fixtures shared by every test package."""

from __future__ import annotations

import pytest

from playbook.model import Playbook, default_playbook


@pytest.fixture(scope="session")
def book() -> Playbook:
    """The shipped default playbook (immutable, so one per session)."""
    return default_playbook()
