"""Alertmanager label matchers: ``name="value"``, ``!=``, ``=~``, ``!~``, and the old maps.

A matcher on a label the alert does not carry compares against the empty string
(``foo=""`` and ``foo!="x"`` match an alert without ``foo``). Regular expressions are
anchored at both ends, as Alertmanager anchors them (``^(?:re)$``). One string may hold
several comma-separated matchers, optionally in braces: ``{team="db", env!="dev"}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = ["Matcher", "matches_all", "parse_matchers"]

Op = Literal["=", "!=", "=~", "!~"]
_NAME = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*")\s*(=~|!~|!=|=)\s*')
_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"\s*')
_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), text)


@dataclass(frozen=True)
class Matcher:
    """One label matcher."""

    name: str
    op: Op
    value: str

    def __post_init__(self) -> None:
        if self.op in ("=~", "!~"):
            try:
                re.compile(self.value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {self.value!r}: {exc}") from None

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.name, "")
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        found = re.fullmatch(f"(?:{self.value})", value) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'{self.name}{self.op}"{escaped}"'


def parse_matchers(text: str) -> list[Matcher]:
    """The matchers of one ``matchers:`` entry; raises ValueError naming the problem."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    out: list[Matcher] = []
    pos = 0
    while pos < len(body):
        head = _NAME.match(body, pos)
        if head is None:
            raise ValueError(f"bad matcher {text!r}: expected name, then =, !=, =~ or !~")
        name = head.group(1)
        name = _unescape(name[1:-1]) if name.startswith('"') else name
        op: Op = head.group(2)  # type: ignore[assignment]  # the regex admits only these
        pos = head.end()
        quoted = _QUOTED.match(body, pos)
        if quoted is not None:
            value, pos = _unescape(quoted.group(1)), quoted.end()
        else:
            end = body.find(",", pos)
            end = len(body) if end < 0 else end
            value, pos = body[pos:end].strip(), end
        out.append(Matcher(name, op, value))
        if pos < len(body):
            if body[pos] != ",":
                raise ValueError(f"bad matcher {text!r}: expected ',' at {body[pos:]!r}")
            pos += 1
            if not body[pos:].strip():
                break
    if not out:
        raise ValueError(f"empty matcher {text!r}")
    return out


def matches_all(matchers: tuple[Matcher, ...], labels: Mapping[str, str]) -> bool:
    """Whether every matcher matches ``labels`` (true for no matchers)."""
    return all(m.matches(labels) for m in matchers)
