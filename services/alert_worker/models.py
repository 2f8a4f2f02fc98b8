"""Messages of the alert worker: it reads `ArticleClaims`, writes alerts (plain JSON fields on
the alert stream, see README) and `ArticleProcessed`."""

from shared.domain.alerts import Alert
from shared.events import ArticleClaims, ArticleProcessed

__all__ = ["Alert", "ArticleClaims", "ArticleProcessed"]
