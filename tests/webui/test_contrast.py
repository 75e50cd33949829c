"""Text colour contrast of the pages' palette: at least 4.5:1 (WCAG 2.x AA, normal text),
computed with WCAG's relative luminance formula for every text colour of ``app.css`` on
every surface it can sit on. The formula itself is checked against WebAIM's published
figures, not against this code's own output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "webui" / "static" / "app.css").read_text(encoding="utf-8")
AA = 4.5


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG relative luminance of ``#rgb`` or ``#rrggbb``."""
    hexes = colour.lstrip("#")
    if len(hexes) == 3:
        hexes = "".join(c * 2 for c in hexes)
    r, g, b = (_linear(int(hexes[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _rules() -> list[tuple[str, dict[str, str]]]:
    """(selector, declarations) for every rule, inside @media and @keyframes too."""
    css = re.sub(r"/\*.*?\*/", "", CSS, flags=re.S)
    root = dict(re.findall(r"--([\w-]+):\s*([^;}]+)", css))
    out = []
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        decls = {}
        for decl in body.split(";"):
            prop, _, value = decl.partition(":")
            value = re.sub(r"var\(--([\w-]+)\)", lambda m: root[m.group(1)].strip(), value.strip())
            decls[prop.strip()] = value
        for selector in selectors.split(","):
            out.append((" ".join(selector.split()), decls))
    return out


RULES = _rules()
HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def _colour(decls: dict[str, str], *props: str) -> str | None:
    for prop in props:
        value = decls.get(prop, "").split()[0] if decls.get(prop) else ""
        if HEX.match(value):
            return value
    return None


def _fg(decls: dict[str, str]) -> str | None:
    return _colour(decls, "color")


def _bg(decls: dict[str, str]) -> str | None:
    return _colour(decls, "background", "background-color")


def _rule(selector: str) -> dict[str, str]:
    """Every declaration for ``selector``, later rules winning (as in the cascade)."""
    merged: dict[str, str] = {}
    for sel, decls in RULES:
        if sel == selector:
            merged.update(decls)
    return merged


def _base(selector: str) -> str:
    """The element a compound selector refines: ``button`` for ``button.danger``."""
    return re.split(r"[.:#\[]", selector.rsplit(" ", 1)[-1], maxsplit=1)[0]


INK = _fg(_rule("body")) or ""
PAGE = _bg(_rule("body")) or ""
# Surfaces whose text is the page's ink (no colour of their own or from their element's
# rule): any text colour (muted, a status colour) may sit on them.
SURFACES = sorted(
    {PAGE, *(bg for sel, d in RULES if (bg := _bg(d)) and not _fg(d) and not _fg(_rule(_base(sel))))}
)


def _pairs() -> list[tuple[str, str, str]]:
    """(where, text colour, background) for every text colour on every surface it meets."""
    pairs = []
    for selector, decls in RULES:
        fg, bg = _fg(decls), _bg(decls)
        if fg and bg:
            pairs.append((selector, fg, bg))
        elif fg:
            # Inside a rule of its own with a background (``header.top a`` in ``header.top``)...
            parent = _bg(_rule(selector.rsplit(" ", 1)[0])) if " " in selector else None
            pairs += [(selector, fg, parent)] if parent else [(selector, fg, s) for s in SURFACES]
        elif bg:
            # ...or a background that inherits its base rule's text (``button.danger``) or the ink.
            pairs.append((selector, _fg(_rule(_base(selector))) or INK, bg))
    return pairs


def test_the_contrast_formula_gives_webaims_published_ratios() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#fff", "#fff") == pytest.approx(1.0)
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54  # WebAIM: the lightest AA grey on white
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48  # ... and the next one fails
    assert round(contrast("#0000ff", "#ffffff"), 2) == 8.59


def test_the_palette_is_read_from_the_stylesheet() -> None:
    assert INK and PAGE and "#fff" in SURFACES
    assert len(_pairs()) > 40  # every rule with a colour was found


def test_every_text_colour_has_a_contrast_of_at_least_4_5_on_every_surface_it_meets() -> None:
    low = [(where, fg, bg, round(contrast(fg, bg), 2)) for where, fg, bg in _pairs() if contrast(fg, bg) < AA]
    assert low == [], "\n".join(map(str, low))


def test_text_is_never_faded_with_opacity_except_disabled_controls() -> None:
    faded = [sel for sel, decls in RULES if "opacity" in decls and float(decls["opacity"]) < 1]
    assert all(":disabled" in sel for sel in faded), faded
