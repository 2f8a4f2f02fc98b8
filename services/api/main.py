"""The analyst's desk: the dashboard (`/`), the JSON API (`/api`, OpenAPI at `/docs`),
`/healthz` and `/metrics`, served by uvicorn on CLAIMWATCH_API_HOST:CLAIMWATCH_API_PORT
(127.0.0.1:8080).

Start it with `claimwatch service api` or `python -m services.api [--host H] [--port P]`;
`claimwatch run` starts it with the rest of the stack.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.api import handlers, pages
from services.api.context import Desk
from services.api.models import Health
from services.api.security import OPEN_PATHS, LimitMiddleware
from shared import metrics
from shared.connections import make_broker
from shared.logs import configure_logging
from shared.runtime import Heartbeat, heartbeat_details, http_options, package_version
from shared.settings import Settings, get_settings

HERE = Path(__file__).resolve().parent
log = structlog.get_logger("api")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings, "api")
    # FastStream's broker publishes what POST /api/articles accepts, as the ingestor does.
    broker = make_broker(
        settings.effective_redis_url, middlewares=[metrics.prometheus_middleware("api")]
    )
    heartbeat = Heartbeat(settings, "api", details=heartbeat_details)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        metrics.start_metrics_server(settings, "api")
        await broker.connect()
        app.state.desk = Desk.connect(settings, broker)
        await heartbeat.start()
        log.info("desk serving", url=settings.dashboard_url)
        try:
            yield
        finally:
            await heartbeat.stop()
            await heartbeat.leave()
            await app.state.desk.close()
            await broker.stop()
            metrics.stop_metrics_server()

    app = FastAPI(
        title="claimwatch desk",
        version=package_version(),
        description="Alerts with both reports, verdicts and mutes, claims by entity.",
        lifespan=lifespan,
    )
    app.add_middleware(
        LimitMiddleware,
        limits={"/api/articles": settings.max_input_bytes},
    )

    @app.middleware("http")
    async def count_and_secure(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        if not request.url.path.startswith(OPEN_PATHS):
            metrics.handled()
        response.headers.setdefault("x-content-type-options", "nosniff")
        response.headers.setdefault("referrer-policy", "same-origin")
        response.headers.setdefault("x-frame-options", "DENY")
        response.headers.setdefault(
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
            if not request.url.path.startswith("/docs")
            else "default-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; img-src * data:",
        )
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # The errors say which field and why; the input itself is not echoed back.
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api") or exc.status_code not in {401, 403, 404}:
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        return pages.error_page(request, exc.status_code, str(exc.detail))

    @app.get("/healthz", response_model=Health, tags=["operations"])
    async def healthz(request: Request) -> JSONResponse:
        try:
            await request.app.state.desk.redis.ping()
        except Exception as exc:  # Redis unreachable: say so, 503
            body = {"status": f"unavailable: {type(exc).__name__}", "checked_at": _now()}
            return JSONResponse(body, status_code=503)
        return JSONResponse({"status": "ok", "checked_at": _now()})

    @app.get("/metrics", response_class=PlainTextResponse, tags=["operations"])
    async def metrics_page() -> Response:
        return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)

    app.include_router(handlers.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def serve(host: str | None = None, port: int | None = None) -> None:
    import uvicorn

    settings = get_settings()
    _ = settings.effective_redis_url  # fail early with a clear message
    uvicorn.run(
        create_app(settings),
        host=host or settings.api_host,
        port=port or settings.api_port,
        log_level="warning",
        # the access log would carry query strings; requests are counted in /metrics
        access_log=False,
        limit_concurrency=200,
    )


def main(argv: list[str] | None = None) -> int:
    serve(*http_options("python -m services.api", "API", argv))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
