"""Plain tables: one row a line, columns aligned, whatever the cells hold."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drillbit.commands.output import plain_table


def test_a_table_is_its_title_headings_a_rule_and_one_line_a_row() -> None:
    text = plain_table("t", ("a", "long heading"), [("wide cell", "x"), ("y", "two\nlines")])
    assert text.splitlines() == [
        "t",
        "a          long heading",
        "---------  ------------",
        "wide cell  x",
        "y          two lines",
    ]


def test_a_row_with_the_wrong_number_of_cells_is_refused() -> None:
    with pytest.raises(ValueError, match="a row has 1 cells for 2 columns"):
        plain_table("t", ("a", "b"), [("only",)])


cell = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs", "Cc")), max_size=12)


@given(st.lists(st.tuples(cell, cell, cell), max_size=6))
def test_every_column_starts_at_the_same_place_on_every_line(rows: list[tuple[str, str, str]]) -> None:
    lines = plain_table("title", ("one", "two", "three"), rows).split("\n")
    assert len(lines) == 3 + len(rows)  # no cell can break a row over two lines
    body = lines[1:]
    second = body[1].index("  ") + 2  # where the rule's second column starts
    third = body[1].index("  ", second) + 2
    for line, row in zip(body[2:], rows, strict=True):
        texts = [" ".join(c.split()) for c in row]
        assert line.startswith(texts[0])
        assert line[second:].startswith(texts[1]) or not texts[1]
        assert line[third:].startswith(texts[2]) or not texts[2]
