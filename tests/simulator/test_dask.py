"""``--dask``: replications run on a Dask cluster give exactly the local results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simulator.runner import run_study
from simulator.study import load_study

distributed = pytest.importorskip("distributed")

REFERENCE = Path(__file__).parents[2] / "simulator" / "studies" / "reference.yaml"


def test_a_local_cluster_gives_the_same_results_as_local_processes() -> None:
    study = load_study(REFERENCE).with_overrides(
        {"horizon_days": 14, "warmup_days": 1, "replications": 4}
    )
    local = run_study(study, workers=1)
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        remote = run_study(study, dask=cluster.scheduler_address)
    assert json.dumps(remote.to_dict(), sort_keys=True) == json.dumps(
        local.to_dict(), sort_keys=True
    )
