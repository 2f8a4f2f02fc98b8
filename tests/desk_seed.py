"""A small desk fixture without the NLP pipeline: two articles, their claims, one location
alert, written through the same stores the services use."""

from __future__ import annotations

from datetime import UTC, datetime

from redis.asyncio import Redis

from shared.articles import ArticleStore
from shared.desk_index import DeskIndex
from shared.domain.alerts import Alert, AlertKind, Severity
from shared.domain.claims import Claim
from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.events import Article, ArticleClaims
from shared.store import AlertLog, RedisClaimStore
from shared.streams import Streams

CITY = EntityRef(id="geo:1", name="Sievierodonetsk", type=EntityType.PLACE, rank=PlaceRank.CITY)
LUHANSK = EntityRef(id="geo:2", name="Luhansk Oblast", type=EntityType.PLACE,
                    rank=PlaceRank.ADMIN1)  # fmt: skip
DPR = EntityRef(id="geo:3", name="Donetsk People's Republic", type=EntityType.PLACE,
                rank=PlaceRank.ADMIN1)  # fmt: skip


def _article(n: int, source: str, text: str, when: datetime) -> Article:
    return Article(id=f"art_seed{n}", url=f"https://example.org/{n}", source=source,
                   title=f"Report {n} from {source}", text=text, published_at=when)  # fmt: skip


def _claim(article: Article, obj: EntityRef, sentence: str) -> Claim:
    start = article.text.index(sentence)
    return Claim(
        article_id=article.id, source=article.source, published_at=article.published_at,
        url=article.url, title=article.title, subject=CITY, relation="located_in", object=obj,
        time=article.published_at, sentence=sentence, start=start, end=start + len(sentence),
    ).with_id()  # fmt: skip


async def seed(redis: Redis, prefix: str) -> Alert:
    streams = Streams(prefix)
    first = _article(1, "Kyiv Post", "Severodonetsk, a city in Luhansk Oblast, was shelled.",
                     datetime(2022, 5, 30, 7, 15, tzinfo=UTC))  # fmt: skip
    second = _article(2, "unknown-blog", "The city lies in the Donetsk People's Republic.",
                      datetime(2022, 6, 25, 12, tzinfo=UTC))  # fmt: skip
    a = _claim(first, LUHANSK, first.text)
    b = _claim(second, DPR, second.text)
    alert = Alert(
        id=Alert.pair_id("default", a, b), kind=AlertKind.LOCATION, severity=Severity.HIGH,
        reason="Sievierodonetsk: Kyiv Post says it lies in Luhansk Oblast, unknown-blog in "
        "Donetsk People's Republic", new=b, previous=a, created_at=datetime.now(UTC),
    )  # fmt: skip
    articles = ArticleStore(redis, streams, 1)
    index = DeskIndex(redis, streams, 1)
    store = RedisClaimStore(redis, streams)
    for article, claim in ((first, a), (second, b)):
        await articles.save(article)
        await store.add([claim])
        await articles.add_claims("default", article.id, [claim.id])
        msg = ArticleClaims(article=article.meta(), claims=[claim],
                            aliases={CITY.id: ["Severodonetsk"]})  # fmt: skip
        await index.record(msg, [alert] if claim is b else [], {alert.id} if claim is b else set())
    await AlertLog(redis, streams, 1000).publish(alert)
    return alert
