"""Ingestor service: serves `POST /articles` and `GET /health` (services/ingestor/handlers.py)
with uvicorn on CLAIMWATCH_INGEST_HOST:CLAIMWATCH_INGEST_PORT (127.0.0.1:8088).

Start it with `claimwatch service ingestor` or `python -m services.ingestor [--host H]
[--port P]`. Files and stdin are ingested by `claimwatch ingest FILE|-`, through the same
validation (shared/ingest.py).
"""

from __future__ import annotations

import argparse

from services.ingestor.handlers import serve


def main(argv: list[str] | None = None) -> int:
    """Serve; `argv` are the options (`python -m services.ingestor` passes its own). Without
    them, as under `claimwatch service ingestor`, the settings decide: the process's own
    arguments (`service ingestor`) are not the ingestor's."""
    parser = argparse.ArgumentParser(prog="python -m services.ingestor")
    parser.add_argument("--host", default=None, help="default: CLAIMWATCH_INGEST_HOST")
    parser.add_argument("--port", type=int, default=None, help="default: CLAIMWATCH_INGEST_PORT")
    options = parser.parse_args([] if argv is None else argv)
    serve(options.host, options.port)
    return 0
