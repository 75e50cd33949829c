"""A playbook finds a schedule by its name or its PagerDuty id, and an unknown one fails
naming every schedule it knows (those of playbook/data/default.yaml)."""

from __future__ import annotations

import pytest

from playbook.model import Playbook


def test_a_schedule_is_found_by_name_then_by_pagerduty_id(book: Playbook) -> None:
    primary = book.schedule("checkout-primary")
    tagged = primary.model_copy(update={"name": "imported", "pagerduty_id": "PI7DH85"})
    other = book.model_copy(update={"schedules": (*book.schedules, tagged)})
    assert other.schedule("PI7DH85") is tagged
    assert other.schedule("checkout-primary") is primary


def test_an_unknown_schedule_names_the_known_ones(book: Playbook) -> None:
    with pytest.raises(KeyError) as caught:
        book.schedule("nope")
    assert caught.value.args == (
        "unknown schedule 'nope' (known: checkout-primary, checkout-secondary)",
    )
