"""``python -m scenarios.faultproxy --listen-port N --upstream HOST:PORT --control-port M
--admin-token-file FILE``: a TCP fault proxy in front of HOST:PORT, on loopback."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playbook.errors import DrillbitError
from scenarios.bearer import read_token
from scenarios.faultproxy.server import ProxySettings, main_loop
from scenarios.lease import DEFAULT_LEASE_SECONDS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scenarios.faultproxy")
    parser.add_argument("--listen-port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="HOST:PORT to forward to")
    parser.add_argument("--control-port", type=int, required=True)
    parser.add_argument("--admin-token")
    parser.add_argument("--admin-token-file", type=Path)
    parser.add_argument("--allow-target", action="append", default=[])
    parser.add_argument("--seed", type=int)
    parser.add_argument("--lease-seconds", type=float, default=DEFAULT_LEASE_SECONDS)
    parser.add_argument("--http-metrics", metavar="SERVICE", help="count the HTTP requests at /metrics")
    args = parser.parse_args(argv)
    try:
        host, _, port = args.upstream.rpartition(":")
        settings = ProxySettings(
            listen_port=args.listen_port,
            upstream_host=host.strip("[]"),
            upstream_port=int(port),
            control_port=args.control_port,
            admin_token=read_token(args.admin_token, args.admin_token_file, what="admin-token"),
            allowed_targets=tuple(args.allow_target),
            seed=args.seed,
            lease_seconds=args.lease_seconds,
            http_service=args.http_metrics,
        )
        main_loop(settings)
    except (DrillbitError, ValueError) as exc:
        print(f"faultproxy: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
