"""scenarios: chaos game days against a real staging target, with real alerts.

=======================  ==================================================================
module / package         concept
=======================  ==================================================================
``target/``              the staging "checkout" service (FastAPI, SQLite pool, metrics,
                         fault switches); ``python -m scenarios.target``
``faultproxy/``          a TCP fault proxy (latency, bandwidth, resets, dead upstream) with
                         Toxiproxy's HTTP API, metering HTTP/1.1 for a user's service
``monitoring/``          Prometheus rules (seeds 002 and 004, time-compressed),
                         ``prometheus.yml``, ``alertmanager.yml`` (seed 002 routing)
``load/``                Locust, run headless in its own process
``stack.py``             start/stop the whole stack on loopback; ``python -m scenarios.stack``
``stackplan.py``         the stack's processes, ports and files (bundled, or own staging)
``stackstate.py``        the stack's configuration, ``state.json`` and ``chaos.env``
``receiver.py``          the ``drill`` Alertmanager receiver: repoint, restore, snippet
``crashwatch.py``        the process-crash fault's lease and its keeper
``examples/``            own staging's worked example: a stdlib service and its experiment
``room/``                the drill API client and the run's events as drill injects (the
                         Chaos Toolkit extension itself is ``chaosdrillbit``, ext/)
``experiments/``         the game-day experiments (YAML), runnable with ``chaos run``
``chaosrun.py``          run an experiment from Python (imports Chaos Toolkit)
``gameday/``             ``drillbit gameday run``: plan, processes, run, report
``team.py``              the autopilot team, playing a web UI room over HTTP
``webserver.py``         ``drillbit serve`` in a child process, for a game day
``journal.py``           judge a journal: passed, failed or invalid
``allowlist.py``         hosts, ports and networks, URLs read strictly, names resolved once
``chaosallow.py``        the operator's chaos allow-list (never the experiment's)
``lease.py``             fault leases: expiry, renewal
``faultstate.py``        a stack's faults now: status, lease renewal, halt
``httpcall.py``          one allow-listed HTTP request, no proxies, no redirects
``procs.py``             processes and ports: spawn, identify, wait, stop
=======================  ==================================================================

Nothing here imports Locust (it patches networking) or ``webui``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from scenarios.allowlist import AllowList, TargetNotAllowed
from scenarios.journal import Judgement, Verdict, judge_journal

if TYPE_CHECKING:
    from scenarios.stack import StackConfig, StackState, start_stack, stop_stack

__all__ = [
    "AllowList",
    "Judgement",
    "StackConfig",
    "StackState",
    "TargetNotAllowed",
    "Verdict",
    "judge_journal",
    "start_stack",
    "stop_stack",
]

#: Exported lazily, so ``python -m scenarios.stack`` does not find its module already imported.
_LAZY = {"StackConfig", "StackState", "start_stack", "stop_stack"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module("scenarios.stack"), name)
    raise AttributeError(f"module 'scenarios' has no attribute {name!r}")
