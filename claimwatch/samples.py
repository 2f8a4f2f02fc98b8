"""Helpers of `claimwatch subscriptions`: periods, regions, filters shown in one line, and
the sample notification `subscriptions test` sends."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import httpx

from shared.domain.alerts import Alert, AlertKind, Severity
from shared.domain.claims import Claim
from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.sending import Job, attempt_job
from shared.settings import Settings
from shared.webhooks import Outcome, Subscription

_PERIOD = re.compile(r"^\s*(\d+)\s*(s|m|min|h)?\s*$", re.IGNORECASE)


def parse_period(text: str) -> int:
    """"30m", "1h", "90s", "45" (minutes) -> seconds; ValueError otherwise."""
    match = _PERIOD.match(text)
    if not match or int(match.group(1)) <= 0:
        raise ValueError(f"a digest period is like 30m, 1h or 90s, not {text!r}")
    unit = (match.group(2) or "m").lower()
    return int(match.group(1)) * {"s": 1, "m": 60, "min": 60, "h": 3600}[unit]


def resolve_region(name: str) -> str:
    """A region's place id, by id or by name through the gazetteer (the most prominent match);
    ValueError when the gazetteer knows no such place."""
    from shared.nlp.gazetteer import default_gazetteer  # loads the index: only when asked

    gazetteer = default_gazetteer()
    if gazetteer.get(name) is not None:
        return name
    found = gazetteer.lookup(name)
    if not found:
        raise ValueError(f"no place called {name!r} in the gazetteer")
    return found[0].id


def describe_filters(sub: Subscription) -> str:
    parts = []
    if sub.kinds:
        parts.append("kinds=" + ",".join(sub.kinds))
    if sub.min_severity is not Severity.LOW:
        parts.append(f"severity>={sub.min_severity.value}")
    for name, values in (("entities", sub.entity_ids), ("sources", sub.sources),
                         ("regions", sub.regions)):  # fmt: skip
        if values:
            parts.append(f"{name}=" + ",".join(values))
    if sub.grouped:
        parts.append("grouped")
    return " ".join(parts) or "all"


def sample_alert(now: datetime | None = None) -> Alert:
    """A made-up contradiction, marked as a test in its reason and sources."""
    when = now or datetime.now(UTC)
    ukraine = "geo:690791"
    city = EntityRef(id="geo:691999", name="Sievierodonetsk", type=EntityType.PLACE,
                     rank=PlaceRank.CITY, ancestors=("geo:702657", ukraine))  # fmt: skip
    luhansk = EntityRef(id="geo:702657", name="Luhansk Oblast", type=EntityType.PLACE,
                        rank=PlaceRank.ADMIN1, ancestors=(ukraine,))  # fmt: skip
    dpr = EntityRef(id="geo:dpr", name="Donetsk People's Republic", type=EntityType.PLACE)

    def claim(article: str, source: str, region: EntityRef, sentence: str) -> Claim:
        return Claim(
            article_id=article, source=source, published_at=when, subject=city,
            relation="located_in", object=region, time=when, sentence=sentence, start=0,
            end=len(sentence), url=f"https://example.org/claimwatch-test/{article}",
            title=f"claimwatch test message ({source})",
        ).with_id()  # fmt: skip

    old = claim("art_test_1", "test-source-a", luhansk, "Sievierodonetsk, in Luhansk Oblast.")
    new = claim("art_test_2", "test-source-b", dpr, "Sievierodonetsk, in the DPR.")
    return Alert(
        id="alr_test_" + uuid.uuid4().hex[:15],
        kind=AlertKind.LOCATION,
        severity=Severity.HIGH,
        reason="TEST MESSAGE from `claimwatch subscriptions test`: Sievierodonetsk lies in "
        "Luhansk Oblast per test-source-a, in Donetsk People's Republic per test-source-b",
        new=new,
        previous=old,
        created_at=when,
    )


async def send_sample(sub: Subscription, settings: Settings) -> Outcome:
    """One attempt, through the same target check and send as a queued delivery."""
    alert = sample_alert()
    batch = "test" if sub.batched else ""
    job = Job([alert.id], [alert.model_dump_json()], batch)
    async with httpx.AsyncClient(timeout=settings.webhook_timeout_s) as http:
        return await attempt_job(http, sub, job, settings)
