"""Messages of the ingestor: it reads `ArticleIn` lines and writes `Article`."""

from shared.events import Article, ArticleIn, DeadLetter

__all__ = ["Article", "ArticleIn", "DeadLetter"]
