"""Bounded YAML: hostile documents are refused in milliseconds, never rebuilt.

Every YAML drillbit reads (playbooks, studies, drill scripts, uploads, form fields) comes
through :func:`parse_yaml`, which holds a document to budgets before building anything:

* at most :data:`MAX_BYTES` of text (a shipped playbook is 10 KB; PyYAML reads ~0.5 MB/s);
* at most :data:`MAX_DEPTH` levels of nesting, checked while composing, so a
  ``[[[[...`` document cannot exhaust the stack;
* at most :data:`MAX_NODES` nodes *after* alias expansion. Aliases are allowed, but each use
  counts the whole subtree it names, so a 500-byte "billion laughs" is refused by arithmetic
  on the composed graph (its nodes are never copied); an alias to its own ancestor is refused.

Every failure, whatever PyYAML or Python raised (a bad ``!!int``, a 5,000-digit integer,
undecodable bytes, a tab, a NUL, an unknown tag), becomes one
:class:`~playbook.errors.InvalidDefinition` naming the source, the line and the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from yaml.reader import ReaderError

from playbook.errors import InvalidDefinition

__all__ = [
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "LineMap",
    "check_yaml_file",
    "decode_definition",
    "dotted",
    "parse_yaml",
    "read_definition",
    "safe_load",
]

MAX_BYTES = 128 * 1024
MAX_DEPTH = 50
MAX_NODES = 100_000

Loc = tuple[str | int, ...]
LineMap = dict[Loc, int]

_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_MERGE = "tag:yaml.org,2002:merge"


def dotted(loc: Sequence[str | int]) -> str:
    """``("severities", 0, "name")`` as ``severities[0].name``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _label(key: yaml.Node) -> str:
    return str(key.value) if isinstance(key, yaml.ScalarNode) else "?"


def _short(tag: str) -> str:
    return str(tag).replace("tag:yaml.org,2002:", "!!")


def _first_line(text: str) -> str:
    return " ".join(str(text).split(";")[0].split())


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader refusing nesting deeper than :data:`MAX_DEPTH` as it reads."""

    def __init__(self, text: str, source: str) -> None:
        super().__init__(text)
        self.source = source
        self.depth = 0

    def fetch_flow_collection_start(self, token_class: Any) -> None:
        """The scanner's ``[`` / ``{``: refused early, before its look-ahead grows with depth."""
        if self.flow_level >= MAX_DEPTH:
            line = self.get_mark().line + 1
            raise InvalidDefinition(
                f"nested deeper than {MAX_DEPTH} levels", source=self.source, line=line
            )
        super().fetch_flow_collection_start(token_class)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise InvalidDefinition(
                    f"nested deeper than {MAX_DEPTH} levels", source=self.source, line=mark.line + 1
                )
            node: yaml.Node = super().compose_node(parent, index)  # type: ignore[assignment]
            return node
        finally:
            self.depth -= 1


class _Budget:
    """Expanded size and height of each composed node, memoised, so aliases cost no copies."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes, height)
        self.open: set[int] = set()

    def refuse(self, message: str, node: yaml.Node, path: Loc) -> InvalidDefinition:
        return InvalidDefinition(
            message, source=self.source, line=_line(node), field=dotted(path) or None
        )

    def measure(self, node: yaml.Node, path: Loc) -> tuple[int, int]:
        known = self.sizes.get(id(node)) or self._measure(node, path)
        if len(path) + known[1] > MAX_DEPTH:
            raise self.refuse(f"nested deeper than {MAX_DEPTH} levels (aliases included)", node, path)
        return known

    def _measure(self, node: yaml.Node, path: Loc) -> tuple[int, int]:
        if id(node) in self.open:
            raise self.refuse("an alias refers to a node that contains it", node, path)
        if len(path) > MAX_DEPTH:
            raise self.refuse(f"nested deeper than {MAX_DEPTH} levels (aliases included)", node, path)
        nodes, height = 1, 1
        self.open.add(id(node))
        if isinstance(node, yaml.MappingNode):
            children = [(k, (*path, _label(k))) for k, _ in node.value]
            children += [(v, (*path, _label(k))) for k, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            children = [(item, (*path, i)) for i, item in enumerate(node.value)]
        else:
            children = []
        for child, where in children:
            size, tall = self.measure(child, where)
            nodes += size
            height = max(height, tall + 1)
            if nodes > MAX_NODES:
                raise self.refuse(
                    f"more than {MAX_NODES:,} YAML nodes once aliases are expanded", node, path
                )
        self.open.discard(id(node))
        self.sizes[id(node)] = (nodes, height)
        return nodes, height


class _Builder:
    """Composed nodes to plain data, recording each field path's 1-based line."""

    def __init__(self, loader: _BoundedLoader, source: str) -> None:
        self.loader = loader
        self.source = source
        self.lines: LineMap = {}

    def build(self, node: yaml.Node, path: Loc) -> Any:
        self.lines[path] = _line(node)
        if isinstance(node, yaml.MappingNode):
            self._tag(node, _MAP, path)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                key = self._key(key_node, path)
                child = (*path, key)
                if key in out:
                    raise InvalidDefinition(
                        f"duplicate key {key!r}",
                        source=self.source,
                        line=_line(key_node),
                        field=dotted(child),
                    )
                out[key] = self.build(value_node, child)
                self.lines[child] = _line(key_node)
            return out
        if isinstance(node, yaml.SequenceNode):
            self._tag(node, _SEQ, path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node, path)

    def _tag(self, node: yaml.Node, expected: str, path: Loc) -> None:
        if node.tag != expected:
            raise InvalidDefinition(
                f"unsupported tag {_short(node.tag)!r}", source=self.source, line=_line(node),
                field=dotted(path) or None,
            )

    def _key(self, node: yaml.Node, path: Loc) -> Any:
        if node.tag == _MERGE:
            raise InvalidDefinition(
                "YAML merge keys (<<) are not supported", source=self.source, line=_line(node)
            )
        if not isinstance(node, yaml.ScalarNode):
            raise InvalidDefinition(
                "a key must be a plain value, not a list or a mapping",
                source=self.source, line=_line(node), field=dotted(path) or None,
            )
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: Loc) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
            reason = getattr(exc, "problem", None) or str(exc)
            tag = _short(node.tag)
            preview = str(node.value)
            if len(preview) > 20:
                preview = f"{preview[:20]}... ({len(preview):,} characters)"
            raise InvalidDefinition(
                f"invalid {tag} value {preview!r}: {_first_line(reason)}",
                source=self.source, line=_line(node), field=dotted(path) or None,
            ) from None


def _yaml_error(exc: yaml.YAMLError, text: str, source: str) -> InvalidDefinition:
    if isinstance(exc, ReaderError):
        # Reading text (never bytes), PyYAML reports the code point of the refused character.
        line = text[: exc.position].count("\n") + 1
        return InvalidDefinition(
            f"invalid YAML: unacceptable character #x{exc.character:04x}: {exc.reason}",
            source=source,
            line=line,
        )
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    return InvalidDefinition(
        f"invalid YAML: {_first_line(problem)}",
        source=source,
        line=None if mark is None else int(mark.line) + 1,
    )


def _check_size(size: int, source: str) -> None:
    if size > MAX_BYTES:
        raise InvalidDefinition(
            f"larger than {MAX_BYTES // 1024} KiB (a definition is a few kilobytes)", source=source
        )


def _parse(text: str, source: str) -> tuple[Any, LineMap] | None:
    _check_size(len(text), source)
    try:
        loader = _BoundedLoader(text, source)  # the reader refuses control characters here
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text, source) from None
    try:
        try:
            node = loader.get_single_node()
        except yaml.YAMLError as exc:
            raise _yaml_error(exc, text, source) from None
        except RecursionError:  # a Python built with a smaller stack than MAX_DEPTH needs
            raise InvalidDefinition(f"nested deeper than {MAX_DEPTH} levels", source=source) from None
        if node is None:
            return None
        _Budget(source).measure(node, ())
        builder = _Builder(loader, source)
        return builder.build(node, ()), builder.lines
    finally:
        loader.dispose()


def parse_yaml(text: str, *, source: str) -> tuple[Any, LineMap]:
    """Parse one YAML document into plain data plus a map from field path to line number.

    Raises :class:`~playbook.errors.InvalidDefinition` for anything but one document within
    the budgets of this module (an empty document included).
    """
    parsed = _parse(text, source)
    if parsed is None:
        raise InvalidDefinition("the file is empty", source=source, line=1)
    return parsed


def safe_load(text: str, *, source: str) -> Any:
    """Plain data of a YAML document (``None`` for an empty one), within the same budgets.

    The drop-in for ``yaml.safe_load`` on anything a user can send.
    """
    parsed = _parse(text, source)
    return None if parsed is None else parsed[0]


def decode_definition(data: bytes, *, source: str) -> str:
    """UTF-8 text of a definition's bytes; anything else names the line of the first bad byte."""
    _check_size(len(data), source)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidDefinition(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start}",
            source=source,
            line=line,
        ) from None


def read_definition(path: str | Path) -> str:
    """A definition file's text, read no further than :data:`MAX_BYTES` + 1 bytes.

    A directory, a missing file, ``/dev/zero`` or a non-UTF-8 file is one InvalidDefinition.
    """
    source = str(path)
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InvalidDefinition(f"cannot read file: {exc.strerror}", source=source) from None
    return decode_definition(data, source=source)


def check_yaml_file(path: str | Path) -> None:
    """Refuse a hostile ``.yaml`` / ``.yml`` file before a third-party loader reads it.

    For files another library parses with ``yaml.safe_load`` (Chaos Toolkit experiments): that
    loader shares aliased nodes, so a bomb only explodes later, when the data is walked.
    """
    if Path(path).suffix in (".yaml", ".yml"):
        safe_load(read_definition(path), source=str(path))
