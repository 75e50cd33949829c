"""Writing a study's outputs: ``results.json``, ``incidents.csv`` and ``report.html``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from playbook.errors import RunFailed
from simulator.accelerator import status
from simulator.report import render_report
from simulator.results import INCIDENT_CSV_COLUMNS, StudyResult
from simulator.trace import example_incident

__all__ = ["write_outputs"]


def write_outputs(
    result: StudyResult, out_dir: Path, *, incident_replications: int = 5, example: bool = True
) -> dict[str, Path]:
    """Write the three outputs into ``out_dir`` (created if needed); returns their paths.

    ``incidents.csv`` holds the incidents of the first ``incident_replications`` replications
    of every variant (0: all of them; a year of the reference study is ~90 MB in all).
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = {
            "results": out_dir / "results.json",
            "incidents": out_dir / "incidents.csv",
            "report": out_dir / "report.html",
        }
        payload = result.to_dict()
        # How it ran (the only part that may differ between runs of the same seed).
        payload["run"] = {
            "elapsed_seconds": result.elapsed_seconds,
            "workers": result.workers,
            "simulator": status().describe().removeprefix("simulator: "),
        }
        payload["incidents_csv_replications"] = incident_replications or result.study.replications
        paths["results"].write_text(
            json.dumps(payload, indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        limit = incident_replications or None
        with paths["incidents"].open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(INCIDENT_CSV_COLUMNS)
            writer.writerows(
                [row[c] for c in INCIDENT_CSV_COLUMNS]
                for row in result.incident_rows(replications=limit)
            )
        events = example_incident(result.scenarios[0]) if example else None
        paths["report"].write_text(render_report(result, example=events), encoding="utf-8")
    except OSError as exc:
        raise RunFailed(f"cannot write outputs to {out_dir}: {exc.strerror}") from None
    return paths
