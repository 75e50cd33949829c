"""drills.world: the drill's services as a live model, minute by minute on the drill clock.

=============  ===========================================================================
module         concept
=============  ===========================================================================
``spec``       the world a drill describes: services, traffic, changes, faults (data)
``noise``      keyed noise: every draw a pure function of (seed, key, minute)
``traffic``    users' traffic: daily rhythm, surges, noise
``ops``        generic operations (verbs on targets) and the configuration they lead to
``faults``     how strongly each fault holds, and what it does to its service
``model``      one minute of the world: an analytic queueing approximation
``alerts``     the playbook's alert rules (shared with ``scenarios/``) on the world's series
``logs``       log lines: background noise and what the world's state makes services say
``run``        a world run: snapshots and alerts computed on demand, replayable
=============  ===========================================================================
"""

from drills.world.alerts import RULES, Rule, rule, rules_for, slug
from drills.world.model import Impact, Metrics, Snapshot
from drills.world.ops import VERBS, Operation, OperationRefused, check
from drills.world.run import AlertChange, World
from drills.world.spec import CATEGORIES, Category, Fault, Service, WorldSpec

__all__ = [
    "CATEGORIES",
    "RULES",
    "VERBS",
    "AlertChange",
    "Category",
    "Fault",
    "Impact",
    "Metrics",
    "Operation",
    "OperationRefused",
    "Rule",
    "Service",
    "Snapshot",
    "World",
    "WorldSpec",
    "check",
    "rule",
    "rules_for",
    "slug",
]
