"""Ingestor: `python -m services.ingestor FILE|-` publishes JSON-lines articles;
`python -m services.ingestor serve [--host H] [--port P]` serves `POST /articles` (see
services/ingestor/http.py).

Exit code 0 when every line was published, 3 when some lines were rejected (they are on the
dead-letter stream with their reasons).
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from faststream import FastStream
from faststream.redis import RedisBroker

from services.ingestor.handlers import IngestReport, publish_articles
from shared.logs import configure_logging
from shared.settings import get_settings

settings = get_settings()
broker = RedisBroker(settings.redis_url or "redis://127.0.0.1:6379/0")
app = FastStream(broker)


async def ingest_file(path: str) -> IngestReport:
    await broker.connect()
    try:
        if path == "-":
            return await publish_articles(broker, sys.stdin.buffer, settings)
        with Path(path).open("rb") as handle:
            return await publish_articles(broker, handle, settings)
    finally:
        await broker.stop()


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] == "serve":
        return _serve(args[1:])
    if len(args) != 1 or args[0] in {"-h", "--help"}:
        print("usage: python -m services.ingestor FILE|-  (JSON lines, one article each)")
        print("       python -m services.ingestor serve [--host 127.0.0.1] [--port 8088]")
        return 2
    configure_logging(settings, "ingestor")
    _ = settings.effective_redis_url  # fail early with a clear message
    report = asyncio.run(ingest_file(args[0]))
    print(json.dumps({"published": len(report.published), "rejected": len(report.rejected)}))
    return 3 if report.rejected else 0


def _serve(args: list[str]) -> int:
    import argparse

    from services.ingestor.http import serve

    parser = argparse.ArgumentParser(prog="python -m services.ingestor serve")
    parser.add_argument("--host", default=None, help="default: CLAIMWATCH_INGEST_HOST")
    parser.add_argument("--port", type=int, default=None, help="default: CLAIMWATCH_INGEST_PORT")
    options = parser.parse_args(args)
    serve(options.host, options.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
