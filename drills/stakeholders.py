"""Stakeholders who react: deterministic, rule-triggered personas (no language model).

========== ==============================================================================
persona    writes when
========== ==============================================================================
executive  the incident is declared and no executive update has gone out for the cadence
           the playbook sets for its severity (``update_every_minutes``): asks for an ETA
support    users' impact adds up: the k-th ticket is forwarded once the sum over minutes
           of the share of users hurt reaches ``k x 400`` percent-minutes (at 50 % of users
           hurt, one every 8 minutes), at most 6, until resolved
customer   users have been hurt for 10 minutes and no status-page update has gone out
========== ==============================================================================

Each message expects an answer: a ``reply`` to it, or (for the executive) an executive
update after it. Texts are Jinja2 templates (``drills/templates/stakeholders/``), which a
drill may override per persona; they run in Jinja's sandbox. :func:`next_messages` is pure:
the same state and world give the same messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from jinja2 import StrictUndefined, Template
from jinja2.sandbox import SandboxedEnvironment

from drills.script import DrillScript
from drills.state import DrillState
from drills.world.noise import uniform
from drills.world.run import World
from playbook.model import Playbook

__all__ = ["PERSONAS", "Message", "next_messages", "render"]

PERSONAS = ("executive", "support", "customer")
TEMPLATE_DIR = Path(__file__).parent / "templates" / "stakeholders"
_TICKET_EVERY = 400.0
_MAX_TICKETS = 6
_CUSTOMER_AFTER = 10
_CUSTOMERS = ("Acme Retail", "Northwind Foods", "Globex", "Initech", "Umbrella Travel", "Hooli Shop")
_HANDLES = ("@shopper_jane", "@devnull_dan", "@maria_buys", "@k8s_kate")
_SENDERS = {"executive": "VP Engineering", "support": "Support lead", "customer": "a customer on social media"}
_CHANNELS = {"executive": "direct message", "support": "support queue", "customer": "social media"}


@dataclass(frozen=True)
class Message:
    at: float
    message_id: str
    persona: str
    sender: str
    channel: str
    text: str


@cache
def _env() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@cache
def _template(source: str) -> Template:
    """A message template compiled once (the session asks for the next messages on every sync)."""
    return _env().from_string(source)


def render(script: DrillScript, persona: str, **fields: object) -> tuple[str, str]:
    """(sender, text) of a persona's message, from the drill's template or the library's."""
    own = next((s for s in script.stakeholders if s.persona == persona), None)
    source = own.template if own else (TEMPLATE_DIR / f"{persona}.txt.j2").read_text(encoding="utf-8")
    sender = own.sender if own else _SENDERS[persona]
    text = _template(source).render(sender=sender, **fields).strip()
    return sender, text


def _count(state: DrillState, persona: str) -> int:
    return sum(1 for m in state.messages.values() if m.persona == persona)


def _executive(script: DrillScript, playbook: Playbook, state: DrillState) -> Message | None:
    d = state.declaration
    if d is None or state.resolved or state.severity is None:
        return None
    cadence = playbook.severity(state.severity).update_every_minutes
    if cadence is None:
        return None
    updates = [at for _, at, audience in state.updates if audience == "executive"]
    last = max([d.at, *updates])
    asked = [m.at for m in state.messages.values() if m.persona == "executive" and m.at > last]
    if asked:
        return None
    n = _count(state, "executive") + 1
    sender, text = render(script, "executive", minutes_since=int(cadence), title=d.title)
    return Message(last + cadence, f"executive-{n}", "executive", sender, _CHANNELS["executive"], text)


def _symptom(world: World, minute: int) -> str:
    i = world.at(minute).impact
    if i.security:
        return "We got an email saying our account settings were viewed from an unknown location."
    if i.error_rate >= i.slow_pct:
        return "Your site keeps giving me an error when I try to check out."
    return "Everything is painfully slow, pages take forever to load."


def _support(script: DrillScript, state: DrillState, world: World, hi: int) -> Message | None:
    onset = state.impact_started_at
    n = _count(state, "support")
    if onset is None or state.resolved or n >= _MAX_TICKETS:
        return None
    total = 0.0
    start = int(onset)
    for m in range(start, hi + 1):
        i = world.at(m).impact
        total += i.affected_pct + (30.0 if i.security else 0.0)
        if total >= (n + 1) * _TICKET_EVERY:
            customer = _CUSTOMERS[int(uniform(world.seed, "customer", n) * len(_CUSTOMERS))]
            sender, text = render(script, "support", ticket=n + 1, customer=customer, symptom=_symptom(world, m))
            return Message(float(m), f"support-{n + 1}", "support", sender, _CHANNELS["support"], text)
    return None


def _customer(script: DrillScript, state: DrillState, world: World, hi: int) -> Message | None:
    onset = state.impact_started_at
    if onset is None or state.resolved or _count(state, "customer") > 0:
        return None
    at = int(onset) + _CUSTOMER_AFTER
    if at > hi:
        return None
    posted = [t for _, t, audience in state.updates if audience == "status_page" and t <= at]
    if posted or not world.impacted(at):
        return None
    handle = _HANDLES[int(uniform(world.seed, "handle", 0) * len(_HANDLES))]
    sender, text = render(script, "customer", handle=handle, product=script.world.names[0] if script.world else "it",
                          symptom=_symptom(world, at))
    return Message(float(at), "customer-1", "customer", sender, _CHANNELS["customer"], text)


def next_messages(
    script: DrillScript, playbook: Playbook, state: DrillState, world: World, hi: int
) -> list[Message]:
    """The next message of each persona due by minute ``hi`` as things stand."""
    out = [
        m for m in (
            _executive(script, playbook, state),
            _support(script, state, world, hi),
            _customer(script, state, world, hi),
        ) if m is not None
    ]
    return out
