"""The dashboard: server-rendered pages (Jinja2) that work without JavaScript; a little
plain JavaScript (static/desk.js) adds live alerts over SSE. Forms post with a CSRF token."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from services.api.context import Desk
from services.api.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_TTL_S,
    Caller,
    check_csrf,
    csrf_token,
)
from shared.desk import MuteScope, VerdictValue
from shared.desk_index import AlertFilter
from shared.domain.alerts import AlertKind, Severity
from shared.domain.claims import Claim

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
ID = re.compile(r"^[A-Za-z0-9_:.\-]{1,300}$")


def _words(term: str) -> str:
    """A term as a regex that ignores case, quote style and spacing."""
    parts = [re.escape(w).replace("'", "['’]").replace("\\'", "['’]") for w in term.split()]
    return r"\s+".join(parts)


def highlight(sentence: str, terms: list[str]) -> Markup:
    """The sentence with each term marked (<mark>); a term not found whole is marked word by
    word (its words of four letters or more)."""
    patterns = []
    for term in (t for t in terms if t and t.strip()):
        if re.search(_words(term), sentence, re.IGNORECASE):
            patterns.append(_words(term))
        else:
            patterns += [re.escape(w) for w in re.findall(r"\w{4,}", term)]
    if not patterns:
        return Markup(escape(sentence))
    regex = re.compile("(" + "|".join(sorted(patterns, key=len, reverse=True)) + ")", re.I)
    out, last = [], 0
    for m in regex.finditer(sentence):
        out += [str(escape(sentence[last : m.start()])), f"<mark>{escape(m.group(0))}</mark>"]
        last = m.end()
    out.append(str(escape(sentence[last:])))
    return Markup("".join(out))


def claim_value(claim: Claim) -> str:
    if claim.object is not None:
        return claim.object.name
    if claim.value is not None:
        return claim.value.text or f"{claim.value.value:g} {claim.value.unit or ''}".strip()
    if claim.on_date is not None:
        return claim.on_date.isoformat()
    return claim.state or ""


def _when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value else ""


templates.env.globals.update(highlight=highlight, claim_value=claim_value, when=_when)
templates.env.filters["when"] = _when


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    token = csrf_token(request)
    caller = getattr(request.state, "caller", None)
    response = templates.TemplateResponse(
        request, name, {"csrf": token, "caller": caller, **context}, status_code=status
    )
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", path="/")
    return response


def error_page(request: Request, status: int, detail: str) -> Response:
    if status == 401:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    return render(request, "error.html", status=status, status_code=status, detail=detail)


def _desk(request: Request) -> Desk:
    desk: Desk = request.app.state.desk
    return desk


async def _caller(request: Request) -> Caller:
    caller = await _desk(request).guard.caller(request)
    if caller is None:
        raise HTTPException(401, "log in")
    request.state.caller = caller
    return caller


async def _form(request: Request) -> dict[str, Any]:
    """The posted form, after the CSRF and origin checks."""
    if not _desk(request).guard.same_origin(request):
        raise HTTPException(403, "cross-origin request refused")
    form = await request.form(max_files=0, max_fields=20, max_part_size=10_000)
    check_csrf(request, form.get("csrf"))
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _choice(enum: Any, value: str | None) -> Any:
    try:
        return enum(value) if value else None
    except ValueError:
        return None


@router.get("/", response_class=HTMLResponse)
async def alerts_page(request: Request) -> Response:
    await _caller(request)
    q = request.query_params
    flt = AlertFilter(
        kind=(k.value if (k := _choice(AlertKind, q.get("kind"))) else None),
        severity=(s.value if (s := _choice(Severity, q.get("severity"))) else None),
        source=(q.get("source") or None) and q["source"][:500],
        entity=(q.get("entity") or None) and q["entity"][:300],
    )
    cursor = q.get("cursor")
    if cursor and not re.fullmatch(r"\d{1,15}-\d{1,10}", cursor):
        cursor = None
    desk = _desk(request)
    found, next_cursor = await desk.index.list_alerts(flt, 50, cursor)
    views = await desk.views(list(found))
    return render(
        request,
        "alerts.html",
        alerts=views,
        next_cursor=next_cursor,
        filters=flt,
        kinds=[k.value for k in AlertKind],
        severities=[s.value for s in Severity],
        live=not any((flt.kind, flt.severity, flt.source, flt.entity, cursor)),
    )


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
async def alert_page(request: Request, alert_id: str) -> Response:
    await _caller(request)
    view = await _desk(request).alert_view(alert_id)
    if view is None:
        raise HTTPException(404, "no such alert (or it is past its retention)")
    return render(
        request,
        "alert.html",
        alert=view,
        verdicts=[v.value for v in VerdictValue],
        saved=request.query_params.get("saved"),
    )


@router.post("/alerts/{alert_id}/verdict")
async def alert_verdict(request: Request, alert_id: str) -> Response:
    caller = await _caller(request)
    form = await _form(request)
    desk = _desk(request)
    alert = await desk.index.alert(alert_id)
    if alert is None:
        raise HTTPException(404, "no such alert")
    if form.get("undo"):
        await desk.store.undo_verdict(alert_id, caller.name)
        return RedirectResponse(f"/alerts/{alert_id}?saved=undone", status_code=303)
    verdict = _choice(VerdictValue, form.get("verdict"))
    if verdict is None:
        raise HTTPException(422, "choose confirmed, dismissed or unsure")
    scope = _choice(MuteScope, form.get("mute"))
    try:
        hours = min(max(float(form.get("hours") or 24), 1.0), 24 * 366)
        await desk.judge(
            alert, verdict, form.get("note", "")[:2_000], caller.name, scope, hours,
            form.get("source") or None,
        )
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return RedirectResponse(f"/alerts/{alert_id}?saved={verdict.value}", status_code=303)


@router.get("/entities", response_class=HTMLResponse)
async def entities_page(request: Request) -> Response:
    await _caller(request)
    q = (request.query_params.get("q") or "")[:100]
    hits = await _desk(request).index.search_entities(q) if q else []
    return render(request, "entities.html", q=q, hits=hits)


@router.get("/entities/{entity_id}", response_class=HTMLResponse)
async def entity_page(request: Request, entity_id: str) -> Response:
    await _caller(request)
    if not ID.match(entity_id):
        raise HTTPException(404, "no such entity")
    data = await _desk(request).entity_claims(entity_id, "default", 1000)
    if data.entity is None:
        raise HTTPException(404, "no claims about this entity")
    return render(request, "entity.html", data=data, entity_id=entity_id)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
async def article_page(request: Request, article_id: str) -> Response:
    await _caller(request)
    desk = _desk(request)
    article = await desk.articles.get("default", article_id)
    if article is None:
        raise HTTPException(404, "no such article (or it is past its retention)")
    ids = await desk.articles.claim_ids("default", article_id)
    claims = sorted(await desk.index.claims("default", ids), key=lambda c: c.start)
    parts: list[str] = []
    last = 0
    for c in claims:  # mark each claim's span in the text (overlaps are joined)
        if c.start < last or c.end > len(article.text):
            continue
        parts += [
            str(escape(article.text[last : c.start])),
            f'<mark title="{escape(c.relation)}">{escape(article.text[c.start : c.end])}</mark>',
        ]
        last = c.end
    parts.append(str(escape(article.text[last:])))
    return render(
        request, "article.html", article=article, claims=claims, text=Markup("".join(parts))
    )


@router.get("/stats", response_class=HTMLResponse)
async def stats_page(request: Request) -> Response:
    await _caller(request)
    return render(request, "stats.html", stats=await _desk(request).stats())


@router.get("/mutes", response_class=HTMLResponse)
async def mutes_page(request: Request) -> Response:
    await _caller(request)
    desk = _desk(request)
    now = datetime.now(UTC)
    return render(
        request, "mutes.html", mutes=await desk.store.mutes(), now=now,
        log=await desk.store.log(50),
    )


@router.post("/mutes/{mute_id}/undo")
async def undo_mute(request: Request, mute_id: str) -> Response:
    caller = await _caller(request)
    await _form(request)
    await _desk(request).store.remove_mute(mute_id, caller.name)
    return RedirectResponse("/mutes", status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request) -> Response:
    return render(request, "login.html", next=_next(request.query_params.get("next")))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await _form(request)
    sid = await _desk(request).guard.login(form.get("token", "")[:500])
    if sid is None:
        return render(request, "login.html", status=401, next=_next(form.get("next")), failed=True)
    response = RedirectResponse(_next(form.get("next")), status_code=303)
    secure = (_desk(request).settings.public_url or "").startswith("https://")
    response.set_cookie(
        SESSION_COOKIE, sid, max_age=SESSION_TTL_S, httponly=True, samesite="strict",
        secure=secure, path="/",
    )
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    await _form(request)
    await _desk(request).guard.logout(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _next(value: str | None) -> str:
    """Only a path on this site (no open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and len(value) < 500:
        return value
    return "/"



