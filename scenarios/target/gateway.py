"""A stand-in payment gateway: the checkout service's one network dependency.

``python -m scenarios.target.gateway --port N`` serves ``POST /authorize`` on loopback. In the
staging stack the checkout service reaches it through the fault proxy, so a dependency outage
is a real network failure (refused, reset, slow or silent connections), not a flag.
"""

from __future__ import annotations

import argparse
import secrets
import sys

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Authorization", "AuthorizationRequest", "create_gateway_app", "main"]

#: Payments above this amount are declined (a business answer, not an error).
LIMIT_CENTS = 1_000_000


class AuthorizationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    order_id: int = Field(ge=1)
    amount_cents: int = Field(ge=0)


class Authorization(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    approved: bool
    auth_code: str | None


def create_gateway_app() -> FastAPI:
    app = FastAPI(title="drillbit payment gateway", docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/authorize")
    async def authorize(request: AuthorizationRequest) -> Authorization:
        if request.amount_cents > LIMIT_CENTS:
            return Authorization(approved=False, auth_code=None)
        return Authorization(approved=True, auth_code=f"auth-{secrets.token_hex(6)}")

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scenarios.target.gateway")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(
        create_gateway_app(),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
