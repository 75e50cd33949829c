"""The page templates: one Jinja2 environment that escapes everything it renders.

Every value a user typed (names, titles, updates, notes, postmortems) reaches a page through
these templates, and autoescaping is on for all of them (``.html`` and anything else);
``StrictUndefined`` turns a misspelt variable into an error in tests instead of a blank.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from starlette.templating import Jinja2Templates

__all__ = ["TEMPLATES_DIR", "environment", "render", "templates"]

TEMPLATES_DIR = Path(__file__).parent / "templates"

_RATING = {
    "P": "performed without challenges",
    "S": "some challenges",
    "M": "major challenges",
    "U": "unable to perform",
}


def _minutes(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} min" if value < 100 else f"{value / 60:.1f} h"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["minutes"] = _minutes
    env.globals["RATINGS"] = _RATING
    return env


@cache
def templates() -> Jinja2Templates:
    """Starlette's template responses on :func:`environment`."""
    return Jinja2Templates(env=environment())


def render(name: str, **context: Any) -> str:
    """A template rendered to a string (page fragments for live streams)."""
    return environment().get_template(name).render(**context)
