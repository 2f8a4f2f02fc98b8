"""Claim worker app: `faststream run services.claim_worker.main:app`."""

from services.claim_worker.handlers import router, settings, streams
from shared.runtime import build_app
from shared.streams import CLAIM_GROUP

app, broker = build_app(
    "claim-worker",
    settings,
    [router],
    groups=[(s, CLAIM_GROUP) for s in streams.all("entities")],
    trim=[(s, settings.entities_maxlen) for s in streams.all("entities")],
)


def main() -> None:
    import asyncio

    asyncio.run(app.run())


if __name__ == "__main__":
    main()
