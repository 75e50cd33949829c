"""A tiny inventory API on the standard library alone: the own-staging example's service.

``GET /items`` (JSON list), ``GET /items/<id>`` (one item, 404 for an unknown one),
``GET /healthz``. It exports no metrics: the fault proxy in front of it counts its requests.
Binds 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["ITEMS", "InventoryHandler", "InventoryServer", "main", "serve"]

ITEMS = [
    {"id": 1, "name": "drill bit 6 mm", "stock": 120},
    {"id": 2, "name": "drill bit 8 mm", "stock": 75},
    {"id": 3, "name": "countersink", "stock": 12},
]


class InventoryHandler(BaseHTTPRequestHandler):
    """The three routes; HTTP/1.1 with keep-alive, like most services behind a proxy."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._json(200, {"status": "ok"})
        elif path == "/items":
            self._json(200, ITEMS)
        elif path.startswith("/items/") and path.removeprefix("/items/").isdigit():
            wanted = int(path.removeprefix("/items/"))
            item = next((i for i in ITEMS if i["id"] == wanted), None)
            if item is None:
                self._json(404, {"error": "no such item"})
            else:
                self._json(200, item)
        else:
            self._json(404, {"error": "not found"})

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: a load run would flood the terminal."""


class InventoryServer(ThreadingHTTPServer):
    """A listen backlog like a production server's: the standard library's is 5, so a burst
    of ten connections (a steady-state probe, the proxy opening upstream connections) had
    SYNs dropped and retried after a second, which read as a 1 s p95 with no fault."""

    request_queue_size = 128
    daemon_threads = True


def serve(port: int) -> ThreadingHTTPServer:
    """The server bound to 127.0.0.1:``port`` (0: a free one), not yet serving."""
    return InventoryServer(("127.0.0.1", port), InventoryHandler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scenarios.examples.inventory")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    try:
        server = serve(args.port)
    except OSError as exc:
        print(f"inventory: error: {exc}", file=sys.stderr)
        return 2
    print(f"inventory API on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
