"""What extraction needs to know of an article besides its parse: id, source, time, store.

Its own module because every layer of the article context and every caller of
`extract_claims` (the claim worker, the CLI, the tests) names these types, and none of them
should have to import the rules to do so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ArticleInfo:
    id: str
    source: str
    published_at: datetime
    store: str = "default"


class ArticleLike(Protocol):
    """What extraction needs of an article: ArticleInfo, shared.events.ArticleMeta, ..."""

    @property
    def id(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def store(self) -> str: ...
