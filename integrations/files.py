"""Reading the files importers take: JSON bodies and text, errors as InvalidDefinition."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playbook.errors import InvalidDefinition

__all__ = ["CONFIG_BYTES", "MAX_BYTES", "read_json", "read_text", "write_text"]

MAX_BYTES = 50 * 1024 * 1024  # an incident history larger than this is refused
# A configuration (PagerDuty bodies, Terraform, alertmanager.yml) is far smaller; the bound
# keeps a hostile file from tying up the parsers.
CONFIG_BYTES = 8 * 1024 * 1024


def read_text(path: Path, *, limit: int = CONFIG_BYTES) -> str:
    """The UTF-8 text of ``path``; unreadable, oversized or undecodable files are refused."""
    try:
        if path.stat().st_size > limit:
            raise InvalidDefinition(f"file is larger than {limit // 2**20} MiB", source=str(path))
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidDefinition(f"cannot read file: {exc.strerror}", source=str(path)) from None
    except UnicodeDecodeError:
        raise InvalidDefinition("not UTF-8 text", source=str(path)) from None


def read_json(path: Path) -> Any:
    """Parsed JSON of ``path``; a syntax error names its line."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidDefinition(
            f"invalid JSON: {exc.msg}", source=str(path), line=exc.lineno
        ) from None


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` (making its folder); failures become InvalidDefinition."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidDefinition(f"cannot write: {exc.strerror}", source=str(path)) from None
