"""Load YAML definitions into pydantic models, reporting errors by file, line and field.

Every definition in drillbit (playbooks, studies, drill scripts) passes through
:func:`load_model`, so a bad file always fails the same way: one
:class:`~playbook.errors.InvalidDefinition` naming the file, the YAML line and the field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from playbook.errors import InvalidDefinition

__all__ = ["BadReference", "LineMap", "load_model", "parse_yaml", "validate_data"]

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]
LineMap = dict[Loc, int]


class BadReference(Exception):
    """Raised by a model's ``cross_check()`` for a reference that does not resolve.

    ``loc`` is the path of the offending field in the document, so the loader can name its line.
    """

    def __init__(self, loc: Sequence[str | int], message: str) -> None:
        self.loc = tuple(loc)
        self.message = message
        super().__init__(message)


def _build(node: yaml.Node, path: Loc, lines: LineMap, source: str) -> Any:
    """Turn a composed YAML node into plain data, recording each path's 1-based line."""
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise InvalidDefinition(
                    "YAML merge keys (<<) are not supported",
                    source=source,
                    line=key_node.start_mark.line + 1,
                )
            key = _scalar(key_node)
            if key in out:
                raise InvalidDefinition(
                    f"duplicate key {key!r}",
                    source=source,
                    line=key_node.start_mark.line + 1,
                    field=_dotted((*path, key)),
                )
            child = (*path, key)
            out[key] = _build(value_node, child, lines, source)
            lines[child] = key_node.start_mark.line + 1
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), lines, source) for i, item in enumerate(node.value)]
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_object(node, deep=True)
    finally:
        loader.dispose()


def parse_yaml(text: str, *, source: str) -> tuple[Any, LineMap]:
    """Parse YAML text into plain data plus a map from field path to line number."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise InvalidDefinition(f"invalid YAML: {problem}", source=source, line=line) from None
    if node is None:
        raise InvalidDefinition("the file is empty", source=source, line=1)
    lines: LineMap = {}
    return _build(node, (), lines, source), lines


def _dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


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
        raise InvalidDefinition(
            exc.message,
            source=source,
            line=_line_for(exc.loc, lines),
            field=_dotted(exc.loc) or None,
        ) from None
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = _data_loc(first["loc"], data)
        msg = first["msg"]
        if first["type"] == "extra_forbidden":
            msg = "unknown field (not allowed here)"
        raise InvalidDefinition(
            msg, source=source, line=_line_for(loc, lines), field=_dotted(loc) or None
        ) from None


def load_model(model: type[M], path: str | Path, *, text: str | None = None) -> M:
    """Read ``path`` (or ``text`` labelled with it) and validate it as ``model``."""
    source = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise InvalidDefinition(f"cannot read file: {exc.strerror}", source=source) from None
    data, lines = parse_yaml(text, source=source)
    return validate_data(model, data, lines, source=source)
