"""The ingestor's HTTP endpoint: `POST /articles` with one JSON article, a JSON array of
articles, or JSON lines; answers, per input, the article id or the specific reason it was
rejected (rejections also go to the dead-letter stream, as in file mode).

Run: `claimwatch service ingestor` (uvicorn).
Status: 200 when everything was accepted, 207 when some inputs were rejected, 422 when all
were, 413 when the body is over the limit. `GET /health` answers 200 while Redis answers.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from faststream.asgi import AsgiFastStream, AsgiResponse, Request, get, post

from shared import metrics
from shared.connections import make_broker
from shared.ingest import publish_articles, split_body
from shared.logs import configure_logging
from shared.runtime import Heartbeat, heartbeat_details
from shared.settings import Settings, get_settings

# Bodies larger than this are refused with 413 before they are read completely.
MAX_BODY_FACTOR = 50  # times max_input_bytes: a batch of that many maximal articles


def _json(data: Any, status: int) -> AsgiResponse:
    return AsgiResponse(
        json.dumps(data).encode(), status_code=status, headers={"content-type": "application/json"}
    )


def create_app(settings: Settings | None = None) -> AsgiFastStream:
    settings = settings or get_settings()
    configure_logging(settings, "ingestor")
    # FastStream's metrics count what the ingestor publishes (faststream_published_*).
    broker = make_broker(
        settings.effective_redis_url, middlewares=[metrics.prometheus_middleware("ingestor")]
    )
    limit = settings.max_input_bytes * MAX_BODY_FACTOR

    async def _read(request: Any) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    @post
    async def articles(request: Request) -> AsgiResponse:
        body = await _read(request)
        if body is None:
            return _json({"error": "too_large", "detail": f"the body is over {limit:,} bytes"}, 413)
        inputs = split_body(body)

        async def lines() -> AsyncIterator[bytes]:
            for item in inputs:
                yield item

        report = await publish_articles(broker, lines(), settings)
        metrics.handled(len(report.results))  # inputs answered, accepted or rejected
        results = report.results or [
            {"line": 1, "reason": "empty_text", "error": "the body is empty"}
        ]
        accepted = sum(1 for r in results if "id" in r)
        duplicates = sum(1 for r in results if r.get("duplicate"))
        copies = sum(1 for r in results if "copy_of" in r)  # accepted, recorded, not published
        status = 200 if accepted == len(results) else (207 if accepted else 422)
        return _json(
            {
                "accepted": accepted,
                "duplicates": duplicates,
                "copies": copies,
                "rejected": len(results) - accepted,
                "results": results,
            },
            status,
        )

    @get
    async def health(request: Request) -> AsgiResponse:
        try:
            await broker.ping(timeout=2.0)
        except Exception as exc:
            return _json({"status": "unavailable", "error": type(exc).__name__}, 503)
        return _json({"status": "ok"}, 200)

    # `claimwatch status` and `health` see it, with its metrics URL and inputs answered.
    heartbeat = Heartbeat(settings, "ingestor", details=heartbeat_details)

    async def start_metrics() -> None:
        metrics.start_metrics_server(settings, "ingestor")

    return AsgiFastStream(
        broker,
        asgi_routes=[("/articles", articles), ("/health", health)],
        asyncapi_path=None,
        on_startup=[start_metrics],
        after_startup=[heartbeat.start],
        on_shutdown=[heartbeat.stop],
        after_shutdown=[metrics.stop_metrics_server],
    )


def serve(host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    settings = get_settings()
    _ = settings.effective_redis_url  # fail early with a clear message
    uvicorn.run(
        create_app(settings),
        host=host or settings.ingest_host,
        port=port or settings.ingest_port,
        log_level="warning",
    )
