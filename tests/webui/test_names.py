"""Look-alike names: NFKC-normalised, no invisible, reordering or mixed-script characters,
unique within a room ignoring case."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drills.errors import ActionRefused
from tests.webui.conftest import Harness
from webui.names import display_name, name_key, taken

# Invisible or reordering characters, by their Unicode names (derived from the standard,
# not from the code under test).
HIDDEN = [
    "\N{ZERO WIDTH SPACE}", "\N{ZERO WIDTH JOINER}", "\N{ZERO WIDTH NON-JOINER}",
    "\N{RIGHT-TO-LEFT OVERRIDE}", "\N{LEFT-TO-RIGHT OVERRIDE}", "\N{RIGHT-TO-LEFT ISOLATE}",
    "\N{POP DIRECTIONAL ISOLATE}", "\N{SOFT HYPHEN}", "\N{WORD JOINER}", "\N{ZERO WIDTH NO-BREAK SPACE}",
]
letters = st.text(st.characters(whitelist_categories=("Ll", "Lu"), max_codepoint=0x7F), min_size=1, max_size=20)


@pytest.mark.parametrize("hidden", HIDDEN)
def test_a_name_with_an_invisible_or_reordering_character_is_refused(hidden: str) -> None:
    with pytest.raises(ActionRefused, match=r"invisible or reordering"):
        display_name(f"ali{hidden}ce")


@pytest.mark.parametrize(
    "name", ["\N{CYRILLIC SMALL LETTER A}lice", "p\N{GREEK SMALL LETTER ALPHA}ypal", "Ivan\N{CYRILLIC SMALL LETTER IE}"]
)
def test_a_name_mixing_scripts_is_refused(name: str) -> None:
    with pytest.raises(ActionRefused, match="one script"):
        display_name(name)


@pytest.mark.parametrize(
    "name", ["Zoë", "José García", "O'Brien", "Иван", "山田はなこ", "김민준", "Ωμέγα", "alice-2"]
)
def test_names_in_one_writing_system_are_kept(name: str) -> None:
    assert display_name(name) == unicodedata.normalize("NFC", name)


def test_full_width_letters_become_the_plain_name() -> None:
    assert display_name("\N{FULLWIDTH LATIN SMALL LETTER A}lice") == "alice"


@given(letters)
def test_every_case_variant_of_a_name_is_the_same_name(name: str) -> None:
    assert taken(name.swapcase(), [name]) and taken(name.upper(), [name.lower()])
    assert name_key(display_name(name)) == name_key(name)


@given(letters, st.sampled_from(HIDDEN), st.integers(0, 20))
def test_hiding_a_character_anywhere_in_a_name_is_refused(name: str, hidden: str, at: int) -> None:
    with pytest.raises(ActionRefused):
        display_name(name[:at] + hidden + name[at:])


def test_a_room_refuses_a_look_alike_of_a_joined_name_by_form_and_api(harness: Harness) -> None:
    room = harness.open_room()
    harness.participant(room, "alice")
    for name in ("Alice", "ALICE", "\N{FULLWIDTH LATIN CAPITAL LETTER A}lice", "al\N{ZERO WIDTH SPACE}ice",
                 "\N{RIGHT-TO-LEFT OVERRIDE}alice", "\N{CYRILLIC SMALL LETTER A}lice"):
        form = harness.browser().post("/join", data={"code": room.code, "name": name})
        assert form.status_code == 409, name
        api = harness.client.post("/api/v1/join", json={"join_code": room.code, "name": name})
        assert api.status_code == 409, name
    assert list(harness.services.manager.get(room.id).state.participants) == ["alice"]


def test_two_people_joining_as_alice_and_alice_at_once_get_one_name(harness: Harness) -> None:
    import threading

    room = harness.open_room()
    start = threading.Barrier(2)
    answers: list[int] = []

    def join(name: str) -> None:
        start.wait()
        answers.append(harness.client.post("/api/v1/join", json={"join_code": room.code, "name": name}).status_code)

    threads = [threading.Thread(target=join, args=(name,)) for name in ("Alice", "alice")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == [201, 409]
    assert len(harness.services.manager.get(room.id).state.participants) == 1
