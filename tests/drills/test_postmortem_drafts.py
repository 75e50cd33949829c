"""The collaborative postmortem: a save based on a stale revision is refused with both texts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drills.actions import Acknowledge, AssignRole, Declare, Resolve, WritePostmortem
from drills.errors import ActionRefused
from drills.postmortem import Draft, DraftConflict, save_draft
from tests.drills.conftest import Drill


def test_a_save_on_the_current_revision_becomes_the_next_revision() -> None:
    assert save_draft(Draft(0, "generated"), base=0, text="alice's") == 1
    assert save_draft(Draft(3, "x", "bob", 4.0), base=3, text="y") == 4


def test_a_save_on_a_stale_revision_is_a_conflict_holding_both_texts() -> None:
    current = Draft(2, "bob's text", "bob", 12.0)
    with pytest.raises(DraftConflict) as caught:
        save_draft(current, base=1, text="alice's text")
    conflict = caught.value
    assert (conflict.base, conflict.current.text, conflict.yours) == (1, "bob's text", "alice's text")
    assert "bob saved revision 2 after the revision 1 you edited" in conflict.reason


def test_saving_the_text_already_current_is_no_change_whatever_the_base() -> None:
    assert save_draft(Draft(5, "same"), base=2, text="same") is None


def test_a_base_from_the_future_is_a_conflict_too() -> None:
    with pytest.raises(DraftConflict):
        save_draft(Draft(1, "a"), base=7, text="b")


# Editors read the draft (revision, text) at some point, then save their own text on it.
_steps = st.lists(st.tuples(st.sampled_from("abc"), st.booleans(), st.text(max_size=3)), max_size=30)


@given(_steps)
def test_no_accepted_save_replaces_a_text_its_author_did_not_see(steps: list[tuple[str, bool, str]]) -> None:
    history = [Draft(0, "")]
    seen: dict[str, Draft] = {}
    for editor, reads, text in steps:
        if reads or editor not in seen:
            seen[editor] = history[-1]
            continue
        base = seen.pop(editor)
        stale = base.revision != history[-1].revision and text != history[-1].text
        if stale:
            with pytest.raises(DraftConflict) as caught:
                save_draft(history[-1], base=base.revision, text=text)
            assert caught.value.current == history[-1] and caught.value.yours == text
            continue
        revision = save_draft(history[-1], base=base.revision, text=text)
        if revision is None:
            assert text == history[-1].text
            continue
        assert history[-1] == base  # what it replaces is exactly what its author read
        assert revision == len(history)
        history.append(Draft(revision, text, editor))


def _resolved(drill: Drill) -> Drill:
    drill.at(17).act("alice", Acknowledge())
    drill.act("alice", Declare(severity="SEV2", title="Checkout errors"))
    drill.act("alice", AssignRole(person="alice", role="Incident Commander"))  # only the IC resolves
    drill.at(30).act("alice", Resolve())
    return drill


def test_the_session_keeps_every_revision_and_refuses_a_stale_save(drill: Drill) -> None:
    session = _resolved(drill).session
    first = session.postmortem_draft()
    assert first.revision == 0 and "Checkout errors" in first.text  # generated from the timeline
    saved = session.edit_postmortem("alice", first.text + "\nalice was here", base=0)
    assert (saved.revision, saved.author) == (1, "alice")
    with pytest.raises(DraftConflict) as caught:
        session.edit_postmortem("bob", first.text + "\nbob was here", base=0)
    assert caught.value.current.text.endswith("alice was here")
    assert session.postmortem_draft() == saved  # bob's refused save changed nothing
    merged = session.edit_postmortem("bob", saved.text + "\nbob was here", base=1)
    assert merged.revision == 2
    kinds = [r.kind for r in session.records() if r.kind == "postmortem_edited"]
    assert kinds == ["postmortem_edited", "postmortem_edited"]


def test_writing_the_postmortem_is_a_revision_too(drill: Drill) -> None:
    session = _resolved(drill).session
    session.edit_postmortem("alice", "## Summary\nshort", base=0)
    drill.act("bob", WritePostmortem(text="## Summary\nfinal"))
    assert session.postmortem_draft() == Draft(2, "## Summary\nfinal", "bob", session.now())


def test_only_participants_save_drafts_and_an_empty_one_is_refused(drill: Drill) -> None:
    session = drill.session
    with pytest.raises(ActionRefused, match="'eve' is not in this drill"):
        session.edit_postmortem("eve", "text", base=0)
    with pytest.raises(ActionRefused, match="empty"):
        session.edit_postmortem("alice", "  \n", base=0)
