"""Locust load for the staging checkout: shoppers browse, order and pay.

Run only through :mod:`scenarios.load.runner` (its own process): importing Locust patches the
standard library's networking, which must never happen inside drillbit or its web server.

Each simulated shopper browses recent orders (most often), places an order, and pays for the
last order it placed. Failures are HTTP errors and connection errors, as Locust counts them.
"""

from __future__ import annotations

import random

from locust import HttpUser, between, task

#: Items and prices (cents) shoppers pick from.
CATALOGUE = (("book", 1_299), ("mug", 899), ("hoodie", 4_500), ("sticker", 150))


class CheckoutShopper(HttpUser):
    """One shopper with a short think time between actions."""

    wait_time = between(0.05, 0.25)

    def on_start(self) -> None:
        self.last_order: int | None = None

    @task(3)
    def browse(self) -> None:
        self.client.get("/orders?limit=10", name="/orders")

    @task(2)
    def place_order(self) -> None:
        item, price = random.choice(CATALOGUE)  # noqa: S311 - load shape, not cryptography
        quantity = random.randint(1, 3)  # noqa: S311
        with self.client.post(
            "/orders",
            json={"item": item, "quantity": quantity, "amount_cents": price * quantity},
            name="/orders",
            catch_response=True,
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
        self.client.post("/payments", json={"order_id": self.last_order}, name="/payments")
        self.last_order = None
