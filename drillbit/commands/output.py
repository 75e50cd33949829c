"""Rich consoles and tables made on first use: a command that prints JSON never imports rich.

``rich`` costs ~15 % of a light command's start-up, so :mod:`drillbit.commands.playbook`
prints through these instead of module-level consoles.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

__all__ = ["err", "out", "table"]


@cache
def out() -> Console:
    """The stdout console."""
    from rich.console import Console  # noqa: PLC0415 - imported on first use, see above

    return Console()


@cache
def err() -> Console:
    """The stderr console (warnings, progress)."""
    from rich.console import Console  # noqa: PLC0415 - imported on first use, see above

    return Console(stderr=True)


def table(title: str, columns: tuple[str, ...]) -> Table:
    """A rich table with these column headings."""
    from rich.table import Table  # noqa: PLC0415 - imported on first use, see above

    made = Table(title=title)
    for column in columns:
        made.add_column(column)
    return made
