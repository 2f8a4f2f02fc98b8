"""What the poller works on: sources and their state (shared/sources.py); it publishes
`Article` to the articles stream and `DeadLetter` for what it had to skip."""

from shared.events import Article, DeadLetter
from shared.sources import Source, SourceState

__all__ = ["Article", "DeadLetter", "Source", "SourceState"]
