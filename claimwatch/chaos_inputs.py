"""What the chaos scenarios feed the pipeline: distinct synthetic articles, bad ingest lines
and garbage stream messages (each with the dead-letter reason it must get), and synthetic
alerts for the notifier."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.connections import async_redis, make_broker
from shared.domain.alerts import Alert, AlertKind, AmbiguousMention, Severity
from shared.streams import Streams

CITIES = [
    "Springfield",
    "Riverton",
    "Lakeside",
    "Fairview",
    "Greenville",
    "Brookfield",
    "Maplewood",
    "Clearwater",
    "Ashford",
    "Hillcrest",
    "Oakdale",
    "Westbury",
]
TOPICS = [
    "bridge repairs",
    "school budget",
    "water supply",
    "bus routes",
    "harbour expansion",
    "library hours",
    "street lighting",
    "flood defences",
    "park renovation",
    "tram line",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def synthetic_articles(n: int, tag: str, seed: int = 7) -> list[bytes]:
    """Short, English, distinct articles (one JSON line each)."""
    rng = random.Random(seed)
    start = datetime(2024, 3, 1, tzinfo=UTC)
    lines = []
    for i in range(n):
        city = rng.choice(CITIES)
        topic = rng.choice(TOPICS)
        text = (
            f"Officials in {city} said on {rng.choice(WEEKDAYS)} that {rng.randint(20, 900)} "
            f"residents attended a public meeting about the {topic}. The council will publish "
            f"its decision on the {topic} within {rng.randint(2, 9)} weeks, a spokesperson said."
        )
        lines.append(
            json.dumps(
                {
                    "url": f"https://chaos.example/{tag}/{i}",
                    "source": f"Chaos Wire {i % 5}",
                    "title": f"{city} debates {topic}",
                    "text": text,
                    "published_at": (start + timedelta(minutes=7 * i)).isoformat(),
                }
            ).encode()
        )
    return lines


def bad_ingest_inputs() -> list[tuple[str, bytes, str]]:
    """(case, raw line, expected reason); every line starts with its case name."""

    def case(name: str, rest: str) -> bytes:
        return ('{"chaos_case": "' + name + '", ' + rest).encode()

    base = '"source": "Chaos", "published_at": "2024-03-01T10:00:00Z", '
    english = (
        "Officials said on Monday that the council will publish its decision on the new "
        "bridge within two weeks."
    )
    return [
        ("malformed_json", case("malformed_json", '"text": "unterminated'), "invalid_json"),
        (
            "wrong_version",
            case("wrong_version", base + '"schema_version": 9, "text": "' + english + '"}'),
            "unsupported_version",
        ),
        (
            "missing_fields",
            case("missing_fields", '"title": "no text, no source"}'),
            "missing_fields",
        ),
        ("empty_text", case("empty_text", base + '"text": "   "}'), "empty_text"),
        ("huge", case("huge", base + '"text": "' + "word " * 2_100_000 + '"}'), "too_large"),
        ("binary", case("binary", '"text": "') + bytes(range(0, 32)) * 4 + b'"}', "binary"),
        (
            "invalid_utf8",
            case("invalid_utf8", base + '"text": "caf') + b'\xe9 \xff\xfe"}',
            "invalid_utf8",
        ),
        (
            "html_only_markup",
            case(
                "html_only_markup", base + '"text": "<div><script>track()</script></div><p> </p>"}'
            ),
            "empty_text",
        ),
        (
            "non_english",
            case(
                "non_english",
                base + '"text": "Les responsables ont annoncé '
                "lundi que le conseil publiera sa décision sur le nouveau pont "
                'dans deux semaines."}',
            ),
            "not_english",
        ),
    ]


async def publish_bad_stream_messages(url: str, streams: Streams) -> dict[str, tuple[str, str]]:
    """Garbage straight onto every worker's input stream; case -> (key, reason), the key
    being `stream|entry id` (ids repeat across streams) or `payload:text`."""
    broker = make_broker(url)
    await broker.connect()
    client = async_redis(url)
    try:
        out: dict[str, tuple[str, str]] = {}
        mid: Any = await client.xadd(streams.articles, {"chaos_case": "foreign_fields"})
        out["articles_foreign_fields"] = (f"{streams.articles}|{mid.decode()}", "missing_fields")
        # matched by payload (the stream id is not known: FastStream's publish returns none)
        await broker.publish(b"\x01\x02{chaos-garbage", stream=streams.entities)
        out["entities_garbage"] = ("payload:chaos-garbage", "invalid_json")
        await broker.publish(
            {"schema_version": 2, "article": {"id": "chaos-v2"}, "claims": []},
            stream=streams.claims,
        )
        out["claims_wrong_version"] = ("payload:chaos-v2", "unsupported_version")
        mid = await client.xadd(streams.alerts, {"id": "alr_bogus", "kind": "location"})
        out["alerts_missing_fields"] = (f"{streams.alerts}|{mid.decode()}", "missing_fields")
        return out
    finally:
        await client.aclose()
        await broker.stop()


async def publish_synthetic_alerts(url: str, streams: Streams, n: int, tag: str = "chaos") -> None:
    """Alerts straight onto the alert stream (as the alert worker would, once each)."""
    from shared.store import AlertLog

    client = async_redis(url)
    try:
        log = AlertLog(client, streams, 100_000)
        for i in range(n):
            mention = AmbiguousMention(
                text=f"Springfield-{tag}-{i}",
                article_id=f"art_{tag}_{i}",
                source="Chaos Wire",
                published_at=datetime(2024, 3, 1, tzinfo=UTC),
                sentence=f"Officials in Springfield-{tag}-{i} met on Monday.",
                start=13,
                end=13 + len(f"Springfield-{tag}-{i}"),
            )
            alert = Alert(
                id=Alert.mention_id("default", mention),
                kind=AlertKind.AMBIGUITY,
                severity=Severity.LOW,
                reason=f"synthetic alert {i}",
                mention=mention,
                created_at=datetime.now(UTC),
            )
            await log.publish(alert)
    finally:
        await client.aclose()
