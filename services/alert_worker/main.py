"""Alert worker app: `faststream run services.alert_worker.main:app`."""

from faststream import ContextRepo

from services.alert_worker.handlers import router, settings, streams
from shared.articles import ArticleStore
from shared.connections import async_redis
from shared.desk_index import DeskIndex
from shared.runtime import build_app
from shared.store import AlertLog, RedisClaimStore
from shared.streams import ALERT_GROUP

app, broker = build_app(
    "alert-worker",
    settings,
    [router],
    groups=[(s, ALERT_GROUP) for s in streams.all("claims")],
    trim=[(s, settings.stream_maxlen) for s in streams.all("claims")],
)


@app.on_startup
async def connect_store(context: ContextRepo) -> None:
    redis = async_redis(settings.effective_redis_url)
    context.set_global("redis", redis)
    context.set_global("claim_store", RedisClaimStore(redis, streams))
    context.set_global("alert_log", AlertLog(redis, streams, settings.stream_maxlen))
    days = settings.article_retention_days
    context.set_global("desk_index", DeskIndex(redis, streams, days))
    context.set_global("article_store", ArticleStore(redis, streams, days))


@app.after_shutdown
async def close_store(context: ContextRepo) -> None:
    await context.get("redis").aclose()


def main() -> None:
    import asyncio

    asyncio.run(app.run())


if __name__ == "__main__":
    main()
