"""CLI start-up benchmark (``make bench``): the light commands answer in under 0.25 s.

Each light command (``classify``, ``oncall``, ``escalate``, ``render``, ``playbook check``)
runs end to end in a fresh interpreter, as a user runs it (``python -m drillbit ...``), N
times; the best wall and the best CPU (user + system) time are kept. The limit is checked on
CPU time, which other load on a shared machine moves less than wall time (which can triple).
The baseline, measured in the same run the same way, is a bare ``python -c pass``: a
command's figure minus the baseline is what drillbit itself costs, and its ratio to the
baseline is the figure that carries best from one machine (or one load) to another; the load
average at the start is printed with them. One ``python -X
importtime`` run per command names the slowest imports and checks that the heavy packages
(FastAPI, Chaos Toolkit, Locust, the simulator, drills, web UI) stay out, as does
``importlib.metadata`` (pydantic's plugin look-up; see ``drillbit/startup.py``).

As installed: the children may write bytecode caches (``PYTHONDONTWRITEBYTECODE`` is
dropped; ``__pycache__`` is ignored by git) and get a scratch ``DRILLBIT_DATA_DIR``. A
warm-up run per command fills both; the ``cpu_seconds``
figure is then a run with the validated playbook cached (``drillbit/commands/
playbook_cache.py``), and ``cpu_seconds_cache_miss`` is the first run after the playbook
(or drillbit) changed, each in an empty data directory.

Results are merged into ``bench/results.json`` under ``cli_startup`` (other keys are kept).

Run: ``.venv/bin/python bench/bench_cli_startup.py [--repeat 7] [--tree PATH]``; ``--tree``
measures another checkout (e.g. an older commit, for a before/after figure).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_hostile_yaml import merge_results  # noqa: E402 - after the path set-up

LIMIT_SECONDS = 0.25
COMMANDS: dict[str, list[str]] = {
    "classify": ["classify", "--service", "payments", "--error-rate", "62.5", "--revenue", "--json"],
    "oncall": ["oncall", "--schedule", "checkout-primary", "--at", "2025-01-08T12:00:00", "--json"],
    "escalate": ["escalate", "--policy", "checkout", "--json"],
    "render": ["render", "status_update", "--var", "title=Checkout down", "--var", "impact=errors",
               "--var", "what_is_happening=5xx", "--var", "what_we_are_doing=rollback",
               "--var", "next_update_at=2025-01-08T12:30:00"],
    "playbook check": ["playbook", "check", "--default"],
}  # fmt: skip
HEAVY = ("fastapi", "starlette", "uvicorn", "chaoslib", "locust", "gevent", "simpy",
         "webui", "scenarios", "drills", "simulator", "httpx")  # fmt: skip


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def child_env(data_dir: Path) -> dict[str, str]:
    """The children's environment: bytecode caches allowed, this data directory."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["DRILLBIT_DATA_DIR"] = str(data_dir)
    return env


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of ``argv``."""
    cpu, began = _children_cpu(), time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our interpreter
    seconds, cpu = time.perf_counter() - began, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.strip()[-300:]}")
    return seconds, cpu


def best(argv: list[str], cwd: Path, repeat: int, env: dict[str, str]) -> tuple[float, float]:
    runs = [timed(argv, cwd, env) for _ in range(repeat)]
    return min(w for w, _ in runs), min(c for _, c in runs)


def best_cold(argv: list[str], cwd: Path, repeat: int, scratch: Path) -> float:
    """Best CPU seconds of ``repeat`` runs, each in an empty data directory (a cache miss)."""
    runs = [timed(argv, cwd, child_env(Path(tempfile.mkdtemp(dir=scratch))))
            for _ in range(repeat)]  # fmt: skip
    return min(c for _, c in runs)


def imports(argv: list[str], cwd: Path, env: dict[str, str]) -> dict[str, Any]:
    """Top cumulative imports (ms) of one run and the heavy packages it loaded."""
    done = subprocess.run(  # noqa: S603 - our interpreter
        [sys.executable, "-X", "importtime", *argv[1:]], cwd=cwd, env=env, capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    rows: list[tuple[int, str]] = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = line.removeprefix("import time:").split("|")
        if cumulative.strip().isdigit():
            rows.append((int(cumulative), name.rstrip()))
    top = [(ms, name.strip()) for ms, name in rows if len(name) - len(name.lstrip()) <= 3]
    top.sort(reverse=True)
    loaded = {name.strip().split(".")[0] for _, name in rows}
    return {
        "top_imports_ms": {name: round(us / 1000, 1) for us, name in top[:6]},
        "heavy_packages_loaded": sorted(loaded & set(HEAVY)),
        "importlib_metadata_loaded": any(name.strip() == "importlib.metadata" for _, name in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--tree", type=Path, default=ROOT, help="checkout to measure")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    tree = args.tree.resolve()
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as scratch_name:
        scratch = Path(scratch_name)
        env = child_env(scratch / "data")
        timed([sys.executable, "-c", "pass"], tree, env)  # warm-up: bytecode of site
        baseline, baseline_cpu = best([sys.executable, "-c", "pass"], tree, args.repeat, env)
        rows: dict[str, dict[str, Any]] = {}
        for name, argv in COMMANDS.items():
            command = [sys.executable, "-m", "drillbit", *argv]
            timed(command, tree, env)  # warm-up: bytecode, and the playbook cache
            seconds, cpu = best(command, tree, args.repeat, env)
            cold = best_cold(command, tree, max(1, args.repeat // 2), scratch)
            rows[name] = {
                "wall_seconds": round(seconds, 3),
                "cpu_seconds": round(cpu, 3),
                "cpu_seconds_over_baseline": round(cpu - baseline_cpu, 3),
                "cpu_ratio_to_baseline": round(cpu / baseline_cpu, 2),
                "cpu_seconds_cache_miss": round(cold, 3),
                "ok": cpu < LIMIT_SECONDS,
                **imports(command, tree, env),
            }
            print(f"{name:<15} wall {seconds:6.3f} s  cpu {cpu:6.3f} s "
                  f"(+{cpu - baseline_cpu:.3f}, x{cpu / baseline_cpu:.1f} python -c pass; "
                  f"cache miss {cold:.3f} s)  "
                  f"heavy: {', '.join(rows[name]['heavy_packages_loaded']) or 'none'}"
                  f"{'; importlib.metadata' if rows[name]['importlib_metadata_loaded'] else ''}")
    summary = {
        "limit_seconds": LIMIT_SECONDS,
        "baseline_python_c_pass_wall_seconds": round(baseline, 3),
        "baseline_python_c_pass_cpu_seconds": round(baseline_cpu, 3),
        "load_average_at_start": [round(x, 2) for x in load],
        "cores": os.cpu_count(),
        "repeat": args.repeat,
        "statistic": "best of repeat, fresh interpreter with bytecode caches, playbook cached "
        "(cache miss: best of repeat/2, each in an empty data directory); the limit applies to "
        "CPU seconds (user + system), which other load inflates less than wall",
        "tree": "this checkout" if tree == ROOT else str(tree),
        "all_within_limit": all(row["ok"] for row in rows.values()),
        "commands": rows,
        "python": platform.python_version(),
    }
    print(f"baseline python -c pass: wall {baseline:.3f} s, cpu {baseline_cpu:.3f} s; "
          f"{sum(r['ok'] for r in rows.values())}/{len(rows)} under {LIMIT_SECONDS:g} s")
    merge_results(args.out, "cli_startup" if tree == ROOT else "cli_startup_other_tree", summary)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
