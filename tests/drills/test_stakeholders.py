"""Stakeholders who react: the executive asks when the cadence passes without an executive
update, support forwards tickets as the impact adds up, a customer posts when the status page
is silent; messages are answered with ``reply``."""

from __future__ import annotations

from drills.actions import AssignRole, Declare, PostUpdate, Reply
from drills.library import find_script
from playbook.model import Playbook
from tests.drills.conftest import Drill


def messages(d: Drill) -> list[tuple[float, str]]:
    return [(m.at, m.persona) for m in d.session.state.messages.values()]


def test_the_executive_asks_once_the_cadence_passes_without_an_executive_update(book: Playbook) -> None:
    d = Drill(find_script("payment-provider-outage", playbook=book), book).start()
    d.at(4).act("alice", Declare(severity="SEV1", title="Payments failing"))
    d.at(33)
    # SEV1's cadence is 30 minutes (default playbook): the executive writes at 4 + 30 = 34.
    assert ("executive" not in [p for _, p in messages(d)])
    d.at(35)
    assert (34.0, "executive") in messages(d)
    text = d.session.state.messages["executive-1"].text
    assert "ETA" in text and "Payments failing" in text


def test_an_executive_update_keeps_the_executive_quiet(book: Playbook) -> None:
    d = Drill(find_script("payment-provider-outage", playbook=book), book).start()
    d.at(4).act("alice", Declare(severity="SEV1", title="Payments failing"))
    d.act("alice", AssignRole(person="carol", role="Communications Lead"))
    d.at(25).act("carol", PostUpdate(audience="executive", text="62% of payments fail; next update at 16:10 UTC"))
    d.at(50)
    assert [p for _, p in messages(d)].count("executive") == 0


def test_support_forwards_more_tickets_the_longer_users_are_hurt_and_a_reply_answers_one(book: Playbook) -> None:
    d = Drill(find_script("payment-provider-outage", playbook=book), book).start()
    d.at(15)
    early = [p for _, p in messages(d)].count("support")
    d.at(40)
    late = [p for _, p in messages(d)].count("support")
    assert 1 <= early < late
    d.act("carol", Reply(message_id="support-1", text="We are failing over; next update in 20 minutes."))
    assert "support-1" in d.session.state.replied


def test_a_customer_posts_when_the_status_page_stays_silent(book: Playbook) -> None:
    d = Drill(find_script("payment-provider-outage", playbook=book), book).start()
    d.at(20)
    customer = [(at, p) for at, p in messages(d) if p == "customer"]
    assert len(customer) == 1 and "status page" in d.session.state.messages["customer-1"].text
