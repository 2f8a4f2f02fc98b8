"""Articles for `claimwatch bench`: a JSON-lines corpus, or generated news-like articles.

The generator needs nothing outside the package (claimwatch/data/bench_templates.json): real
place names, invented people and events, sentences the claim extractor reads (locations,
tolls, events, detentions, control) among plain news prose, about 350 words an article,
deterministic for a seed. Claims recur across articles with varying numbers and, now and
then, a wrong region, so the alert stage has comparisons and contradictions to work on.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

TARGET_WORDS = 350


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    path = resources.files("claimwatch") / "data" / "bench_templates.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _fill(template: str, slots: dict[str, str]) -> str:
    text = template.format(**slots)
    return text[0].upper() + text[1:]


def generate(n: int, seed: int = 7, start: datetime | None = None) -> list[dict[str, Any]]:
    """`n` generated articles, one every ten minutes from `start`."""
    t = templates()
    rng = random.Random(seed)
    when = start or datetime(2024, 3, 1, 6, 0, tzinfo=UTC)
    places: list[list[str]] = t["places"]
    out = []
    for i in range(n):
        city, region, country = places[rng.randrange(len(places))]
        if rng.random() < 0.05:  # a report that puts the city in the wrong region
            region = places[rng.randrange(len(places))][1]

        def slots(city: str = city, region: str = region, country: str = country) -> dict[str, str]:
            return {
                "city": city,
                "region": region,
                "country": country,
                "person": rng.choice(t["people"]),
                "role": rng.choice(t["roles"]),
                "event": rng.choice(t["events"]),
                "org": rng.choice(t["orgs"]),
                "weekday": rng.choice(t["weekdays"]),
                "month": rng.choice(t["months"]),
                "day": str(rng.randint(1, 28)),
                "n": str(rng.choice([3, 5, 7, 8, 12, 15, 20, 24, 30, 45, 60, 120, 300])),
                "measure": rng.choice(["Casualties", "Damage", "Explosions"]),
            }

        claims = rng.sample(t["claims"], k=rng.randint(3, 5))
        filler = rng.sample(t["filler"], k=len(t["filler"]))
        sentences = [_fill(s, slots()) for s in claims]
        words = sum(len(s.split()) for s in sentences)
        target = int(rng.gauss(TARGET_WORDS, 90))
        for s in filler:
            if words >= max(80, target):
                break
            pos = rng.randint(1, len(sentences))
            sentence = _fill(s, slots())
            sentences.insert(pos, sentence)
            words += len(sentence.split())
        paragraphs = [" ".join(sentences[k : k + 3]) for k in range(0, len(sentences), 3)]
        out.append(
            {
                "id": f"gen-{seed}-{i}",
                "source": rng.choice(t["sources"]),
                "published_at": (when + timedelta(minutes=10 * i)).isoformat(),
                "title": _fill(rng.choice(t["titles"]), slots()),
                "text": "\n\n".join(paragraphs),
            }
        )
    return out


def load_jsonl(path: Path) -> list[dict[str, Any]]:
    records = []
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                records.append(json.loads(line))
    if not records:
        raise ValueError(f"{path} holds no articles")
    return records


def load(path: Path | None, n: int | None, seed: int = 7) -> tuple[list[dict[str, Any]], str]:
    """The corpus and a name for the report; `n` articles (cycling a file if it is short)."""
    if path is None:
        count = n or 400
        return generate(count, seed), f"generated ({count} articles, seed {seed})"
    records = load_jsonl(path)
    if n is None:
        return records, str(path)
    return [records[i % len(records)] for i in range(n)], str(path)


def tagged(records: Sequence[dict[str, Any]], tag: str, store: str) -> Iterator[dict[str, Any]]:
    """The records with a URL unique to `tag`, so that a replayed text is a new article."""
    for i, record in enumerate(records):
        yield {**record, "url": f"https://bench.invalid/{tag}/{i}", "store": store}


def words(records: Sequence[dict[str, Any]]) -> int:
    return sum(len(str(r.get("text", "")).split()) for r in records)
