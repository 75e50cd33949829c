"""simulator: the what-if simulator of alert streams, on-call response, escalation and burnout.

A notebook user needs three calls::

    from simulator import load_study, run_study
    study = load_study("simulator/studies/reference.yaml")
    result = run_study(study, replications=10)
    result.summaries()     # variant -> metric -> {"mean", "ci95", "n"}
    result.verdict()       # the answer (objectives), then plain-language findings
    result.dataframe()     # long-form pandas DataFrame, if pandas is installed

See simulator/README.md for the model, the study file and every output.

The hot modules load compiled (mypyc) when ``make compiled`` built them from exactly these
sources and ``DRILLBIT_SIMULATOR_COMPILED`` is not 0 (:mod:`simulator.accelerator`); this
activation comes before every other simulator import.
"""

# ruff: noqa: E402 - the accelerator goes first, the imports after it
from simulator.accelerator import activate as _activate

_activate(__path__)

from simulator.aa import validate_aa
from simulator.crn import check_crn
from simulator.mmc import MMC_STUDY_PATH, mmc_study, validate_mmc
from simulator.output import write_outputs
from simulator.queueing import erlang_c, fcfs_waits, mmc
from simulator.report import render_report
from simulator.results import ReplicationResult, StudyResult
from simulator.runner import run_scenario_replication, run_study
from simulator.stats import Comparison, Estimate, estimate, holm, paired, welch
from simulator.study import Scenario, Study, load_study
from simulator.trace import example_incident, trace_replication

__all__ = [
    "MMC_STUDY_PATH",
    "Comparison",
    "Estimate",
    "ReplicationResult",
    "Scenario",
    "Study",
    "StudyResult",
    "check_crn",
    "erlang_c",
    "estimate",
    "example_incident",
    "fcfs_waits",
    "holm",
    "load_study",
    "mmc",
    "mmc_study",
    "paired",
    "render_report",
    "run_scenario_replication",
    "run_study",
    "trace_replication",
    "validate_aa",
    "validate_mmc",
    "welch",
    "write_outputs",
]
