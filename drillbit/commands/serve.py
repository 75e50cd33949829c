"""``drillbit serve``: the web UI (drill rooms, alert receivers, studies) on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from drillbit.settings import load_settings
from webui.serve import serve as run

__all__ = ["register"]


def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on (default 127.0.0.1; $DRILLBIT_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (default 8000, 0 for any free one; $DRILLBIT_PORT)")] = None,
    db: Annotated[Path | None, typer.Option("--db", help="SQLite file of the rooms (default DATA_DIR/drillbit.db)")] = None,
    data_dir: Annotated[Path | None, typer.Option("--data-dir", help="secret, admin token, study runs (default ./var)")] = None,
) -> None:
    """Serve the web UI and print its URL; Ctrl-C stops it."""
    run(load_settings(host=host, port=port, db=db, data_dir=data_dir))


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
