"""Hostile YAML documents, shared by the loader and CLI tests and ``bench/bench_hostile_yaml.py``.

Each is a few hundred bytes at most (the oversized one aside) and each once cost seconds,
gigabytes or a traceback. ``FIELD`` is where the bad value sits in the documents that have
one, so tests can check the error names ``file:line: field``.
"""

from __future__ import annotations

__all__ = ["CASES", "FIELD", "LINE", "alias_bomb", "deep_nesting"]

FIELD = "name"
LINE = 2  # the hostile value is on the second line of the one-field documents


def alias_bomb(levels: int = 9, width: int = 9) -> bytes:
    """A list of ``levels`` anchored lists, each naming the previous one ``width`` times.

    The document is ~30 bytes per level; built naively it has ``width ** levels`` leaves
    (9 ** 9 = 387 million for the default, the "billion laughs" of YAML).
    """
    lines = ["- &a0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"- &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return ("\n".join(lines) + "\n").encode()


def deep_nesting(depth: int = 10_000) -> bytes:
    """A flow sequence nested ``depth`` times: the composer recurses once per level."""
    return b"[" * depth + b"]" * depth


def _field(value: str) -> bytes:
    return f"# a playbook whose name is hostile\n{FIELD}: {value}\n".encode()


CASES: dict[str, bytes] = {
    "alias_bomb": alias_bomb(),
    "recursive_alias": b"# refers to itself\nname: &loop [*loop]\n",
    "deep_nesting": deep_nesting(),
    "bad_int_tag": _field("!!int abc"),
    "bad_float_tag": _field("!!float abc"),
    "huge_integer": _field("1" * 5000),
    "bad_timestamp": _field("2025-13-45"),
    "bad_binary": _field("!!binary '@@@'"),
    "python_tag": _field("!!python/object/apply:os.system ['true']"),
    "unknown_tag": _field("!secret x"),
    "non_utf8": b"# latin-1, not UTF-8\nname: caf\xe9\n",
    "nul_character": b"# a NUL byte\nname: a\x00b\n",
    "tab_indent": b"# indented with a tab\nname:\n\t- x\n",
    "mapping_key": b"# a key that is a list\n? [a, b]\n: 1\n",
    "two_documents": b"name: a\n---\nname: b\n",
    "oversized": b"# two megabytes of comment\n" + b"#" * (2 * 1024 * 1024) + b"\nname: x\n",
}
