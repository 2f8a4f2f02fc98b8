"""Entity worker app: `faststream run services.entity_worker.main:app`."""

from services.entity_worker.handlers import load_model, router, settings, streams
from shared.runtime import build_app
from shared.streams import ENTITY_GROUP

# The batch subscriber cannot share a handler with a single-message claimer, so the handlers
# module declares its own claimer (`on_reclaimed`) and build_app must not add one.
app, broker = build_app(
    "entity-worker",
    settings,
    [router],
    groups=[(s, ENTITY_GROUP) for s in streams.all("articles")],
    trim=[(s, settings.stream_maxlen) for s in streams.all("articles")],
    claimers=False,
)
app.on_startup(load_model)


def main() -> None:
    import asyncio

    asyncio.run(app.run())


if __name__ == "__main__":
    main()
