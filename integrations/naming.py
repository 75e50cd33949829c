"""How imported things are named, so that scripts can rely on it.

A schedule, policy, service or user imported from PagerDuty is named by the slug of its
PagerDuty ``name``: lowercase; every run of characters other than a-z and 0-9 becomes
one dash; no leading or trailing dash (``"Checkout Team On-Call"`` -> ``checkout-team-on-call``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from playbook.errors import InvalidDefinition

__all__ = ["check_unique", "slug"]

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """The slug of ``name`` (may be empty when ``name`` has no letter or digit)."""
    return _NOT_SLUG.sub("-", name.lower()).strip("-")


def check_unique(pairs: Iterable[tuple[str, str]], what: str, source: str) -> None:
    """Refuse two different ids that get the same name: (id, name) pairs."""
    seen: dict[str, str] = {}
    for ident, name in pairs:
        if not name:
            raise InvalidDefinition(
                f"{what} {ident!r} has a name with no letter or digit", source=source
            )
        other = seen.setdefault(name, ident)
        if other != ident:
            raise InvalidDefinition(
                f"{what}s {other!r} and {ident!r} would both be named {name!r}; rename one",
                source=source,
            )
