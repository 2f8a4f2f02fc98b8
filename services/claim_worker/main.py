"""Claim worker app: `faststream run services.claim_worker.main:app`."""

from services.claim_worker.handlers import router, settings, streams
from shared.runtime import build_app
from shared.streams import CLAIM_GROUP

app, broker = build_app(
    "claim-worker",
    settings,
    [router],
    groups=[(streams.entities, CLAIM_GROUP)],
    trim=[(streams.entities, settings.entities_maxlen)],
)


def main() -> None:
    import asyncio

    asyncio.run(app.run())


if __name__ == "__main__":
    main()
