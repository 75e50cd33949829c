"""``python -m webui.load``: a server on 127.0.0.1, rooms full of participants, Locust's figures.

Starts ``python -m webui`` on a free port in a temporary data directory, opens ``--rooms``
rooms through the admin API, each running its drill world at ``--speed``, runs Locust
headless in its own process with ``rooms * participants`` workspace users (dashboards and
logs re-fetched and queried, the change feed and service map, messages, acknowledgements:
``webui/locustfile.py``) plus one user fetching a static file, for ``--seconds``, and prints
requests/s, p50/p95/p99 and errors per route from Locust's CSV statistics, then the
participants' figures beside the static baseline measured in the same run. The figures are
the steady state: they are reset once every participant has joined and loaded the room's
page, so the ramp-up (200 joins and first page loads within seconds) is not in them. Exit status 1
when a request failed or the participants' p95 is over ``--p95-ms``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

__all__ = ["LOCUSTFILE", "Summary", "main", "percentile", "read_stats", "summarise"]

LOCUSTFILE = Path(__file__).parent.parent / "locustfile.py"  # webui/locustfile.py


def _start_server(data_dir: Path, token: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "DRILLBIT_DATA_DIR": str(data_dir), "DRILLBIT_ADMIN_TOKEN": token}
    proc = subprocess.Popen(
        [sys.executable, "-m", "webui", "--host", "127.0.0.1", "--port", "0"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
    if match is None:
        proc.terminate()
        proc.wait(10)
        raise SystemExit(f"the server did not start: {line.strip()}")
    return proc, match.group(1)


def _open_rooms(url: str, token: str, rooms: int, script: str, speed: float) -> list[dict[str, object]]:
    """Open and start ``rooms`` rooms of ``script``; their ids, join codes and services."""
    out: list[dict[str, object]] = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        library = client.get("/api/v1/library")
        library.raise_for_status()
        services = next((d["services"] for d in library.json() if d["id"] == script), None)
        if services is None:
            raise SystemExit(f"no drill {script!r} in the server's library")
        for _ in range(rooms):
            response = client.post("/api/v1/rooms", json={"script": script, "speed": speed, "start": True})
            response.raise_for_status()
            data = response.json()
            out.append({"id": data["session_id"], "code": data["join_code"], "services": services})
    return out


@dataclass(frozen=True)
class Summary:
    """The participants' figures (every route but the baseline) and the baseline's (ms)."""

    requests: int
    rps: float
    p50: float
    p95: float
    p99: float
    failures: int
    baseline_p50: float | None
    baseline_p95: float | None

    def text(self) -> str:
        base = "no baseline" if self.baseline_p95 is None else (
            f"static baseline p50 {self.baseline_p50:.0f} ms, p95 {self.baseline_p95:.0f} ms"
        )
        return (
            f"participants (steady state): {self.rps:.1f} requests/s; p50 {self.p50:.0f} ms, p95 {self.p95:.0f} ms, "
            f"p99 {self.p99:.0f} ms; errors {self.failures} of {self.requests}\n{base} (same run)"
        )


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value with at least ``share`` of all at or below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def summarise(times: dict[str, list[float]], failures: dict[str, int], seconds: float) -> Summary:
    """Participants' and baseline figures from every response time of the run (ms)."""
    users, base = times.get("participants", []), times.get("baseline", [])
    return Summary(
        requests=len(users),
        rps=len(users) / seconds if seconds > 0 else 0.0,
        p50=percentile(users, 0.50), p95=percentile(users, 0.95), p99=percentile(users, 0.99),
        failures=sum(failures.values()),
        baseline_p50=percentile(base, 0.50) if base else None,
        baseline_p95=percentile(base, 0.95) if base else None,
    )


def read_stats(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _row(r: dict[str, str]) -> str:
    return (
        f"{r['Name'][:48]:<48} {int(r['Request Count']):>7} {float(r['Requests/s']):>8.1f} "
        f"{r['50%']:>6} {r['95%']:>6} {r['99%']:>6} {int(r['Failure Count']):>6}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m webui.load", description=__doc__)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--participants", type=int, default=10, help="per room")
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=50)
    parser.add_argument("--script", default="alert-storm", help="drill the rooms run")
    parser.add_argument("--speed", type=float, default=10)
    parser.add_argument("--p95-ms", type=float, default=100)
    parser.add_argument("--out", type=Path, help="keep Locust's CSV files here")
    args = parser.parse_args(argv)
    token = secrets.token_urlsafe(24)
    users = args.rooms * args.participants
    with tempfile.TemporaryDirectory(prefix="drillbit-load-") as tmp:
        work = args.out or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        server, url = _start_server(Path(tmp) / "data", token)
        try:
            rooms = _open_rooms(url, token, args.rooms, args.script, args.speed)
            (work / "rooms.json").write_text(json.dumps(rooms), encoding="utf-8")
            print(f"{url}: {args.rooms} rooms x {args.participants} participants = {users} users, {args.seconds} s", flush=True)
            command = [
                sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
                "-u", str(users + 1), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s",
                "--host", url, "--csv", str(work / "stats"), "--only-summary", "--loglevel", "WARNING",
                "--stop-timeout", "5",
            ]
            env = {**os.environ, "DRILLBIT_LOAD_ROOMS": str(work / "rooms.json")}
            locust = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
            (work / "locust.log").write_text(locust.stdout + locust.stderr, encoding="utf-8")
        finally:
            server.terminate()
            server.wait(15)
            if server.stdout is not None:
                server.stdout.close()
        stats = work / "stats_stats.csv"
        if not stats.exists():
            print(locust.stdout[-3000:] + locust.stderr[-3000:], file=sys.stderr)
            return 1
        rows = read_stats(stats)
        times = work / "times.json"
        if not times.exists():
            print("Locust wrote no response times (times.json)", file=sys.stderr)
            return 1
        recorded = json.loads(times.read_text(encoding="utf-8"))
    print(f"{'route':<48} {'reqs':>7} {'req/s':>8} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>6}  (ms)")
    for r in rows:
        print(_row(r))
    summary = summarise(recorded["times"], recorded["failures"], recorded["seconds"])
    print(f"\n{summary.text()}")
    ok = summary.failures == 0 and summary.p95 <= args.p95_ms
    print("PASS" if ok else f"FAIL (target: no errors and the participants' p95 <= {args.p95_ms:g} ms)")
    return 0 if ok else 1
