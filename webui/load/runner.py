"""``python -m webui.load``: a server on 127.0.0.1, rooms full of participants, Locust's figures.

Starts ``python -m webui`` on a free port in a temporary data directory, opens ``--rooms``
running rooms through the admin API, runs Locust headless in its own process with
``rooms * participants`` users for ``--seconds``, and prints requests/s, p50/p95/p99 and
errors (overall and per route) from Locust's CSV statistics. Exit status 1 when a request
failed or the p95 is over ``--p95-ms``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

__all__ = ["LOCUSTFILE", "main", "read_stats"]

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


def _open_rooms(url: str, token: str, rooms: int, script: str, speed: float) -> list[dict[str, str]]:
    out = []
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        for _ in range(rooms):
            response = client.post("/api/v1/rooms", json={"script": script, "speed": speed})
            response.raise_for_status()
            data = response.json()
            out.append({"id": data["session_id"], "code": data["join_code"]})
    return out


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
                "-u", str(users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s",
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
    total = next(r for r in rows if r["Name"] == "Aggregated")
    print(f"{'route':<48} {'reqs':>7} {'req/s':>8} {'p50':>6} {'p95':>6} {'p99':>6} {'errors':>6}  (ms)")
    for r in rows:
        print(_row(r))
    failures, p95 = int(total["Failure Count"]), float(total["95%"])
    print(
        f"\nrequests/s {float(total['Requests/s']):.1f}; p50 {total['50%']} ms, p95 {total['95%']} ms, "
        f"p99 {total['99%']} ms; errors {failures} of {total['Request Count']}"
    )
    ok = failures == 0 and p95 <= args.p95_ms
    print("PASS" if ok else f"FAIL (target: no errors and p95 <= {args.p95_ms:g} ms)")
    return 0 if ok else 1
