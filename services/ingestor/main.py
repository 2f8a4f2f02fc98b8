"""Ingestor service: serves `POST /articles` and `GET /health` (services/ingestor/handlers.py)
with uvicorn on CLAIMWATCH_INGEST_HOST:CLAIMWATCH_INGEST_PORT (127.0.0.1:8088).

Start it with `claimwatch service ingestor` or `python -m services.ingestor [--host H]
[--port P]`. Files and stdin are ingested by `claimwatch ingest FILE|-`, through the same
validation (shared/ingest.py).
"""

from __future__ import annotations

from services.ingestor.handlers import serve
from shared.runtime import http_options


def main(argv: list[str] | None = None) -> int:
    serve(*http_options("python -m services.ingestor", "INGEST", argv))
    return 0
