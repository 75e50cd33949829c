"""A generic Locust user for any HTTP service: GETs the paths in ``DRILLBIT_LOAD_PATHS``.

For own staging (``drillbit gameday run --target URL``), where drillbit knows nothing of the
service but a few paths worth reading (comma-separated, default ``/``). Like the checkout
shoppers it never follows redirects and ignores proxy settings from the environment, and it
honours the load's lease (``locustfile._lease``).
"""

from __future__ import annotations

import os
import random

from locust import HttpUser, between, task

from scenarios.load.locustfile import _lease  # noqa: F401 - registers the lease watcher

PATHS = [p.strip() for p in os.environ.get("DRILLBIT_LOAD_PATHS", "/").split(",") if p.strip()]


class Browser(HttpUser):
    """Reads one of the paths, with a short think time."""

    wait_time = between(0.05, 0.25)

    def on_start(self) -> None:
        self.client.trust_env = False

    @task
    def read(self) -> None:
        path = random.choice(PATHS)  # noqa: S311 - load shape, not cryptography
        self.client.get(path, name=path, allow_redirects=False)
