"""Messages of the entity worker: it reads `Article` and writes `ArticleEntities`."""

from shared.events import Article, ArticleEntities

__all__ = ["Article", "ArticleEntities"]
