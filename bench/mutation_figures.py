"""Per-module mutation figures from the last ``make mutation`` (mutmut's ``mutants/``).

For each module: mutants made, killed (a timeout counts as killed, as mutmut's own score
counts it), survived, without a test, and not yet run (an interrupted run); the score is
killed / (killed + survived + no tests). ``--equivalent docs/mutation.md`` takes the
mutants that file lists as equivalent out of the denominator (only there).

Run: ``.venv/bin/python bench/mutation_figures.py [--equivalent docs/mutation.md]``.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[1]


def module_of(mutant: str) -> str:
    """``playbook.coverage.x__spread__mutmut_3`` -> ``playbook.coverage``."""
    return re.split(r"\.x[_ǁ]", mutant, maxsplit=1)[0]


def statuses(mutants_dir: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in mutants_dir.rglob("*.meta"):
        for name, code in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
            found[name] = "not checked" if code is None else status_by_exit_code[code]
    return found


def equivalent_names(listing: Path | None) -> set[str]:
    if listing is None:
        return set()
    return set(re.findall(r"`([\w.ǁ]+__mutmut_\d+)`", listing.read_text(encoding="utf-8")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mutants", type=Path, default=ROOT / "mutants")
    parser.add_argument("--equivalent", type=Path, default=None)
    args = parser.parse_args()
    found = statuses(args.mutants)
    equivalent = equivalent_names(args.equivalent)
    rows: dict[str, Counter[str]] = defaultdict(Counter)
    for name, status in found.items():
        kind = {"timeout": "killed"}.get(status, status)
        if name in equivalent and status in ("survived", "no tests"):
            kind = "equivalent"
        rows[module_of(name)][kind] += 1
    total: Counter[str] = Counter()
    print(f"{'module':22} {'mutants':>7} {'killed':>6} {'survived':>8} {'no test':>7} "
          f"{'equiv.':>6} {'not run':>7} {'score':>6}")  # fmt: skip
    for module in sorted(rows):
        c = rows[module]
        total.update(c)
        print(_row(module, c))
    print(_row("all", total))


def _row(name: str, c: Counter[str]) -> str:
    judged = c["killed"] + c["survived"] + c["no tests"]
    score = f"{c['killed'] / judged:6.1%}" if judged else "     -"
    return (f"{name:22} {sum(c.values()):7} {c['killed']:6} {c['survived']:8} {c['no tests']:7} "
            f"{c['equivalent']:6} {c['not checked']:7} {score}")  # fmt: skip


if __name__ == "__main__":
    main()
