"""The one exception tree of drillbit.

::

    DrillbitError
    ├── InvalidDefinition   a file or request is wrong; raised before anything runs
    └── RunFailed           something broke while running; recorded and reported

Command-line entry points turn any ``DrillbitError`` into exit code 2 and a one-line
message; the web layer maps ``InvalidDefinition`` to 4xx. Nothing else maps them.
"""

from __future__ import annotations

__all__ = ["DrillbitError", "InvalidDefinition", "RunFailed"]


class DrillbitError(Exception):
    """Root of every error drillbit raises on purpose."""


class InvalidDefinition(DrillbitError):
    """A definition (playbook, study, drill script, request) is invalid.

    ``source``, ``line`` and ``field`` locate the problem when known, so a message reads
    ``playbook.yaml:12: severities.SEV1.response_minutes: Input should be a valid number``.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.field = field
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = ""
        if self.source is not None:
            where = self.source if self.line is None else f"{self.source}:{self.line}"
        parts = [p for p in (where, self.field) if p]
        return ": ".join([*parts, self.message])


class RunFailed(DrillbitError):
    """A run (simulation, drill, experiment) failed after it had validly started."""
