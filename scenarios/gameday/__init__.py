"""A game day end to end: break staging on purpose, page a live drill room, score the team.

:func:`run_gameday` is ``drillbit gameday run``:

1. **Check first.** The experiment is loaded and validated, the drill is found in the library,
   and every URL the run will use (the experiment's configuration, the web UI) is checked
   against the allow-list before anything is started or sent. :func:`plan_gameday` stops here
   and describes the rest (``--dry-run``).
2. **The web UI**: the one at ``web_url`` if it answers, else ``drillbit serve`` in a child
   process on a free loopback port with its own data directory (``out/gameday/webui`` by
   default, kept between runs so scores compare with earlier game days).
3. **The room**: ``POST /api/v1/rooms`` with the admin token; the facilitator link and the join
   code are printed. Its clock starts just before the experiment does.
4. **The stack**: the staging stack in ``stack_dir`` if it is up (its Alertmanager ``drill``
   receiver is pointed at the room and put back afterwards), else started with the room as its
   drill receiver. Alertmanager sends the room's alerts to ``/api/v1/alerts/alertmanager`` with
   the room's receiver token.
5. **The team** (``autopilot``): four scripted people join over the HTTP API and play the room
   (:mod:`scenarios.team`), acknowledging the real pages as they arrive.
6. **The experiment** runs in this process's main thread (Chaos Toolkit installs signal
   handlers), rollbacks always; its events stream into the room (:mod:`scenarios.room.timeline`).
   The fault raises real alerts in Prometheus; Alertmanager routes them to the room, where the
   playbook classifies them.
7. **After the rollback**: the team gets to finish (bounded), the drill is ended and scored as
   any drill, and the report (``report.md``, ``report.json``) links the journal, the Locust CSV
   statistics and the score. The journal is judged: ``invalid`` when the steady state did not
   hold before the fault.
8. **Everything started is stopped**, in reverse order, also on failure, Ctrl-C, SIGTERM or
   SIGHUP (further signals are ignored while it stops).

=================  ==========================================================================
module             step
=================  ==========================================================================
``plan``           options, the plan, every check before anything starts (``--dry-run``)
``processes``      the web UI, the stack, signals and the log: what is started and stopped
``run``            the run itself: room, team, experiment, wrap-up, score
``report``         the report model, figures, the journal's fault timeline, the alerts' lifecycle
``markdown``       ``report.md``; ``html``: ``report.html``; ``views``: their shared tables;
                   ``charts``: SVG charts and sparklines
``realops``        the catalog's operations carried out on the staging target
``bridge``         the room's ``operate`` actions carried out there, as their makers
``proxyops``       own staging: the catalog mapped onto the fault proxy (``team_actions``)
``series``         the steady-state probe series and Locust's history
``fixwindow``      the run's event handler: records the series, holds the rollback for the fix
``scoring``        validity (no real alert: invalid) and mitigation judged on the real system;
                   ``judge``: a recorded game day judged with it
=================  ==========================================================================
"""

from __future__ import annotations

from scenarios.gameday.plan import (
    DEFAULT_DRILL,
    DEFAULT_OUT_DIR,
    GameDayOptions,
    GameDayPlan,
    plan_gameday,
)
from scenarios.gameday.report import GameDayReport, RoomAlert, render_markdown
from scenarios.gameday.run import run_gameday

__all__ = [
    "DEFAULT_DRILL",
    "DEFAULT_OUT_DIR",
    "GameDayOptions",
    "GameDayPlan",
    "GameDayReport",
    "RoomAlert",
    "plan_gameday",
    "render_markdown",
    "run_gameday",
]
