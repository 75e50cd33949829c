"""The postmortem: a draft generated from the timeline and the playbook's template, and the
action items read back from the edited Markdown.

The draft is participant-safe: it uses only what the team saw and did (never the truth's root
cause or whether a mitigation works); the team fills in the summary, impact, root cause,
contributing factors and action items before writing it (the ``write_postmortem`` action).

The team edits the draft together. Every save says which revision it was based on
(:func:`save_draft`): revision 0 is the generated draft, each ``postmortem_edited`` or
``postmortem_written`` record is the next. A save based on anything but the current revision
is a :class:`DraftConflict` carrying both texts, so its author merges by hand; nobody's
draft is ever replaced by a save that did not see it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from drills.errors import ActionRefused
from drills.events import InjectDelivered, PostmortemEdited, Record
from drills.narrative import clock_time, describe
from drills.script import DrillScript
from drills.state import DrillState
from playbook.events import ActionItem, PostmortemWritten
from playbook.model import Playbook
from playbook.templates import POSTMORTEM_SECTIONS, missing_sections

__all__ = [
    "TIMELINE_KINDS",
    "Draft",
    "DraftConflict",
    "current_draft",
    "draft_postmortem",
    "filled_sections",
    "parse_action_items",
    "save_draft",
]

# The record kinds a postmortem timeline lists (what the team saw and did).
TIMELINE_KINDS = frozenset(
    {
        "alert_fired",
        "acknowledged",
        "incident_declared",
        "severity_changed",
        "role_assigned",
        "update_posted",
        "mitigation_applied",
        "escalated",
        "note_added",
        "resolved",
        "inject_delivered",
        "timeline_marked",  # a channel message the Scribe made a timeline entry
    }
)
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_SEPARATOR = re.compile(r"^\s*:?-+:?\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")


def draft_postmortem(
    records: Sequence[Record], state: DrillState, script: DrillScript, playbook: Playbook
) -> str:
    """A postmortem draft in the playbook's template, prefilled from the session's timeline."""
    start = script.clock_start
    declared = state.declaration
    origin = min((a.fired_at for a in state.alerts.values()), default=0.0)
    end = state.resolved_at if state.resolved_at is not None else state.last_at
    timeline = [
        (clock_time(start, r.at), describe(r))
        for r in records
        if r.kind in TIMELINE_KINDS
        and not (r.kind == "escalated" and r.source == "system")
        and not (r.kind == "inject_delivered" and r.source == "reaction")
        and not (isinstance(r.event, InjectDelivered) and r.event.facilitator_only)
    ]
    title = declared.title if declared else script.title
    severity = state.severity or (declared.severity if declared else "not declared")
    authors = sorted(state.participants) or ["(the team)"]
    when = "" if declared is None else f" declared at {clock_time(start, declared.at)} UTC"
    resolved = "" if state.resolved_at is None else f", resolved at {clock_time(start, state.resolved_at)} UTC"
    return playbook.template_set.render(
        "postmortem",
        title=title,
        date=(start + timedelta(minutes=declared.at if declared else 0.0)).date().isoformat(),
        duration_minutes=max(0.0, end - origin),
        severity=severity,
        impact="_Describe what users experienced, how many, for how long._",
        authors=authors,
        summary=f"_{severity} incident{when}{resolved}. Summarise what happened and how it was resolved._",
        timeline=timeline,
        root_cause="_What broke, and why did the system allow it? (5 whys)_",
        contributing_factors=[],
        went_well=[],
        went_poorly=[],
        action_items=[],
    )


def _cells(line: str) -> list[str]:
    body = line.strip()
    body = body.removeprefix("|")
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    return [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(body)]


def parse_action_items(markdown: str) -> tuple[ActionItem, ...]:
    """The rows of the table under the ``Action Items`` heading (Action, Owner, Due, Priority).

    Raises ValueError naming the row when a cell is missing or a date or priority is invalid
    (pydantic's ValidationError is a ValueError).
    """
    lines = markdown.splitlines()
    start = None
    for i, line in enumerate(lines):
        heading = _HEADING.match(line)
        if heading and heading.group(1).lower().startswith("action items"):
            start = i + 1
            break
    if start is None:
        return ()
    header: list[str] | None = None
    items: list[ActionItem] = []
    for line in lines[start:]:
        if _HEADING.match(line):
            break
        if not line.strip().startswith("|"):
            if header is not None and line.strip():
                break
            continue
        cells = _cells(line)
        if header is None:
            header = [c.lower() for c in cells]
            for column in ("action", "owner", "due", "priority"):
                if not any(h.startswith(column) for h in header):
                    raise ValueError(f"the Action Items table needs a {column.title()} column")
            continue
        if all(_SEPARATOR.match(c) for c in cells if c):
            continue
        row = dict(zip(header, cells, strict=False))

        def cell(column: str, row: dict[str, str] = row) -> str:
            for key, value in row.items():
                if key.startswith(column):
                    return value
            return ""

        due_text = cell("due")
        try:
            due = date.fromisoformat(due_text)
        except ValueError:
            raise ValueError(
                f"action item {cell('action')!r}: due {due_text!r} is not a date (YYYY-MM-DD)"
            ) from None
        items.append(
            ActionItem.model_validate(
                {"action": cell("action"), "owner": cell("owner"), "due": due, "priority": cell("priority")}
            )
        )
    return tuple(items)


# Lines of the draft that are prompts or empty-list fillers, not content.
_PLACEHOLDER = re.compile(
    r"^\s*(?:[-*]\s*)?(?:_[^_].*_|None identified\.|None recorded\.|\|?[\s|:-]*\|?)\s*$"
)


def filled_sections(markdown: str, sections: Sequence[str] = POSTMORTEM_SECTIONS) -> tuple[str, ...]:
    """The sections that have a heading and some content beyond the draft's prompts.

    A table counts only with at least one row under its header.
    """
    missing = set(missing_sections(markdown, sections))
    bodies: dict[str, list[str]] = {}
    current: str | None = None
    for line in markdown.splitlines():
        heading = _HEADING.match(line)
        if heading:
            text = heading.group(1)
            current = next(
                (s for s in sections if re.match(rf"{re.escape(s)}(?![A-Za-z0-9])", text, re.IGNORECASE)),
                None,
            )
            if current is not None:
                bodies.setdefault(current, [])
            continue
        if current is not None:
            bodies[current].append(line)
    filled = []
    for section in sections:
        if section in missing:
            continue
        lines = [ln for ln in bodies.get(section, []) if not _PLACEHOLDER.match(ln)]
        table = [ln for ln in bodies.get(section, []) if ln.strip().startswith("|")]
        if table:
            rows = [ln for ln in table if not _PLACEHOLDER.match(ln)]
            # the first non-separator row is the header
            if len(rows) >= 2:
                filled.append(section)
            continue
        if lines:
            filled.append(section)
    return tuple(filled)


@dataclass(frozen=True)
class Draft:
    """The postmortem as it stands: its revision, text, and who saved it at which minute."""

    revision: int
    text: str
    author: str | None = None
    at: float | None = None


class DraftConflict(ActionRefused):
    """A save based on a revision that is no longer current: both texts, for a merge."""

    def __init__(self, *, base: int, current: Draft, yours: str) -> None:
        who = current.author or "someone"
        super().__init__(
            "edit_postmortem",
            f"{who} saved revision {current.revision} after the revision {base} you edited: "
            "merge your text into theirs and save again",
        )
        self.base = base
        self.current = current
        self.yours = yours


def current_draft(records: Sequence[Record], generated: str) -> Draft:
    """The latest saved or written postmortem in ``records``; revision 0 is ``generated``."""
    draft = Draft(0, generated)
    for r in records:
        e = r.event
        if isinstance(e, PostmortemEdited | PostmortemWritten):
            draft = Draft(draft.revision + 1, e.text, e.actor, e.at)
    return draft


def save_draft(current: Draft, *, base: int, text: str) -> int | None:
    """The revision a save of ``text`` edited from revision ``base`` becomes.

    None when ``text`` is already the current text (nothing to save, nothing lost); the next
    revision when ``base`` is the current one; otherwise :class:`DraftConflict`.
    """
    if text == current.text:
        return None
    if base != current.revision:
        raise DraftConflict(base=base, current=current, yours=text)
    return current.revision + 1
