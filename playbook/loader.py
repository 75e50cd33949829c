"""Load YAML definitions into pydantic models, reporting errors by file, line and field.

Every definition in drillbit (playbooks, studies, drill scripts) passes through
:func:`load_model`, so a bad file always fails the same way: one
:class:`~playbook.errors.InvalidDefinition` naming the file, the YAML line and the field.
The YAML itself is read by :mod:`playbook.safeyaml`, within its size, depth and node budgets;
that module (and PyYAML) is imported on first use, so code that only needs the models (a
light command serving a cached playbook) never pays for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel, ValidationError

from playbook.errors import InvalidDefinition

if TYPE_CHECKING:
    from playbook.safeyaml import LineMap, parse_yaml

__all__ = ["BadReference", "LineMap", "load_model", "parse_yaml", "validate_data"]

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


def __getattr__(name: str) -> Any:
    """``LineMap`` and ``parse_yaml``, re-exported from :mod:`playbook.safeyaml` on first use."""
    if name in ("LineMap", "parse_yaml"):
        from playbook import safeyaml  # noqa: PLC0415 - PyYAML only when YAML is read

        return getattr(safeyaml, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class BadReference(Exception):
    """Raised by a model's ``cross_check()`` for a reference that does not resolve.

    ``loc`` is the path of the offending field in the document, so the loader can name its line.
    """

    def __init__(self, loc: Sequence[str | int], message: str) -> None:
        self.loc = tuple(loc)
        self.message = message
        super().__init__(message)


def _line_for(loc: Loc, lines: Mapping[Loc, int]) -> int | None:
    """The line of the longest prefix of ``loc`` that the YAML contains."""
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _data_loc(loc: Sequence[str | int], data: Any) -> Loc:
    """Drop pydantic's synthetic loc parts (union tags, function names) not present in data."""
    out: list[str | int] = []
    node = data
    for part in loc:
        present = (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)) or (
            isinstance(node, Mapping) and part in node
        )
        if present:
            out.append(part)
            node = node[part]
        else:
            # A missing field or an extra key: name it, it is the field in question.
            if isinstance(node, Mapping) and isinstance(part, str) and "[" not in part:
                out.append(part)
            break
    return tuple(out)


def validate_data(model: type[M], data: Any, lines: Mapping[Loc, int], *, source: str) -> M:
    """Validate plain data against ``model``; the first error becomes an InvalidDefinition."""
    try:
        obj = model.model_validate(data)
        cross_check = getattr(obj, "cross_check", None)
        if cross_check is not None:
            cross_check()
        return obj
    except BadReference as exc:
        from playbook.safeyaml import dotted  # noqa: PLC0415 - PyYAML only when YAML is read

        raise InvalidDefinition(
            exc.message,
            source=source,
            line=_line_for(exc.loc, lines),
            field=dotted(exc.loc) or None,
        ) from None
    except ValidationError as exc:
        from playbook.safeyaml import dotted  # noqa: PLC0415

        first = exc.errors(include_url=False)[0]
        loc = _data_loc(first["loc"], data)
        msg = first["msg"]
        if first["type"] == "extra_forbidden":
            msg = "unknown field (not allowed here)"
        raise InvalidDefinition(
            msg, source=source, line=_line_for(loc, lines), field=dotted(loc) or None
        ) from None


def load_model(model: type[M], path: str | Path, *, text: str | None = None) -> M:
    """Read ``path`` (or ``text`` labelled with it) and validate it as ``model``."""
    from playbook.safeyaml import parse_yaml, read_definition  # noqa: PLC0415

    source = str(path)
    if text is None:
        text = read_definition(path)
    data, lines = parse_yaml(text, source=source)
    return validate_data(model, data, lines, source=source)
