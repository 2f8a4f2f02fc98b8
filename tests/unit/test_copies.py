"""The copy index (shared/copies.py) on a real Redis: what is a copy, what is not, the keys."""

from __future__ import annotations

import difflib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import redis
from redis.asyncio import Redis

from shared.copies import MIN_WORDS, THRESHOLD, CopyIndex, normalised_words, strip_boilerplate
from shared.events import Article, ArticleIn
from shared.settings import Settings
from shared.streams import Streams

ORIGINAL = (
    "KYIV, Ukraine — Russian forces pounded the eastern city of Severodonetsk with artillery on "
    "Monday as they pressed an offensive to capture the last Ukrainian-held pocket of the "
    "Luhansk region, the regional governor said. Serhiy Haidai said on Telegram that about "
    "12,000 civilians were still sheltering in the city, many of them in basements without "
    "running water or electricity. He said Ukrainian troops still controlled the industrial "
    "zone and the Azot chemical plant, where hundreds of people had taken refuge.\n"
    "The bombardment damaged two of the three bridges linking Severodonetsk with its twin city "
    "of Lysychansk across the Siverskyi Donets river, making evacuations increasingly "
    "difficult. Ukrainian officials have appealed to Western allies for long-range artillery to "
    "counter the Russian guns. The Kremlin says its forces are targeting only military "
    "infrastructure, a claim contradicted by residents and aid workers. Evacuation buses were "
    "unable to reach the city for a third consecutive day, Haidai added."
)
# The same facts in another outlet's own sentences: a report of its own, not a copy.
REWRITE = (
    "Ukraine's governor of Luhansk, Serhiy Haidai, said on Monday that some 12,000 people "
    "remained in Severodonetsk as Russian artillery hammered the city in a push to seize the "
    "region's last Ukrainian-held territory. Residents are hiding in cellars with no power or "
    "water supply, Haidai wrote in a Telegram post. Kyiv's troops are holding on to the Azot "
    "chemical works and the surrounding industrial area, where hundreds of civilians are "
    "sheltering, according to the governor.\n"
    "Shelling has knocked out two of three bridges over the Siverskyi Donets that connect the "
    "city to neighbouring Lysychansk, complicating any evacuation. For the third day in a row, "
    "buses could not get in to take people out. Moscow denies targeting civilians and says it "
    "strikes only military sites. Kyiv has repeatedly asked its Western partners to supply "
    "longer-range artillery systems."
)
# A sub-editor's pass over the wire copy: a reworded sentence and a few words, ~10% of words.
EDITED = (
    ORIGINAL.replace("KYIV, Ukraine — ", "")
    .replace(
        "Ukrainian officials have appealed to Western allies for long-range artillery to counter "
        "the Russian guns.",
        "Kyiv has asked its Western partners for longer-range weapons to answer Moscow's guns.",
    )
    .replace("increasingly difficult", "ever harder")
)
SHORT = (
    "Russian forces shelled Severodonetsk on Monday and 12 civilians were killed, the governor "
    "said."
)


def article(text: str, source: str = "Wire", store: str = "default", n: int = 0) -> Article:
    return ArticleIn(
        url=f"https://example.org/{source.lower().replace(' ', '-')}/{n}",
        source=source,
        title="Severodonetsk",
        text=text,
        published_at=datetime(2022, 5, 30, 7, tzinfo=UTC),
        store=store,
    ).to_article()


def changed_share(a: str, b: str) -> float:
    wa, wb = normalised_words(a), normalised_words(b)
    same = sum(block.size for block in difflib.SequenceMatcher(a=wa, b=wb).get_matching_blocks())
    return 1 - same / max(len(wa), len(wb))


@pytest.fixture
async def aclient(redis_url: str) -> AsyncIterator[Redis]:
    conn = Redis.from_url(redis_url)
    yield conn
    await conn.aclose()


@pytest.fixture
def settings(redis_url: str, prefix: str) -> Settings:
    return Settings(redis_url=redis_url, stream_prefix=prefix, copies_ttl_s=3_600)


@pytest.fixture
def index(aclient: Redis, prefix: str, settings: Settings) -> CopyIndex:
    return CopyIndex(aclient, Streams(prefix), settings)


async def test_a_syndicated_copy_with_a_credit_line_is_a_copy_of_the_first(
    index: CopyIndex,
) -> None:
    first = article(ORIGINAL, "AP", n=1)
    assert await index.find(first) is None
    await index.add(first)
    assert await index.find(first) is None  # never a copy of itself
    copy = article(ORIGINAL + " This article first appeared in The Kyiv Independent.", "Yahoo", n=2)
    assert copy.id != first.id
    found = await index.find(copy)
    assert found is not None and found.original_id == first.id and found.similarity == 1.0


async def test_a_short_article_under_a_long_credit_block_still_matches(index: CopyIndex) -> None:
    body = (
        "Floods in the Hpakant jade mining area of Myanmar's Kachin State killed at least 14 "
        "people on Thursday and left dozens missing, local police said. Rescue teams were "
        "searching collapsed mine tailings near the town for survivors."
    )
    credits = (
        "\nReporting by Aung Min in Yangon; Additional reporting by Sarah Lee in Bangkok and "
        "Tom Hale in Singapore; Writing by Martin Petty; Editing by Stephen Coates and Kim "
        "Coghill\n© 2024 Thomson Reuters. All rights reserved.\nThis story was originally "
        "published by Reuters and is republished here under a content-sharing agreement with "
        "our partners at the regional news desk in Bangkok."
    )
    assert len(normalised_words(body)) >= MIN_WORDS
    assert len((body + credits).split()) > 2 * len(body.split())
    await index.add(article(body, "Reuters", n=1))
    found = await index.find(article(body + credits, "Frontier Myanmar", n=2))
    assert found is not None and found.similarity >= THRESHOLD


def test_boilerplate_is_stripped_but_prose_is_not() -> None:
    text = (
        "OMDURMAN, Sudan (Reuters) - Shelling killed 17 people.\nBy Jane Smith, Associated Press\n"
        "He said more would follow. This article first appeared in The X.\n"
        "Reporting by A; Editing by B\nBy Monday, troops had left the city."
    )
    kept = strip_boilerplate(text)
    assert "Shelling killed 17 people." in kept and "He said more would follow." in kept
    assert "By Monday, troops had left the city." in kept
    for gone in ("Reuters", "Jane Smith", "first appeared", "Editing by"):
        assert gone not in kept


async def test_the_same_story_rewritten_by_another_outlet_is_not_a_copy(index: CopyIndex) -> None:
    await index.add(article(ORIGINAL, "AP", n=1))
    assert await index.find(article(REWRITE, "Reuters", n=2)) is None


async def test_a_copy_with_a_tenth_of_its_words_edited_is_a_copy(index: CopyIndex) -> None:
    assert 0.08 <= changed_share(ORIGINAL, EDITED) <= 0.12
    first = article(ORIGINAL, "AP", n=1)
    await index.add(first)
    found = await index.find(article(EDITED, "The Independent", n=2))
    assert found is not None and found.original_id == first.id
    assert THRESHOLD <= found.similarity < 1.0


async def test_a_near_copy_that_changes_a_number_is_an_update_not_a_copy(
    index: CopyIndex,
) -> None:
    await index.add(article(ORIGINAL, "AP", n=1))
    update = ORIGINAL.replace("about 12,000 civilians", "about 9,000 civilians")
    assert await index.find(article(update, "AP", n=2)) is None
    trimmed = ORIGINAL.replace(
        "Serhiy Haidai said on Telegram that about 12,000 civilians were still sheltering in the "
        "city, many of them in basements without running water or electricity. ",
        "",
    )
    assert await index.find(article(trimmed, "AP", n=3)) is not None  # dropping one is fine


async def test_short_texts_match_only_when_the_normalised_text_is_the_same(
    index: CopyIndex,
) -> None:
    assert len(normalised_words(SHORT)) < MIN_WORDS
    first = article(SHORT, "AP", n=1)
    await index.add(first)
    same = article("  " + SHORT.upper().replace(",", " ,") + " ", "Yahoo", n=2)
    found = await index.find(same)
    assert found is not None and found.original_id == first.id
    assert await index.find(article(SHORT.replace("12", "13"), "Yahoo", n=3)) is None


async def test_different_stores_never_match(index: CopyIndex) -> None:
    await index.add(article(ORIGINAL, "AP", store="alpha", n=1))
    await index.add(article(SHORT, "AP", store="alpha", n=2))
    assert await index.find(article(ORIGINAL, "Yahoo", store="beta", n=3)) is None
    assert await index.find(article(SHORT, "Yahoo", store="beta", n=4)) is None
    assert await index.find(article(ORIGINAL, "Yahoo", store="alpha", n=5)) is not None


async def test_every_key_has_a_ttl_and_adding_twice_changes_nothing(
    index: CopyIndex, client: redis.Redis, prefix: str
) -> None:
    first = article(ORIGINAL, "AP", n=1)
    await index.add(first)
    await index.add(article(SHORT, "AP", n=2))

    def snapshot() -> dict[bytes, object]:
        out: dict[bytes, object] = {}
        for key in client.scan_iter(match=f"{prefix}:*"):
            kind = client.type(key)
            out[key] = client.smembers(key) if kind == b"set" else client.get(key)
        return out

    before = snapshot()
    assert len(before) == 32 + 1 + 2  # 32 band buckets, one signature, two exact-text keys
    await index.add(first)
    assert snapshot() == before
    copy = article(ORIGINAL, "Yahoo", n=3)
    found = await index.find(copy)
    assert found is not None
    await index.record_copy(copy, found)
    for key in client.scan_iter(match=f"{prefix}:*"):
        assert 0 < client.ttl(key) <= 3_600, key


async def test_copies_of_lists_the_recorded_copies(
    index: CopyIndex, client: redis.Redis, prefix: str
) -> None:
    first = article(ORIGINAL, "AP", n=1)
    await index.add(first)
    assert await index.copies_of("default", first.id) == []
    ids = []
    for n, source in enumerate(["Yahoo", "MSN", "Yahoo"], start=2):
        copy = article(ORIGINAL + f"\nOriginally published by AP. Via {source}.", source, n=n)
        found = await index.find(copy)
        assert found is not None and found.original_id == first.id
        await index.record_copy(copy, found)
        await index.record_copy(copy, found)  # recorded twice: still one copy
        ids.append(copy.id)
    assert await index.copies_of("default", first.id) == sorted(ids)
    record = client.hgetall(f"{prefix}:copy:default:{ids[0]}")
    assert record[b"original"] == first.id.encode() and record[b"source"] == b"Yahoo"
    assert float(record[b"similarity"]) == 1.0
