"""``python -m scenarios.target --port N --admin-token T --db PATH``: the staging checkout.

The admin token may come from a file instead (``--admin-token-file``), which keeps it out of
``ps``; the staging stack does that. The service binds 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import uvicorn

from playbook.errors import DrillbitError
from scenarios.bearer import read_token
from scenarios.target.app import create_app
from scenarios.target.settings import TargetSettings


def parse(argv: list[str] | None) -> TargetSettings:
    parser = argparse.ArgumentParser(prog="python -m scenarios.target")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--admin-token")
    parser.add_argument("--admin-token-file", type=Path)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--service", default="checkout")
    parser.add_argument("--pool-size", type=int, default=5)
    parser.add_argument("--pool-timeout", type=float, default=1.0)
    parser.add_argument("--gateway-url")
    parser.add_argument("--dependency-timeout", type=float, default=2.0)
    parser.add_argument("--allow-target", action="append", default=[])
    parser.add_argument("--seed", type=int)
    parser.add_argument("--version", dest="service_version", default="v1.4.2")
    parser.add_argument("--previous-version", action="append", default=None)
    args = parser.parse_args(argv)
    return TargetSettings(
        host=args.host,
        port=args.port,
        admin_token=read_token(args.admin_token, args.admin_token_file, what="admin-token"),
        db_path=args.db,
        service=args.service,
        pool_size=args.pool_size,
        pool_timeout_seconds=args.pool_timeout,
        gateway_url=args.gateway_url,
        dependency_timeout_seconds=args.dependency_timeout,
        allowed_targets=tuple(args.allow_target),
        seed=args.seed,
        version=args.service_version,
        previous_versions=tuple(args.previous_version or ("v1.4.1",)),
    )


def main(argv: list[str] | None = None) -> int:
    try:
        settings = parse(argv)
    except (DrillbitError, ValueError) as exc:
        print(f"target: error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per gateway call is noise
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
