"""Hostile YAML benchmark (``make bench``): every hostile document is refused in < 1 s, < 100 MB.

For each document of ``tests/hostile_yaml.py`` and each way YAML comes in, a fresh child
process (capped at 1 GiB of address space and 60 s, so a regression cannot take the machine
down) imports drillbit, then times only the load and reports its peak RSS:

* ``playbook``: :func:`playbook.model.load_playbook` on the file (the CLI's ``--playbook``);
* ``study``: :func:`simulator.study.load_study` on the text (the web UI's upload);
* ``variants``: the shipped reference study with the document as its ``variants`` form field
  (:func:`webui.studies.parse_variants`, then ``Study.with_overrides``).

The bound is on the load itself; ``peak_rss_mb`` is the whole child's, imports included, so
``import_rss_mb`` (the same child before loading) is the baseline to read it against.
Results are merged into ``bench/results.json`` under ``hostile_yaml`` (other keys are kept).

Run: ``.venv/bin/python bench/bench_hostile_yaml.py [--entry playbook] [--case alias_bomb]``.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.hostile_yaml import CASES  # noqa: E402 - after the path set-up

LIMIT_SECONDS = 1.0
LIMIT_MB = 100.0
ADDRESS_SPACE_CAP = 1 << 30
TIMEOUT = 60.0

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
entry, path = sys.argv[1], Path(sys.argv[2])
from playbook.errors import DrillbitError
from playbook.model import load_playbook
from simulator.study import load_study
from webui.studies import parse_variants
REFERENCE = Path("simulator/studies/reference.yaml")
reference = load_study(REFERENCE) if entry == "variants" else None

def load():
    if entry == "playbook":
        return load_playbook(path)
    text = path.read_bytes().decode("utf-8", "replace")
    if entry == "study":
        return load_study(path, text=text)
    return reference.with_overrides({"variants": parse_variants(text)})

before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
began = time.perf_counter()
try:
    load()
    outcome = "loaded"
except DrillbitError as exc:
    outcome = "refused: " + str(exc).replace(str(path), "FILE")
except BaseException as exc:
    outcome = "crashed: " + type(exc).__name__ + ": " + str(exc)[:120].replace(chr(10), " ")
seconds = time.perf_counter() - began
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "import_rss_mb": before / 1024, "peak_rss_mb": peak / 1024,
                  "outcome": outcome}))
"""


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_CAP, ADDRESS_SPACE_CAP))


def measure(entry: str, path: Path) -> dict[str, Any]:
    """One child process: the load's seconds, its peak RSS and how it ended."""
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", CHILD, entry, str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            preexec_fn=_cap,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": TIMEOUT, "outcome": f"killed after {TIMEOUT:g} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"outcome": f"child died (exit {done.returncode}): {last[:120]}"}
    result: dict[str, Any] = json.loads(lines[-1])
    for key in ("seconds", "import_rss_mb", "peak_rss_mb"):
        result[key] = round(result[key], 3 if key == "seconds" else 1)
    return result


def within_bounds(row: dict[str, Any]) -> bool:
    """Refused, fast and small: the promise of issue 9 item 1."""
    return (
        str(row.get("outcome", "")).startswith("refused")
        and row.get("seconds", TIMEOUT) < LIMIT_SECONDS
        and row.get("peak_rss_mb", 1e9) - row.get("import_rss_mb", 0.0) < LIMIT_MB
    )


def merge_results(out: Path, key: str, value: Any) -> None:
    """Write ``value`` under ``key`` of the JSON file ``out``, keeping its other entries."""
    data: dict[str, Any] = {}
    if out.exists():
        data = json.loads(out.read_text(encoding="utf-8"))
    data[key] = value
    out.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entry", action="append", choices=("playbook", "study", "variants"))
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    entries = args.entry or ["playbook", "study", "variants"]
    cases = args.case or list(CASES)
    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in cases:
            path = Path(tmp) / f"{name}.yaml"
            path.write_bytes(CASES[name])
            for entry in entries:
                row = measure(entry, path)
                row["ok"] = within_bounds(row)
                rows[f"{entry}/{name}"] = row
                print(
                    f"{entry:>8} {name:<16} {row.get('seconds', float('nan')):7.3f} s "
                    f"{row.get('peak_rss_mb', float('nan')):7.1f} MB  "
                    f"{'ok ' if row['ok'] else 'BAD'} {row['outcome'][:90]}"
                )
    failed = [key for key, row in rows.items() if not row["ok"]]
    summary = {
        "limit_seconds": LIMIT_SECONDS,
        "limit_mb_over_imports": LIMIT_MB,
        "all_within_bounds": not failed,
        "outside_bounds": failed,
        "cases": rows,
        "python": platform.python_version(),
    }
    merge_results(args.out, "hostile_yaml", summary)
    print(f"{len(rows) - len(failed)}/{len(rows)} refused within {LIMIT_SECONDS:g} s and "
          f"{LIMIT_MB:g} MB; wrote {args.out}")


if __name__ == "__main__":
    main()
