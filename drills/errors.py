"""The drill errors, under playbook's one exception root.

::

    DrillbitError
    ├── InvalidDefinition          (playbook) a script, rubric or request is wrong
    │   └── UnknownScript          no such drill in the library, and no such file
    ├── RunFailed                  (playbook) something broke while running
    │   └── StoreFailed            the session store could not read or write
    ├── ActionRefused              an action breaks a drill rule; nothing changed
    └── SessionNotFound            no session with that id (or join code) in the store

The web layer maps ``ActionRefused`` to 409, ``SessionNotFound`` to 404 and
``InvalidDefinition`` to 422; nothing in ``drills/`` knows about HTTP.
"""

from __future__ import annotations

from playbook.errors import DrillbitError, InvalidDefinition, RunFailed

__all__ = ["ActionRefused", "SessionNotFound", "StoreFailed", "UnknownScript"]


class ActionRefused(DrillbitError):
    """An action was refused by a drill rule; the session is unchanged.

    ``action`` names the action (``declare``, ``assign_role``...) and ``reason`` says why in
    words a participant can act on.
    """

    def __init__(self, action: str, reason: str) -> None:
        self.action = action
        self.reason = reason
        super().__init__(f"{action} refused: {reason}")


class SessionNotFound(DrillbitError):
    """No drill session with that id or join code."""


class StoreFailed(RunFailed):
    """The session store failed (disk full, locked database, corrupt file)."""


class UnknownScript(InvalidDefinition):
    """The named drill script is neither in the library nor a readable file."""
