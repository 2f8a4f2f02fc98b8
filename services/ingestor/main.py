"""Ingestor: `python -m services.ingestor FILE|-` publishes JSON-lines articles.

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
    if len(args) != 1 or args[0] in {"-h", "--help"}:
        print("usage: python -m services.ingestor FILE|-  (JSON lines, one article each)")
        return 2
    configure_logging(settings, "ingestor")
    _ = settings.effective_redis_url  # fail early with a clear message
    report = asyncio.run(ingest_file(args[0]))
    print(json.dumps({"published": len(report.published), "rejected": len(report.rejected)}))
    return 3 if report.rejected else 0


if __name__ == "__main__":
    sys.exit(main())
