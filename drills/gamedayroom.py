"""A game-day room's script, built from the experiment (``drills/gameday.py`` says what one is).

:func:`gameday_script` turns a :class:`~drills.gameday.GameDaySpec` into a ``kind: gameday``
:class:`~drills.script.DrillScript`: the experiment's title and description, the target's
services, the faults as the hidden truth (root cause, hints), and, if the spec names a library
drill, that drill's participant briefing only (never its world, injects or truth). Its drill
clock starts at the real instant the room is opened, so the timeline reads in real UTC time.
"""

from __future__ import annotations

from datetime import UTC, datetime

from drills.gameday import GAMEDAY_MINUTES, GameDaySpec, gameday_briefing, gameday_id
from drills.script import DrillScript, Truth

__all__ = ["gameday_script"]


def _hints(spec: GameDaySpec) -> tuple[str, ...]:
    if not spec.faults:
        return ()
    first = spec.faults[0]
    return (
        f"Compare {spec.service}'s dashboards with the time the first page fired.",
        f"Look at {first.service}: what changed there when the alert started?",
        f"The cause is {first.category.replace('_', ' ')} on {first.service}.",
    )


def gameday_script(spec: GameDaySpec, *, briefing: DrillScript | None = None,
                   now: datetime | None = None) -> DrillScript:
    """The game-day room's script (checked); ``briefing``: the library drill the spec names."""
    instant = (now or datetime.now(UTC)).replace(second=0, microsecond=0)
    if briefing is not None and spec.briefing_from is None:
        spec = spec.model_copy(update={"briefing_from": briefing.id})
    words = gameday_briefing(spec, briefing.participant_briefing if briefing else None, instant)
    faults = [f"{f.what} on {f.service}" for f in spec.faults]
    script = DrillScript(
        id=gameday_id(spec),
        kind="gameday",
        gameday=spec,
        services=spec.all_services,
        duration_minutes=GAMEDAY_MINUTES,
        clock_start=instant,
        truth=Truth(
            root_cause="; ".join(faults) or f"what the experiment {spec.experiment!r} injects",
            impact=spec.description or spec.experiment,
            hints=_hints(spec),
        ),
        **words,
    )
    script.cross_check()
    return script
