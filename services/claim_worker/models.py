"""Messages of the claim worker: it reads `ArticleEntities` and writes `ArticleClaims`."""

from shared.events import ArticleClaims, ArticleEntities

__all__ = ["ArticleClaims", "ArticleEntities"]
