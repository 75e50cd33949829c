"""Orders and payments in SQLite, through the connection pool (blocking; run in threads)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from scenarios.target.pool import ConnectionPool

__all__ = [
    "NewOrder",
    "NewPayment",
    "Order",
    "Payment",
    "create_order",
    "create_schema",
    "get_order",
    "list_orders",
    "record_payment",
]

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    item TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    amount_cents INTEGER NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS payments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id INTEGER NOT NULL REFERENCES orders(id),
    amount_cents INTEGER NOT NULL,
    auth_code TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


class NewOrder(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    item: str = Field(min_length=1, max_length=200)
    quantity: int = Field(default=1, ge=1, le=1000)
    amount_cents: int = Field(ge=0, le=100_000_000)


class Order(NewOrder):
    id: int
    status: str
    created_at: str


class NewPayment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    order_id: int = Field(ge=1)


class Payment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    order_id: int
    amount_cents: int
    auth_code: str
    created_at: str


def _now() -> str:
    return datetime.now(UTC).isoformat()


def create_schema(pool: ConnectionPool) -> None:
    with pool.connection() as conn:
        conn.executescript(SCHEMA)


def _order(row: sqlite3.Row) -> Order:
    return Order(**dict(row))


def create_order(pool: ConnectionPool, new: NewOrder) -> Order:
    with pool.connection() as conn:
        created = _now()
        cur = conn.execute(
            "INSERT INTO orders (item, quantity, amount_cents, status, created_at) "
            "VALUES (?, ?, ?, 'pending', ?)",
            (new.item, new.quantity, new.amount_cents, created),
        )
        order_id = cur.lastrowid
    if order_id is None:  # pragma: no cover - SQLite always reports it after an INSERT
        raise RuntimeError("SQLite did not report the new order's id")
    return Order(id=order_id, status="pending", created_at=created, **new.model_dump())


def get_order(pool: ConnectionPool, order_id: int) -> Order | None:
    with pool.connection() as conn:
        row = conn.execute("SELECT * FROM orders WHERE id = ?", (order_id,)).fetchone()
    return None if row is None else _order(row)


def list_orders(pool: ConnectionPool, limit: int) -> list[Order]:
    with pool.connection() as conn:
        rows = conn.execute("SELECT * FROM orders ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
    return [_order(row) for row in rows]


def record_payment(pool: ConnectionPool, order: Order, auth_code: str) -> Payment:
    with pool.connection() as conn:
        created = _now()
        cur = conn.execute(
            "INSERT INTO payments (order_id, amount_cents, auth_code, created_at) "
            "VALUES (?, ?, ?, ?)",
            (order.id, order.amount_cents, auth_code, created),
        )
        conn.execute("UPDATE orders SET status = 'paid' WHERE id = ?", (order.id,))
        payment_id = cur.lastrowid
    if payment_id is None:  # pragma: no cover - SQLite always reports it after an INSERT
        raise RuntimeError("SQLite did not report the new payment's id")
    return Payment(
        id=payment_id,
        order_id=order.id,
        amount_cents=order.amount_cents,
        auth_code=auth_code,
        created_at=created,
    )
