"""Notifier app: `faststream run services.notifier.main:app`."""

import httpx
from faststream import ContextRepo

from services.notifier.handlers import router, settings, streams
from shared.runtime import build_app
from shared.streams import NOTIFIER_GROUP

app, broker = build_app("notifier", settings, [router], groups=[(streams.alerts, NOTIFIER_GROUP)])


@app.on_startup
async def open_client(context: ContextRepo) -> None:
    context.set_global("http", httpx.AsyncClient(timeout=settings.webhook_timeout_s))


@app.after_shutdown
async def close_client(context: ContextRepo) -> None:
    await context.get("http").aclose()


def main() -> None:
    import asyncio

    asyncio.run(app.run())


if __name__ == "__main__":
    main()
