"""Study objectives: what they accept, and the one plain answer the verdict leads with."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from playbook.errors import InvalidDefinition
from simulator.catalog import HEADLINE
from simulator.objectives import Objectives, parse_constraint
from simulator.results import ReplicationResult, StudyResult
from simulator.study import load_study
from tests.simulator.helpers import TINY, tiny_study

# Ten replications of noise that is the same in every design (common random numbers).
NOISE = [0.3, -0.2, 0.5, -0.4, 0.1, 0.0, -0.3, 0.2, 0.4, -0.6]


def result(
    designs: dict[str, dict[str, list[float]]], objectives: dict[str, object] | None
) -> StudyResult:
    """A StudyResult whose replications carry exactly these metric values.

    Every headline metric (and any other a design names) is 10 + NOISE in every design
    unless ``designs`` says otherwise.
    """
    variants = [{"name": name, "set": {"seed": 2}} for name in designs if name != "baseline"]
    changes: dict[str, object] = {"variants": variants}
    if objectives is not None:
        changes["objectives"] = objectives
    study = tiny_study(changes)
    names = dict.fromkeys(HEADLINE)
    for own in designs.values():
        names.update(dict.fromkeys(own))
    rows = {}
    for scenario in study.scenarios():
        own = designs.get(scenario.name, {})
        rows[scenario.name] = [
            ReplicationResult(
                variant=scenario.name,
                replication=r,
                metrics={m: own.get(m, [10 + x for x in NOISE])[r] for m in names},
                people={},
                alerts=0,
            )
            for r in range(len(NOISE))
        ]
    return StudyResult(study, study.scenarios(), rows, workers=1, elapsed_seconds=0.0)


def shifted(by: float, metric_noise: float = 0.05) -> list[float]:
    """10 + NOISE moved by ``by``, with a little noise of its own (so the test has a spread)."""
    return [10 + x + by + metric_noise * (-1) ** r for r, x in enumerate(NOISE)]


def test_constraints_read_metric_operator_and_bound() -> None:
    c = parse_constraint("mtta <= 10")
    assert (c.metric, c.op, c.bound) == ("mtta", "<=", 10.0)
    assert c.met(10.0) and not c.met(10.01) and not c.met(math.nan)
    assert parse_constraint("breach_response<0.05").met(0.04)
    assert parse_constraint("mtta.SEV1 >= 1e-1").met(0.1)


@pytest.mark.parametrize(
    ("text", "reason"),
    [("mtta =< 10", "is not 'METRIC OP NUMBER'"), ("speed <= 3", "unknown metric 'speed'"),
     ("mtta <= ten", "is not"), ("mtta <= 1e999", "finite")],
)  # fmt: skip
def test_a_bad_constraint_is_refused_with_its_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_constraint(text)


def test_a_bad_objective_in_a_study_names_the_file_line_and_field() -> None:
    text = TINY + "objectives:\n  primary: [mtta]\n  constraints: ['mtta =< 10']\n"
    with pytest.raises(InvalidDefinition) as caught:
        load_study(Path("tiny.yaml"), text=text)
    line = caught.value.one_line()
    assert "tiny.yaml:" in line and "objectives.constraints" in line and "=<" in line


def test_objectives_list_primary_metrics_before_constraint_metrics() -> None:
    objectives = Objectives(
        primary=("burnout_index",), constraints=("mtta <= 10", "burnout_index < 30")
    )
    assert objectives.metrics() == ("burnout_index", "mtta")


def test_the_answer_names_the_winner_and_its_cost() -> None:
    designs = {
        "cheap": {"burnout_index": shifted(-3), "mttr": shifted(+2), "mtta": shifted(-1)},
        "meh": {"burnout_index": shifted(-1)},
    }
    lead = result(designs, {"primary": ["burnout_index"], "constraints": ["mtta <= 10"]}).verdict()[
        0
    ]
    assert lead.startswith("cheap wins on the objectives")
    assert "burnout index (team mean) 7.00 against 10.00 (-30%)" in lead
    assert "it meets mtta <= 10 (9.0 min)" in lead
    assert "at the cost of MTTR (alert to resolved) 12.0 min against 10.0 min (+20%)" in lead


def test_a_design_that_misses_a_constraint_cannot_win() -> None:
    designs = {"fast_but_slow": {"burnout_index": shifted(-3), "mtta": shifted(+1)}}
    lead = result(designs, {"primary": ["burnout_index"], "constraints": ["mtta <= 10"]}).verdict()[
        0
    ]
    assert lead.startswith("Keep the baseline: no design beats it")
    assert "fast_but_slow misses mtta <= 10" in lead


def test_with_nothing_different_the_answer_says_so() -> None:
    lead = result({"same": {}}, {"primary": ["burnout_index", "mtta"]}).verdict()[0]
    assert lead.startswith("No design differs significantly from the baseline on the objectives")


def test_a_later_primary_metric_decides_only_when_the_first_does_not_differ() -> None:
    designs = {
        "later": {"mtta": shifted(-2)},
        "worse_first": {"burnout_index": shifted(+2), "mtta": shifted(-4)},
    }
    lead = result(designs, {"primary": ["burnout_index", "mtta"]}).verdict()[0]
    assert lead.startswith("later wins on the objectives")


def test_without_objectives_the_answer_counts_headline_metrics() -> None:
    designs = {"broad": {m: shifted(-1) for m in HEADLINE[:4]}, "narrow": {"mtta": shifted(-1)}}
    lead = result(designs, None).verdict()[0]
    assert lead.startswith("broad is the strongest design")
    assert "significantly better on 4 of 13" in lead
