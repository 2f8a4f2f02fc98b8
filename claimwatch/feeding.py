"""Publish JSON-lines articles through the ingestor's validation, from any command."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from shared.connections import make_broker
from shared.ingest import IngestReport, publish_articles
from shared.settings import Settings


def publish_lines(url: str, lines: Iterable[bytes | str], settings: Settings) -> IngestReport:
    """Ids of the published articles and the dead letters of the rejected lines."""

    async def go() -> IngestReport:
        broker = make_broker(url, cluster=settings.redis_cluster)
        await broker.connect()
        try:
            return await publish_articles(broker, lines, settings)
        finally:
            await broker.stop()

    return asyncio.run(go())
