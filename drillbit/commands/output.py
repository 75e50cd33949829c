"""Plain text tables for the light commands, which never import rich.

``rich`` costs ~15 % of a light command's start-up (its import and its table layout), so the
light commands (:mod:`drillbit.commands.playbook`) print with :func:`plain_table` and
``print``: aligned columns, one row a line and never wrapped, which also keeps the output
easy to ``grep`` and ``cut``.
"""

from __future__ import annotations

from collections.abc import Sequence


def plain_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """``title``, then the columns left-aligned two spaces apart, headings underlined by dashes.

    Every row is one line whatever the terminal's width (a cell's own line breaks become
    spaces), so the output reads the same on a terminal, in a pipe and in a log.
    """
    cells = [tuple(" ".join(cell.split()) for cell in row) for row in rows]
    for row in cells:
        if len(row) != len(columns):
            raise ValueError(f"a row has {len(row)} cells for {len(columns)} columns")
    widths = [max(len(text) for text in column) for column in zip(columns, *cells, strict=True)]

    def line(texts: Sequence[str]) -> str:
        return "  ".join(text.ljust(width) for text, width in zip(texts, widths, strict=True)).rstrip()

    rule = tuple("-" * width for width in widths)
    return "\n".join([title, line(columns), line(rule), *(line(row) for row in cells)])
