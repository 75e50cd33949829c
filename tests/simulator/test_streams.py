"""Random streams are keyed by seed, replication, purpose and entity, never by call order."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from simulator.streams import Draws, stream, stream_key


def test_the_same_key_gives_the_same_numbers() -> None:
    assert (
        stream(7, 2, "arrivals", "payments").random(5).tolist()
        == stream(7, 2, "arrivals", "payments").random(5).tolist()
    )


def test_each_part_of_the_key_changes_the_numbers() -> None:
    base = stream(7, 2, "arrivals", "payments").random(3).tolist()
    for other in (stream(8, 2, "arrivals", "payments"), stream(7, 3, "arrivals", "payments"),
                  stream(7, 2, "noise", "payments"), stream(7, 2, "arrivals", "auth")):  # fmt: skip
        assert other.random(3).tolist() != base


@given(st.lists(st.booleans(), min_size=1, max_size=3000))
def test_the_nth_normal_does_not_depend_on_uniforms_taken_in_between(pattern: list[bool]) -> None:
    mixed, pure = (
        Draws(stream_key(1, 0, "response", "alice")),
        Draws(stream_key(1, 0, "response", "alice")),
    )
    normals = []
    for take_normal in pattern:
        if take_normal:
            normals.append(mixed.normal())
        else:
            mixed.uniform()
    assert normals == [pure.normal() for _ in normals]
