"""Locust load for the staging checkout: shoppers browse, order and pay.

Run only through :mod:`scenarios.load.runner` (its own process): importing Locust patches the
standard library's networking, which must never happen inside drillbit or its web server.

Each simulated shopper browses recent orders (most often), places an order, and pays for the
last order it placed. Failures are HTTP errors and connection errors, as Locust counts them.

Shoppers never follow a redirect (it could lead past the allow-list: a 3xx is an answer, not a
way elsewhere) and ignore proxy settings from the environment. With
``DRILLBIT_LOAD_LEASE_FILE`` set, the run quits once that file is older than
``DRILLBIT_LOAD_LEASE_SECONDS``: the experiment that started the load renews it, so the load
stops on its own when the experiment's runner dies.
"""

from __future__ import annotations

import os
import random
import threading
import time
from typing import Any

from locust import HttpUser, between, events, task
from locust.env import Environment

#: Items and prices (cents) shoppers pick from.
CATALOGUE = (("book", 1_299), ("mug", 899), ("hoodie", 4_500), ("sticker", 150))


def _watch_lease(environment: Environment, path: str, seconds: float) -> None:
    while True:
        time.sleep(1.0)  # Locust's gevent patches sleep and threads into greenlets
        try:
            age = time.time() - os.path.getmtime(path)
        except OSError:
            age = seconds + 1
        if age > seconds and environment.runner is not None:
            print(f"load lease expired ({age:.1f}s > {seconds:g}s): quitting", flush=True)
            environment.runner.quit()
            return


def _lease(environment: Environment, **_kwargs: Any) -> None:
    path = os.environ.get("DRILLBIT_LOAD_LEASE_FILE")
    if path:
        seconds = float(os.environ["DRILLBIT_LOAD_LEASE_SECONDS"])
        threading.Thread(target=_watch_lease, args=(environment, path, seconds), daemon=True).start()


events.init.add_listener(_lease)  # type: ignore[no-untyped-call]


class CheckoutShopper(HttpUser):
    """One shopper with a short think time between actions."""

    wait_time = between(0.05, 0.25)

    def on_start(self) -> None:
        self.last_order: int | None = None
        self.client.trust_env = False

    @task(3)
    def browse(self) -> None:
        self.client.get("/orders?limit=10", name="/orders", allow_redirects=False)

    @task(2)
    def place_order(self) -> None:
        item, price = random.choice(CATALOGUE)  # noqa: S311 - load shape, not cryptography
        quantity = random.randint(1, 3)  # noqa: S311
        with self.client.post(
            "/orders",
            json={"item": item, "quantity": quantity, "amount_cents": price * quantity},
            name="/orders",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code == 201:
                self.last_order = int(response.json()["id"])
                response.success()
            else:
                response.failure(f"order failed with {response.status_code}")

    @task(2)
    def pay(self) -> None:
        if self.last_order is None:
            return
        self.client.post(
            "/payments", json={"order_id": self.last_order}, name="/payments", allow_redirects=False
        )
        self.last_order = None
