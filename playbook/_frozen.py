"""The configuration every playbook model shares (one place, so they cannot drift apart).

Unknown keys are errors and instances are immutable. Validators are built on first
validation rather than at import (pydantic's ``defer_build``): a light command that serves a
cached, already-validated playbook unpickles its models and never validates one, so it
never pays for building their validators (about 4 % of its start-up). Defaults
that are models are factories (``Field(default_factory=Ratings)``), since an instance made
at import would build its class's validator there. (:class:`~playbook.context.AlertContext`,
which ``drillbit classify`` validates on every run, keeps pydantic's default.)
"""

from pydantic import ConfigDict

FROZEN = ConfigDict(extra="forbid", frozen=True, defer_build=True)
