"""Common random numbers stay in step: the same page gets the same draws in every variant."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from playbook.errors import InvalidDefinition
from simulator.crn import check_crn, matched_delays
from simulator.runner import Shared, run_one
from simulator.study import load_study

REFERENCE = Path(__file__).parents[2] / "simulator" / "studies" / "reference.yaml"


def _short(**changes: object) -> object:
    return load_study(REFERENCE).with_overrides(
        {"horizon_days": 28, "warmup_days": 2, "replications": 3, **changes}
    )


def test_pages_the_escalation_change_does_not_touch_get_identical_delays() -> None:
    # Without fatigue a delay depends only on the page's draws and the person's state at
    # its minute. secondary_after_5 moves SEV2's rule 2 from minute 15 to 5; every other
    # rule's pages go out at the same minute in both runs, so their delays must be equal.
    study = _short(**{"responders.fatigue.enabled": False})
    scenarios = {s.name: s for s in study.scenarios()}
    shared = Shared()
    base, _ = run_one(scenarios["baseline"], 0, shared)
    faster, _ = run_one(scenarios["secondary_after_5"], 0, shared)

    def by_page(records: object) -> dict[tuple[float, int, int, int], float]:
        inc, pages = records.incidents, records.pages  # type: ignore[attr-defined]
        keep = pages["rule"] != 2
        return {
            (inc["open"][i], r, lp, p): d
            for i, r, lp, p, d in zip(
                pages["incident"][keep].tolist(),
                pages["rule"][keep].tolist(),
                pages["loop"][keep].tolist(),
                pages["person"][keep].tolist(),
                pages["delay"][keep].tolist(),
                strict=True,
            )
            if not math.isnan(d)
        }

    a, b = by_page(base), by_page(faster)
    matched = a.keys() & b.keys()
    assert len(matched) > 200
    assert all(a[k] == b[k] for k in matched)


def test_matched_delays_counts_answered_pages_in_both_runs() -> None:
    study = _short()
    scenario = study.scenarios()[0]
    records, _ = run_one(scenario, 0, Shared())
    answered = int((~np.isnan(records.pages["delay"])).sum())
    assert matched_delays(records, records) == (answered, answered, answered)


def test_the_crn_check_reports_both_figures() -> None:
    # Without fatigue only SEV2's rule-2 pages (now at minute 5) can differ, and only when
    # the person's state differs between minutes 5 and 15: nearly every delay is identical.
    report = check_crn(_short(**{"responders.fatigue.enabled": False}), "secondary_after_5")
    assert report.replications == 3 and report.matched > 500
    assert report.identical_share >= 0.99
    assert report.identical <= report.within_second <= report.matched
    # Pairing on common random numbers narrows every headline difference that varies.
    finite = [v for v in report.sd_ratio.values() if not math.isnan(v)]
    assert finite and all(v < 1.0 for v in finite)


def test_the_crn_check_names_an_unknown_variant() -> None:
    with pytest.raises(InvalidDefinition, match="unknown variant 'nope'"):
        check_crn(_short(), "nope")
