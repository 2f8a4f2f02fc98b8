"""The desk's JSON API under `/api` (OpenAPI at /docs, /openapi.json)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import AwareDatetime

from services.api.context import MAX_STREAM_CLIENTS, Desk
from services.api.models import (
    AlertPage,
    AlertView,
    ArticleView,
    EntityClaims,
    EntityHit,
    IngestOut,
    MuteIn,
    StatsOut,
    SubscriptionIn,
    VerdictIn,
    VerdictOut,
)
from services.api.security import Caller, require_caller, require_writer
from shared import metrics
from shared.desk import Mute, MuteScope, VerdictRecord, VerdictValue
from shared.desk_index import AlertFilter
from shared.domain.alerts import AlertKind, Severity
from shared.domain.claims import Claim
from shared.ingest import publish_articles, split_body
from shared.webhooks import ForbiddenTarget, Subscription, generate_secret

router = APIRouter(prefix="/api", tags=["api"])
log = structlog.get_logger("api")
Reader = Annotated[Caller, Depends(require_caller)]
Writer = Annotated[Caller, Depends(require_writer)]
Store = Annotated[str, Query(pattern=r"^[A-Za-z0-9_.\-]{1,100}$")]
Id = Annotated[str, Query(min_length=1, max_length=300)]
MAX_ARTICLES_PER_REQUEST = 100


def desk_of(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


DeskDep = Annotated[Desk, Depends(desk_of)]


def _not_found(what: str) -> HTTPException:
    return HTTPException(404, f"no such {what}")


@router.get("/alerts", response_model=AlertPage)
async def list_alerts(
    desk: DeskDep,
    _: Reader,
    kind: AlertKind | None = None,
    severity: Severity | None = None,
    entity: Annotated[str | None, Query(max_length=300)] = None,
    source: Annotated[str | None, Query(max_length=500)] = None,
    since: AwareDatetime | None = None,
    until: AwareDatetime | None = None,
    verdict: Annotated[
        VerdictValue | None, Query(description="only alerts with this verdict")
    ] = None,
    judged: Annotated[bool | None, Query(description="with (true) or without a verdict")] = None,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,15}-\d{1,10}$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AlertPage:
    """Alerts newest first; `next_cursor` pages on."""
    flt = AlertFilter(
        kind=kind.value if kind else None,
        severity=severity.value if severity else None,
        entity=entity,
        source=source,
        since=since,
        until=until,
    )
    if verdict is None and judged is None:
        found, next_cursor = await desk.index.list_alerts(flt, limit, cursor)
        return AlertPage(items=await desk.views(list(found)), next_cursor=next_cursor)
    # Verdict filters: read pages until this one is full (each read is bounded).
    items: list[AlertView] = []
    next_cursor = cursor
    for _round in range(20):
        found, next_cursor = await desk.index.list_alerts(flt, limit, next_cursor)
        for view in await desk.views(list(found)):
            has = view.verdict is not None
            if (verdict is None or (has and view.verdict.verdict is verdict)) and (  # type: ignore[union-attr]
                judged is None or has == judged
            ):
                items.append(view)
        if len(items) >= limit or next_cursor is None:
            break
    return AlertPage(items=items[:limit], next_cursor=next_cursor)


@router.get("/alerts/{alert_id}", response_model=AlertView)
async def get_alert(alert_id: str, desk: DeskDep, _: Reader) -> AlertView:
    view = await desk.alert_view(alert_id)
    if view is None:
        raise _not_found("alert")
    return view


@router.post("/alerts/{alert_id}/verdict", response_model=VerdictOut)
async def post_verdict(alert_id: str, body: VerdictIn, desk: DeskDep, caller: Writer) -> VerdictOut:
    """Record a verdict; with `mute`, also mute the alert's subject and relation (or a
    source) for `hours`: later alerts of the kind are listed, marked muted, not notified."""
    alert = await desk.index.alert(alert_id)
    if alert is None:
        raise _not_found("alert")
    try:
        mute = await desk.judge(
            alert,
            body.verdict,
            body.note,
            caller.name,
            body.mute.scope if body.mute else None,
            body.mute.hours if body.mute else 24.0,
            body.mute.source if body.mute else None,
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    log.info("verdict", alert_id=alert_id, verdict=body.verdict, by=caller.name)
    view = await desk.alert_view(alert_id)
    assert view is not None
    return VerdictOut(alert=view, mute=mute)


@router.delete("/alerts/{alert_id}/verdict", status_code=204)
async def undo_verdict(alert_id: str, desk: DeskDep, caller: Writer) -> Response:
    if not await desk.store.undo_verdict(alert_id, caller.name):
        raise _not_found("verdict")
    return Response(status_code=204)


@router.get("/verdicts", response_model=list[VerdictRecord])
async def list_verdicts(desk: DeskDep, _: Reader) -> list[VerdictRecord]:
    return await desk.store.all_verdicts()


@router.get("/mutes", response_model=list[Mute])
async def list_mutes(desk: DeskDep, _: Reader) -> list[Mute]:
    return await desk.store.mutes()


@router.post("/mutes", response_model=Mute, status_code=201)
async def add_mute(body: MuteIn, desk: DeskDep, caller: Writer) -> Mute:
    from datetime import timedelta

    try:
        return await desk.store.add_mute(
            Mute(
                scope=body.scope,
                store=body.store,
                subject_id=body.subject_id if body.scope is MuteScope.SUBJECT_RELATION else None,
                relation=body.relation if body.scope is MuteScope.SUBJECT_RELATION else None,
                source=body.source if body.scope is MuteScope.SOURCE else None,
                until=datetime.now(UTC) + timedelta(hours=body.hours),
                note=body.note,
                by=caller.name,
            )
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


@router.delete("/mutes/{mute_id}", status_code=204)
async def undo_mute(mute_id: str, desk: DeskDep, caller: Writer) -> Response:
    if not await desk.store.remove_mute(mute_id, caller.name):
        raise _not_found("mute")
    return Response(status_code=204)


@router.get("/articles/{article_id}", response_model=ArticleView)
async def get_article(
    article_id: str, desk: DeskDep, _: Reader, store: Store = "default"
) -> ArticleView:
    article = await desk.articles.get(store, article_id)
    if article is None:
        raise _not_found("article (or it is past its retention)")
    claims = await desk.index.claims(store, await desk.articles.claim_ids(store, article_id))
    views = await desk.claim_views(store, sorted(claims, key=lambda c: c.start))
    return ArticleView(**article.model_dump(), claims=views)


@router.post("/articles", response_model=IngestOut, status_code=202)
async def post_articles(request: Request, desk: DeskDep, caller: Writer) -> JSONResponse:
    """Ingest articles (one JSON object, an array, or JSON lines), validated as the ingestor
    does; 202 with each input's id or reason; 422 when none was accepted."""
    inputs = split_body(await request.body())
    if len(inputs) > MAX_ARTICLES_PER_REQUEST:
        raise HTTPException(413, f"at most {MAX_ARTICLES_PER_REQUEST} articles per request")
    who = caller.name if caller.token else (request.client.host if request.client else "?")
    wait = desk.ingest_limit.take(who, len(inputs))
    if wait:
        raise HTTPException(429, "too many articles; slow down", {"Retry-After": f"{wait:.0f}"})
    report = await publish_articles(desk.broker, inputs, desk.settings)
    results = report.results or [{"line": 1, "reason": "empty_text", "error": "the body is empty"}]
    accepted = sum(1 for r in results if "id" in r)
    out = IngestOut(
        accepted=accepted,
        duplicates=sum(1 for r in results if r.get("duplicate")),
        rejected=len(results) - accepted,
        results=results,
    )
    return JSONResponse(out.model_dump(), status_code=202 if accepted else 422)


@router.get("/entities", response_model=list[EntityHit])
async def search_entities(
    desk: DeskDep,
    _: Reader,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    store: Store = "default",
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[EntityHit]:
    """Entities whose name or a spelling an article used contains `q`."""
    return [EntityHit(**hit) for hit in await desk.index.search_entities(q, store, limit)]


@router.get("/entities/{entity_id}/claims", response_model=EntityClaims)
async def entity_claims(
    entity_id: str,
    desk: DeskDep,
    _: Reader,
    store: Store = "default",
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> EntityClaims:
    """Every claim about the entity (as subject or object), oldest first."""
    return await desk.entity_claims(entity_id, store, limit)


@router.get("/claims", response_model=list[Claim])
async def claims(
    desk: DeskDep,
    _: Reader,
    subject: Id,
    relation: Annotated[str | None, Query(max_length=100)] = None,
    store: Store = "default",
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[Claim]:
    if relation:
        found = await desk.index.claims_about(subject, relation, store, limit)
        if found:
            return found
    # a linker's id ("geo:...") of a subject compared under its name: from the entity's list
    about = await desk.index.entity_claims(subject, store, limit)
    return [c for c in about if subject in (c.subject.id, c.subject.linked)
            and (not relation or c.relation == relation)]


@router.get("/stats", response_model=StatsOut)
async def stats(desk: DeskDep, _: Reader, store: Store = "default") -> StatsOut:
    return await desk.stats(store)


@router.get("/subscriptions")
async def list_subscriptions(desk: DeskDep, _: Reader) -> list[dict[str, Any]]:
    disabled = await desk.subscriptions.disabled()
    return [
        {**s.public(), "disabled": disabled.get(s.id)} for s in await desk.subscriptions.all()
    ]


@router.post("/subscriptions", status_code=201)
async def add_subscription(body: SubscriptionIn, desk: DeskDep, caller: Writer) -> dict[str, Any]:
    """As `claimwatch subscriptions add`; a generated secret is in this answer only."""
    secret = body.secret or generate_secret()
    try:
        sub = Subscription(**body.model_dump(exclude={"secret"}), secret=secret)  # type: ignore[arg-type]
        await desk.subscriptions.add(sub)
    except (ValueError, ForbiddenTarget) as exc:
        raise HTTPException(422, str(exc)) from None
    log.info("subscription added", subscription=sub.id, by=caller.name)
    out = sub.public()
    if body.secret is None:
        out["generated_secret"] = secret  # shown once, never stored elsewhere or logged
    return out


@router.delete("/subscriptions/{sub_id}", status_code=204)
async def remove_subscription(sub_id: str, desk: DeskDep, _: Writer) -> Response:
    if not await desk.subscriptions.remove(sub_id):
        raise _not_found("subscription")
    return Response(status_code=204)


@router.post("/subscriptions/{sub_id}/enable")
async def enable_subscription(sub_id: str, desk: DeskDep, _: Writer) -> dict[str, Any]:
    if sub_id not in {s.id for s in await desk.subscriptions.all()}:
        raise _not_found("subscription")
    return {"id": sub_id, "was_disabled": await desk.subscriptions.enable(sub_id)}


@router.get("/stream", include_in_schema=False)
async def stream(request: Request, desk: DeskDep, _: Reader) -> StreamingResponse:
    """Server-sent events: `event: alert` with the alert's summary, for each new alert."""
    if desk.stream_clients >= MAX_STREAM_CLIENTS:
        raise HTTPException(503, "too many live clients")
    start = request.headers.get("last-event-id") or "$"
    if start != "$" and not all(p.isdigit() for p in start.split("-", 1)):
        start = "$"

    async def events() -> AsyncIterator[str]:
        desk.stream_clients += 1
        cursor = start
        try:
            yield "retry: 3000\n\n"
            while not await request.is_disconnected():
                reply: Any = await desk.redis.xread(
                    {desk.streams.alerts: cursor}, count=50, block=5_000
                )
                if not reply:
                    yield ": keep-alive\n\n"
                    continue
                for _stream, entries in reply:
                    for entry_id, fields in entries:
                        cursor = entry_id.decode()
                        alert = json.loads(fields[b"alert"])
                        summary = _summary(alert, cursor)
                        metrics.handled()
                        yield f"id: {cursor}\nevent: alert\ndata: {json.dumps(summary)}\n\n"
        except asyncio.CancelledError:
            pass
        finally:
            desk.stream_clients -= 1

    return StreamingResponse(events(), media_type="text/event-stream")


def _summary(alert: dict[str, Any], entry_id: str) -> dict[str, Any]:
    sides = [alert.get("new"), alert.get("previous")]
    mention = alert.get("mention") or {}
    return {
        "entry_id": entry_id,
        "id": alert["id"],
        "kind": alert["kind"],
        "severity": alert["severity"],
        "reason": alert["reason"],
        "created_at": alert["created_at"],
        "sources": [s["source"] for s in sides if s] or [mention.get("source")],
        "titles": [s.get("title", "") for s in sides if s],
    }
