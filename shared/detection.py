"""The alert stage: store new claims, compare each with the stored claims it could
contradict, and turn contradictions and ambiguous mentions into alerts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from shared.domain.alerts import (
    Alert,
    AlertKind,
    AmbiguousMention,
    Clash,
    Outcome,
    Severity,
)
from shared.domain.claims import Claim
from shared.domain.contradiction import compare
from shared.domain.entities import Mention
from shared.domain.policy import one_alert_per_sentence
from shared.events import ArticleClaims, ArticleMeta
from shared.store import ClaimStore


def contradiction_alert(a: Claim, b: Claim, now: datetime) -> Alert | None:
    """An alert when two claims contradict; `new` is the later report, whichever of the two
    arrived last (feeds are not always in publication order)."""
    old, new = sorted((a, b), key=lambda c: (c.published_at, c.id))
    verdict = compare(new, old)
    if verdict.outcome is not Outcome.CONTRADICTION or verdict.kind is None:
        return None
    return Alert(
        id=Alert.pair_id(new.store, new, old),
        kind=verdict.kind,
        severity=verdict.severity or Severity.MEDIUM,
        reason=verdict.reason,
        store=new.store,
        new=new,
        previous=old,
        created_at=now,
    )


def ambiguity_alert(store: str, mention: AmbiguousMention, now: datetime) -> Alert:
    names = ", ".join(c.description or c.entity.name for c in mention.candidates[:4])
    return Alert(
        id=Alert.mention_id(store, mention),
        kind=AlertKind.AMBIGUITY,
        severity=Severity.LOW,
        reason=f'"{mention.text}" could refer to several places: {names}',
        store=store,
        mention=mention,
        created_at=now,
    )


def ambiguous_mentions(article: ArticleMeta, mentions: Iterable[Mention]) -> list[AmbiguousMention]:
    """The mentions the linker could not settle, with what the alert needs to show them."""
    return [
        AmbiguousMention(
            text=m.text,
            article_id=article.id,
            source=article.source,
            published_at=article.published_at,
            sentence=m.sentence,
            start=m.start,
            end=m.end,
            candidates=m.candidates,
        )
        for m in mentions
        if m.ambiguous
    ]


async def detect(store: ClaimStore, batch: ArticleClaims) -> list[Alert]:
    """Alerts for one article's claims. Claims are stored before comparing, so two workers
    handling two conflicting articles at once still see each other; alert ids are the same
    for a pair in either order, so the pair alerts once."""
    now = datetime.now(UTC)
    await store.add(batch.claims)
    alerts: dict[str, Alert] = {}
    for claim in batch.claims:
        for stored in await store.comparable(claim):
            if stored.article_id == claim.article_id:
                continue
            alert = contradiction_alert(claim, stored, now)
            if alert is not None:
                alerts.setdefault(alert.id, alert)
    found = one_per_conflict(alerts.values())
    for mention in batch.ambiguous:
        alert = ambiguity_alert(batch.article.store, mention, now)
        found.setdefault(alert.id, alert)
    return list(found.values())


def one_per_conflict(alerts: Iterable[Alert]) -> dict[str, Alert]:
    """One alert per conflict: claims of one pair of articles that clash in one way about
    one subject ("captured by Russia" vs "held by Ukraine" and vs "not captured"), or from
    one pair of sentences under a relation keyed several ways (a deal denied, keyed on each
    of its parties: `per_sentence` in relations.yaml), are one conflict
    for a reader. The most severe alert stands for it, the same one whatever order the
    claims came in (ties go to the smallest id), so a redelivered article alerts with the
    same id."""
    parent: dict[str, str] = {}
    per_sentence = one_alert_per_sentence()

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    by_id: dict[str, Alert] = {}
    for alert in alerts:
        if alert.new is None or alert.previous is None:
            continue
        by_id[alert.id] = alert
        pair = sorted((alert.new.article_id, alert.previous.article_id))
        spans = sorted(((alert.new.article_id, alert.new.start),
                        (alert.previous.article_id, alert.previous.start)))  # fmt: skip
        keys = [f"s|{pair}|{alert.new.subject.id}|{alert.kind}"]
        if alert.new.relation.split(":", 1)[0] in per_sentence:
            keys.append(f"t|{spans}|{alert.new.relation}")
        for key in keys:
            parent[root(alert.id)] = root(key)
    groups: dict[str, dict[str, Alert]] = {}
    for aid, alert in by_id.items():
        groups.setdefault(root(aid), {})[aid] = alert
    out: list[Alert] = []
    for members in groups.values():
        ranked = sorted(members.values(), key=lambda a: (-a.severity.rank, a.id))
        best, others = ranked[0], sorted(ranked[1:], key=lambda a: a.id)
        # the others are listed in the alert that stands for them, so nothing is hidden
        also = tuple(
            Clash(
                id=a.id,
                kind=a.kind,
                severity=a.severity,
                reason=a.reason,
                new_claim_id=a.new.id if a.new else "",
                previous_claim_id=a.previous.id if a.previous else "",
            )
            for a in others
        )
        out.append(best.model_copy(update={"also": also}) if also else best)
    return {a.id: a for a in sorted(out, key=lambda a: a.id)}
