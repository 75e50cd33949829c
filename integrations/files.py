"""Reading the files importers take: JSON bodies and text, errors as InvalidDefinition."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playbook.errors import InvalidDefinition

__all__ = ["MAX_BYTES", "read_json", "read_text"]

MAX_BYTES = 50 * 1024 * 1024  # a configuration or history larger than this is refused


def read_text(path: Path) -> str:
    """The UTF-8 text of ``path``; unreadable, oversized or undecodable files are refused."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InvalidDefinition(
                f"file is larger than {MAX_BYTES // 2**20} MiB", source=str(path)
            )
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
