"""Entity worker: parse each article once with spaCy and link its entities."""

from __future__ import annotations

from faststream import AckPolicy
from faststream.redis import RedisRouter
from shared.nlp.pipeline import build_nlp, link_doc

from services.entity_worker.models import Article, ArticleEntities
from shared.nlp.docbin import encode_doc
from shared.runtime import consume, produce
from shared.settings import get_settings
from shared.streams import ENTITY_GROUP, Streams

settings = get_settings()
streams = Streams(settings.stream_prefix)
router = RedisRouter()


def load_model() -> None:
    """Load the pipeline before the first message, so that start-up cost shows at start-up."""
    build_nlp(settings.spacy_model, settings.cache_dir)


@router.subscriber(
    stream=consume(streams.articles, ENTITY_GROUP, settings),
    ack_policy=AckPolicy.NACK_ON_ERROR,
    title="entity-worker",
)
@router.publisher(stream=produce(streams.entities, settings), schema=ArticleEntities)
async def on_article(article: Article) -> ArticleEntities:
    nlp = build_nlp(settings.spacy_model, settings.cache_dir)
    doc, mentions = link_doc(nlp, article.text)
    return ArticleEntities(article=article.meta(), mentions=mentions, doc=encode_doc(doc))
