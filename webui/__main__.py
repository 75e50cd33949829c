"""``python -m webui [--host H] [--port P] [--db PATH]``: serve the web UI (see ``drillbit serve``)."""

from __future__ import annotations

import argparse

from pydantic import ValidationError

from webui.serve import serve
from webui.settings import Settings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m webui", description=__doc__)
    parser.add_argument("--host")
    parser.add_argument("--port", type=int)
    parser.add_argument("--db")
    parser.add_argument("--data-dir")
    args = parser.parse_args(argv)
    given = {k: v for k, v in vars(args).items() if v is not None}
    try:
        settings = Settings(**given)
    except ValidationError as exc:
        parser.error("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    serve(settings)


if __name__ == "__main__":
    main()
