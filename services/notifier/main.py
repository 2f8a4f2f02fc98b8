"""Notifier app: `faststream run services.notifier.main:app`."""

import httpx
from faststream import ContextRepo

from services.notifier.delivery import DeliveryManager
from services.notifier.handlers import router, settings, streams
from shared.connections import async_redis
from shared.desk import DeskStore
from shared.runtime import build_app
from shared.streams import NOTIFIER_GROUP

app, broker = build_app("notifier", settings, [router], groups=[(streams.alerts, NOTIFIER_GROUP)])


@app.on_startup
async def open_clients(context: ContextRepo) -> None:
    http = httpx.AsyncClient(timeout=settings.webhook_timeout_s, follow_redirects=False)
    redis = async_redis(settings.effective_redis_url)
    context.set_global("http", http)
    context.set_global("redis", redis)
    context.set_global("deliveries", DeliveryManager(redis, http, broker, settings))
    context.set_global("desk", DeskStore(redis, streams))


@app.after_startup
async def start_deliveries(context: ContextRepo) -> None:
    await context.get("deliveries").start()


@app.on_shutdown
async def stop_deliveries(context: ContextRepo) -> None:
    # In-flight deliveries stop here and stay pending on their queue: the next notifier
    # claims them; the delivered markers keep the receiver from seeing an alert twice.
    await context.get("deliveries").stop()


@app.after_shutdown
async def close_clients(context: ContextRepo) -> None:
    await context.get("http").aclose()
    await context.get("redis").aclose()


def main() -> None:
    import asyncio

    asyncio.run(app.run())


if __name__ == "__main__":
    main()
