"""Drill world benchmark (``make bench``): the cost of advancing one room's world one minute.

For every library drill, a fresh :class:`~drills.world.World` is advanced minute by minute
over the drill's duration (the step function, the alert rules, the impact the director reads
each minute), on one core, best of 3. Prints the figures and merges them into
``bench/results.json`` under ``drill_world`` (other entries are kept):

* ``world_ms_per_room_minute``: the worst drill's mean milliseconds per drill minute
  (target: at most 2 ms, so 20 rooms at x60 use a few percent of a core);
* ``per_drill``: each drill's mean milliseconds per minute;
* ``rooms_at_x60_core_pct``: what 20 rooms at x60 (20 drill minutes a wall second) cost.

Run: ``.venv/bin/python bench/bench_world.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drills.library import load_library  # noqa: E402 - after the path set-up
from drills.world import World  # noqa: E402


def per_minute_ms(world_factory: type[World], script_world: object, minutes: int, start_hour: float) -> float:
    best = float("inf")
    for _ in range(3):
        world = world_factory(script_world, start_hour=start_hour)  # type: ignore[arg-type]
        started = time.perf_counter()
        for m in range(minutes + 1):
            world.alert_changes(m)
            world.impacted(m)
        best = min(best, (time.perf_counter() - started) / (minutes + 1) * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    figures: dict[str, float] = {}
    for script in load_library():
        assert script.world is not None
        start = script.clock_start.hour + script.clock_start.minute / 60
        figures[script.id] = round(per_minute_ms(World, script.world, int(script.duration_minutes), start), 3)
    worst = max(figures.values())
    entry = {
        "world_ms_per_room_minute": worst,
        "target_ms": 2.0,
        "per_drill": figures,
        "rooms_at_x60_core_pct": round(20 * 60 / 60 * worst / 1000 * 100, 2),
    }
    results = json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists() else {}
    results["drill_world"] = entry
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for name, value in figures.items():
        print(f"{name:28} {value:7.3f} ms per room-minute")
    print(f"drill world: {worst:.3f} ms per room-minute (worst drill; target <= 2 ms); "
          f"20 rooms at x60: {entry['rooms_at_x60_core_pct']:.2f} % of a core")


if __name__ == "__main__":
    main()
