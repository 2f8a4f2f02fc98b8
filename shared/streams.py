"""Stream and consumer-group names: the only coupling between services."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from faststream.redis.parser.binary import BinaryMessageFormatV1


@dataclass(frozen=True)
class Streams:
    prefix: str = "claimwatch"

    @property
    def articles(self) -> str:
        """Ingestor -> entity worker: `Article`."""
        return f"{self.prefix}:articles"

    @property
    def entities(self) -> str:
        """Entity worker -> claim worker: `ArticleEntities` (with the parse)."""
        return f"{self.prefix}:entities"

    @property
    def claims(self) -> str:
        """Claim worker -> alert worker: `ArticleClaims`."""
        return f"{self.prefix}:claims"

    @property
    def alerts(self) -> str:
        """Alert worker -> notifier and any client: one entry per alert (plain JSON fields)."""
        return f"{self.prefix}:alerts"

    @property
    def processed(self) -> str:
        """Alert worker -> whoever waits for a feed to drain: `ArticleProcessed`."""
        return f"{self.prefix}:processed"

    @property
    def deadletter(self) -> str:
        """Any service -> operators: `DeadLetter`."""
        return f"{self.prefix}:deadletter"

    def key(self, *parts: str) -> str:
        """A non-stream key in this deployment's namespace."""
        return ":".join([self.prefix, *parts])


# Consumer groups, one per consuming service.
ENTITY_GROUP = "entity-worker"
CLAIM_GROUP = "claim-worker"
ALERT_GROUP = "alert-worker"
NOTIFIER_GROUP = "notifier"


def entry_body(fields: Mapping[bytes, bytes]) -> Any:
    """The JSON body of a stream entry FastStream published (its binary envelope in
    `__data__`), or None when the entry has none or it is not JSON."""
    raw = fields.get(b"__data__")
    if raw is None:
        return None
    try:
        data, _headers = BinaryMessageFormatV1.parse(raw)
        return json.loads(data)
    except ValueError:
        return None
