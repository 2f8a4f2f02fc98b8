"""Poller app: `claimwatch service poller` (or `python -m services.poller`). It has no
stream subscriber: a loop (handlers.PollLoop) polls the sources that are due."""

from services.poller.handlers import PollLoop, settings
from shared.runtime import build_app

app, broker = build_app("poller", settings, [], claimers=False)
loop = PollLoop(broker, settings)
app.after_startup(loop.start)
app.on_shutdown(loop.stop)


def main() -> None:
    import asyncio

    asyncio.run(app.run())


if __name__ == "__main__":
    main()
