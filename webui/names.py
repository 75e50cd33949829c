"""Participants' display names: one form per name, and no look-alikes.

A name is NFKC-normalised (so full-width letters, U+FF41 on, are ASCII ``alice``), and refused when it
holds a character a reader cannot see or that reorders the text (Unicode's format, control,
private-use and unassigned characters: zero-width spaces and joiners, bidirectional overrides
and isolates), or letters of more than one script (Latin ``a`` beside Cyrillic U+0430).
Japanese and Korean names mix scripts by nature (Han with kana, Han with Hangul) and count as
one. Two names are the same name when their case-folded forms are equal, so ``Alice`` cannot
join a room that has ``alice``.

Python's :mod:`unicodedata` has no script property; a letter's script is the first word of
its Unicode name (``CYRILLIC SMALL LETTER A``), which is what the property is built from for
the scripts of names.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from drills.errors import ActionRefused

__all__ = ["MAX_NAME", "display_name", "name_key", "taken"]

MAX_NAME = 40
_HIDDEN = {"Cf", "Cc", "Co", "Cn", "Cs", "Zl", "Zp"}
_SPACES = {" "}
_ONE_WRITING = (
    frozenset({"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA"}),
    frozenset({"CJK", "HANGUL"}),
)


def _script(char: str) -> str | None:
    """The script of a letter (None for digits, punctuation and the like)."""
    if not unicodedata.category(char).startswith("L"):
        return None
    name = unicodedata.name(char, "")
    return name.split(" ", 1)[0] if name else "UNKNOWN"


def _one_writing(scripts: set[str]) -> bool:
    return len(scripts) <= 1 or any(scripts <= group for group in _ONE_WRITING)


def display_name(raw: str) -> str:
    """The name as it will be shown, or ActionRefused("join", reason)."""
    name = unicodedata.normalize("NFKC", raw).strip()
    if not name or len(name) > MAX_NAME:
        raise ActionRefused("join", f"a name is 1 to {MAX_NAME} printable characters")
    for char in name:
        if unicodedata.category(char) in _HIDDEN or (char.isspace() and char not in _SPACES):
            code = f"U+{ord(char):04X}"
            raise ActionRefused("join", f"a name cannot hold invisible or reordering characters ({code})")
    scripts = {s for s in map(_script, name) if s is not None}
    if not _one_writing(scripts):
        raise ActionRefused("join", f"a name is written in one script, not {' and '.join(sorted(scripts)).lower()}")
    return name


def name_key(name: str) -> str:
    """What two names must differ in: their normalised, case-folded form."""
    return unicodedata.normalize("NFKC", name).casefold()


def taken(name: str, names: Iterable[str]) -> bool:
    """Whether ``name`` is someone's name in ``names``, ignoring case."""
    key = name_key(name)
    return any(name_key(other) == key for other in names)
