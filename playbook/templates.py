"""Comms and postmortem templates: the shipped defaults, a playbook's overrides, channel names.

Templates are Jinja2 files in ``playbook/templates/``. A template's id is its file name without
``.j2`` and without a plain-text format suffix: ``declaration.md.j2`` is ``declaration``,
``resolution.txt.j2`` is ``resolution``, ``status_update.html.j2`` is ``status_update.html``.
HTML templates (``*.html.j2``) are autoescaped; Markdown and plain text are not, because their
readers are people and chat tools, and escaping would print ``&lt;`` at them.

Every variable a template reads is a required field (``StrictUndefined``): a missing one fails
before rendering with ``template 'status_update' needs field 'impact'``. A field read only
through ``| default(...)`` is optional. Templates run in Jinja's sandbox because overrides are
text from playbooks, which the web UI accepts from users.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import jinja2
from jinja2 import meta, nodes
from jinja2.sandbox import SandboxedEnvironment

from playbook.errors import InvalidDefinition

__all__ = [
    "POSTMORTEM_SECTIONS",
    "TemplateSet",
    "channel_name",
    "default_sources",
    "format_duration",
    "format_utc",
    "missing_sections",
]

# The postmortem's section headings, in order: seeds 001 and 002's sections plus seed 004's
# "Contributing Factors". Drill scoring checks a postmortem has every one.
POSTMORTEM_SECTIONS: tuple[str, ...] = (
    "Summary",
    "Timeline",
    "Root Cause",
    "Contributing Factors",
    "What Went Well",
    "What Went Poorly",
    "Action Items",
)

_TEMPLATE_DIR = Path(__file__).with_name("templates")
_PLAIN_SUFFIXES = (".md", ".txt")
_TEMPLATE_ID = re.compile(r"[A-Za-z0-9_-]+(?:\.html)?")
_SLACK_MAX = 80
_PREFIX = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_DEFAULT_FILTERS = frozenset({"default", "d"})


# --- filters -------------------------------------------------------------------------------


def _plural(count: int, unit: str) -> str:
    return f"{count} {unit}" if count == 1 else f"{count} {unit}s"


def format_duration(minutes: float | timedelta) -> str:
    """Minutes (or a timedelta) as people write them: ``65`` -> ``"1 hour 5 minutes"``.

    Rounds to the nearest whole minute (halves up) and leaves out a zero part, so ``120`` is
    ``"2 hours"`` and ``0.2`` is ``"0 minutes"``; the resolution notice reads "X hours Y minutes".
    """
    value = minutes.total_seconds() / 60 if isinstance(minutes, timedelta) else minutes
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidDefinition(f"duration needs minutes >= 0, got {minutes!r}")
    hours, rest = divmod(math.floor(value + 0.5), 60)
    parts = [_plural(hours, "hour")] if hours else []
    if rest or not hours:
        parts.append(_plural(rest, "minute"))
    return " ".join(parts)


def format_utc(moment: datetime, fmt: str = "%H:%M") -> str:
    """A time-zone-aware instant on the UTC clock: ``"14:23 UTC"`` (seeds quote times in UTC).

    Naive datetimes are refused: guessing their zone is how status pages end up an hour off.
    """
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise InvalidDefinition(f"utc needs a time-zone-aware datetime, got {moment!r}")
    return f"{moment.astimezone(UTC).strftime(fmt)} UTC"


def _markdown_cell(value: object) -> str:
    """A value safe inside a Markdown table cell: pipes escaped, line breaks flattened."""
    return " ".join(str(value).split()).replace("|", "\\|")


# --- the shipped templates -----------------------------------------------------------------


def _template_id(filename: str) -> str:
    stem = filename.removesuffix(".j2")
    for suffix in _PLAIN_SUFFIXES:
        stem = stem.removesuffix(suffix)
    return stem


@cache
def _shipped() -> tuple[tuple[str, str, str], ...]:
    """(id, file name, source) of every shipped template, read once."""
    return tuple(
        (_template_id(path.name), path.name, path.read_text(encoding="utf-8"))
        for path in sorted(_TEMPLATE_DIR.glob("*.j2"))
    )


def default_sources() -> dict[str, str]:
    """The shipped templates' source text by id, e.g. to start an override from in the web UI."""
    return {template_id: source for template_id, _, source in _shipped()}


# --- the template set ----------------------------------------------------------------------


def _environment(loader: jinja2.BaseLoader) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=loader,
        undefined=jinja2.StrictUndefined,
        autoescape=jinja2.select_autoescape(
            enabled_extensions=("html.j2",),
            disabled_extensions=("md.j2", "txt.j2"),
            default_for_string=False,
            default=False,
        ),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["duration"] = format_duration
    env.filters["utc"] = format_utc
    env.filters["cell"] = _markdown_cell
    return env


def _override_filename(template_id: str, known: Mapping[str, str]) -> str:
    """An override keeps the format of the default it replaces; a new id is text or HTML."""
    if template_id in known:
        return known[template_id]
    if not _TEMPLATE_ID.fullmatch(template_id):
        raise InvalidDefinition(
            f"template id {template_id!r} is not valid: use letters, digits, '_' and '-', "
            "with '.html' at the end for an HTML template"
        )
    return f"{template_id}.j2" if template_id.endswith(".html") else f"{template_id}.txt.j2"


def _optional_fields(ast: nodes.Template, fields: frozenset[str]) -> frozenset[str]:
    """Fields that are only ever read as ``field | default(...)``."""
    loads = Counter(n.name for n in ast.find_all(nodes.Name) if n.ctx == "load")
    defaulted = Counter(
        f.node.name
        for f in ast.find_all(nodes.Filter)
        if f.name in _DEFAULT_FILTERS and isinstance(f.node, nodes.Name)
    )
    return frozenset(name for name in fields if defaulted[name] == loads[name] > 0)


def _needs(template_id: str, missing: Sequence[str]) -> str:
    if len(missing) == 1:
        return f"template {template_id!r} needs field {missing[0]!r}"
    return f"template {template_id!r} needs fields {', '.join(repr(m) for m in missing)}"


class TemplateSet:
    """The shipped templates with a playbook's overrides on top, all compiled up front.

    ``overrides`` maps a template id to its source text, as a playbook gives it inline; an id
    that is not shipped adds a template (``*.html`` ids are HTML, others plain text). Every
    template is parsed here, so a syntax error surfaces when the playbook loads, not mid-drill.

    ``compile_all=False`` compiles each template when it is first used instead: for a caller
    that renders one template of a playbook already validated (``drillbit render`` compiles one
    template, not six). Answers and errors are the same; a syntax error surfaces on first use.
    """

    def __init__(
        self, overrides: Mapping[str, str] | None = None, *, compile_all: bool = True
    ) -> None:
        filenames = {template_id: filename for template_id, filename, _ in _shipped()}
        defaults = {filename: source for _, filename, source in _shipped()}
        replaced: dict[str, str] = {}
        for template_id, source in (overrides or {}).items():
            filename = _override_filename(template_id, filenames)
            filenames[template_id] = filename
            replaced[filename] = source
        self._env = _environment(
            jinja2.ChoiceLoader([jinja2.DictLoader(replaced), jinja2.DictLoader(defaults)])
        )
        self._filenames = dict(sorted(filenames.items()))
        self._sources = {
            template_id: replaced.get(filename, defaults.get(filename, ""))
            for template_id, filename in self._filenames.items()
        }
        self._templates: dict[str, jinja2.Template] = {}
        self._fields: dict[str, frozenset[str]] = {}
        self._required: dict[str, frozenset[str]] = {}
        if compile_all:
            for template_id in self._filenames:
                self._compile(template_id)

    def _compile(self, template_id: str) -> None:
        filename = self._filenames[template_id]
        try:
            ast = self._env.parse(self._sources[template_id], name=filename)
            template = self._env.get_template(filename)
        except jinja2.TemplateSyntaxError as exc:
            raise InvalidDefinition(
                f"template {template_id!r} has a syntax error on line {exc.lineno}: "
                f"{exc.message}",
                line=exc.lineno,
            ) from exc
        fields = frozenset(meta.find_undeclared_variables(ast) - self._env.globals.keys())
        self._templates[template_id] = template
        self._fields[template_id] = fields
        self._required[template_id] = fields - _optional_fields(ast, fields)

    def names(self) -> tuple[str, ...]:
        """Every template id, sorted."""
        return tuple(self._filenames)

    def _template(self, name: str) -> jinja2.Template:
        if name not in self._filenames:
            raise InvalidDefinition(
                f"unknown template {name!r} (known: {', '.join(self._filenames)})"
            )
        if name not in self._templates:
            self._compile(name)
        return self._templates[name]

    def fields(self, name: str) -> set[str]:
        """Every variable the template reads, optional ones included, so a form can prefill."""
        self._template(name)
        return set(self._fields[name])

    def required_fields(self, name: str) -> set[str]:
        """The variables :meth:`render` refuses to do without."""
        self._template(name)
        return set(self._required[name])

    def render(self, name: str, /, **variables: object) -> str:
        """The template filled in; InvalidDefinition naming the template for any missing field."""
        template = self._template(name)
        missing = sorted(self._required[name] - variables.keys())
        if missing:
            raise InvalidDefinition(_needs(name, missing))
        try:
            return template.render(**variables)
        except jinja2.TemplateError as exc:
            raise InvalidDefinition(f"template {name!r}: {exc.message}") from exc
        except InvalidDefinition as exc:
            raise InvalidDefinition(f"template {name!r}: {exc.message}") from exc


# --- channel names ---------------------------------------------------------------------------


def _slug(text: str) -> str:
    """Lowercase ASCII words joined by single dashes; accents transliterated, the rest dropped."""
    ascii_text = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")


def channel_name(title: str, day: date, *, prefix: str = "incident") -> str:
    """The incident channel, ``incident-YYYY-MM-DD-slug`` (seed 000), legal on Slack.

    Lowercase ``a-z``, ``0-9`` and single dashes, at most 80 characters: the slug is cut to
    fit, never the prefix or the date. A title with nothing left after transliteration gives
    just ``incident-YYYY-MM-DD``.
    """
    if not _PREFIX.fullmatch(prefix):
        raise InvalidDefinition(
            f"channel prefix {prefix!r} must be lowercase letters and digits joined by single dashes"
        )
    head = f"{prefix}-{day.year:04d}-{day.month:02d}-{day.day:02d}"
    if len(head) > _SLACK_MAX:
        raise InvalidDefinition(
            f"channel prefix {prefix!r} leaves no room in {_SLACK_MAX} characters"
        )
    room = max(0, _SLACK_MAX - len(head) - 1)
    slug = _slug(title)[:room].rstrip("-")
    return f"{head}-{slug}" if slug else head


# --- postmortem sections ---------------------------------------------------------------------

_ATX_HEADING = re.compile(r" {0,3}#{1,6}[ \t]+(?P<text>.*?)(?:[ \t]+#+)?[ \t]*")
_FENCE = re.compile(r" {0,3}(?P<fence>`{3,}|~{3,})")


def _headings(markdown: str) -> list[str]:
    """The text of every ATX heading (``## Root Cause``) outside fenced code blocks."""
    found: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines():
        opening = _FENCE.match(line)
        if fence is not None:
            if opening and opening["fence"][0] == fence[0] and len(opening["fence"]) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening["fence"]
            continue
        heading = _ATX_HEADING.fullmatch(line)
        if heading:
            found.append(" ".join(heading["text"].split()))
    return found


def missing_sections(markdown: str, sections: Sequence[str] = POSTMORTEM_SECTIONS) -> list[str]:
    """The sections (in the given order) that no Markdown heading in the text opens.

    A heading opens a section when its text starts with the section's name as whole words,
    ignoring case: ``### Timeline (UTC)`` opens "Timeline"; ``## Root Causes`` does not open
    "Root Cause"; setext headings and headings inside code fences do not count.
    """
    headings = _headings(markdown)
    return [
        section
        for section in sections
        if not any(
            re.match(rf"{re.escape(section)}(?![A-Za-z0-9])", heading, re.IGNORECASE)
            for heading in headings
        )
    ]
