"""Who may do what on the desk, and the limits every request lives within.

* Bearer tokens (`CLAIMWATCH_API_TOKENS`, `name:token` pairs): a request with a valid token
  acts as that name; an unknown token is 401 (the token is never logged or echoed).
* In local use (`CLAIMWATCH_ENVIRONMENT=local`) a request from a loopback address needs no
  token, for reads and writes; everywhere else every route but `/healthz`, `/metrics`,
  `/login` and `/static` needs a token (or the session cookie `/login` sets from one).
* CSRF: a state-changing request that carries an `Origin` other than the desk's own is
  refused (browsers always send it cross-site); HTML forms also carry a token that must
  equal the `cw_csrf` cookie (double submit, SameSite=Strict).
* Bodies are bounded (`Content-Length` or counted while streaming), so are query strings.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request
from redis.asyncio import Redis
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.settings import Settings
from shared.streams import Streams

SESSION_COOKIE = "cw_session"
CSRF_COOKIE = "cw_csrf"
SESSION_TTL_S = 12 * 3600
MAX_BODY = 64 * 1024
MAX_QUERY = 4_096
OPEN_PATHS = ("/healthz", "/metrics", "/login", "/static/", "/favicon.ico")


@dataclass(frozen=True)
class Caller:
    name: str
    token: bool  # authenticated by a token or a session made from one


def is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Guard:
    def __init__(self, settings: Settings, redis: Redis, streams: Streams) -> None:
        self._tokens = settings.api_token_map()
        self._local = settings.environment == "local"
        self._redis = redis
        self._sessions = streams.key("desk", "session")
        self.public_url = settings.public_url

    def _token_name(self, presented: str) -> str | None:
        found = None
        for token, name in self._tokens.items():  # compare every one: no timing hint
            if hmac.compare_digest(token.encode(), presented.encode()):
                found = name
        return found

    def _session_key(self, sid: str) -> str:
        return f"{self._sessions}:{hashlib.sha256(sid.encode()).hexdigest()}"

    async def caller(self, request: Request) -> Caller | None:
        """The caller, or None when the request carries no credentials and is not allowed
        without (raises 401 on a bad token)."""
        header = request.headers.get("authorization", "")
        if header:
            scheme, _, presented = header.partition(" ")
            name = self._token_name(presented.strip()) if scheme.lower() == "bearer" else None
            if name is None:
                raise HTTPException(401, "invalid token", {"WWW-Authenticate": "Bearer"})
            return Caller(name, True)
        sid = request.cookies.get(SESSION_COOKIE)
        if sid and len(sid) <= 100:
            name_raw = await self._redis.get(self._session_key(sid))
            if name_raw:
                name = name_raw.decode() if isinstance(name_raw, bytes) else str(name_raw)
                return Caller(name, True)
        if self._local and is_loopback(request.client.host if request.client else None):
            return Caller("local", False)
        return None

    async def login(self, presented: str) -> str | None:
        """A new session id for a valid token, else None."""
        name = self._token_name(presented.strip())
        if name is None:
            return None
        sid = secrets.token_urlsafe(32)
        await self._redis.set(self._session_key(sid), name, ex=SESSION_TTL_S)
        return sid

    async def logout(self, sid: str | None) -> None:
        if sid:
            await self._redis.delete(self._session_key(sid))

    def same_origin(self, request: Request) -> bool:
        origin = request.headers.get("origin")
        if origin is None:
            return True  # not a browser's cross-site request (browsers send Origin on POST)
        own = {f"{request.url.scheme}://{request.headers.get('host', '')}"}
        if self.public_url:
            own.add(self.public_url.rstrip("/"))
        return origin.rstrip("/") in own


async def require_caller(request: Request) -> Caller:
    """FastAPI dependency: the caller, or 401."""
    guard: Guard = request.app.state.desk.guard
    caller = await guard.caller(request)
    if caller is None:
        raise HTTPException(401, "a bearer token is required", {"WWW-Authenticate": "Bearer"})
    return caller


async def require_writer(request: Request) -> Caller:
    """FastAPI dependency for state changes: the caller, and no cross-site origin."""
    caller = await require_caller(request)
    if not request.app.state.desk.guard.same_origin(request):
        raise HTTPException(403, "cross-origin request refused")
    return caller


def check_csrf(request: Request, form_token: Any) -> None:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not isinstance(form_token, str):
        raise HTTPException(403, "missing CSRF token; reload the page")
    if not hmac.compare_digest(cookie.encode(), form_token.encode()):
        raise HTTPException(403, "stale CSRF token; reload the page")


def csrf_token(request: Request) -> str:
    """The token a page embeds in its forms (the cookie's value, or a new one)."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and 20 <= len(existing) <= 100:
        return existing
    token: str = request.state.__dict__.setdefault("new_csrf", secrets.token_urlsafe(24))
    return token


class LimitMiddleware:
    """413 for bodies over the limit (per path prefix), 414 for long query strings."""

    def __init__(self, app: ASGIApp, limits: dict[str, int]) -> None:
        self.app = app
        self.limits = limits

    def _limit(self, path: str) -> int:
        for prefix, limit in self.limits.items():
            if path.startswith(prefix):
                return limit
        return MAX_BODY

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > MAX_QUERY:
            await _plain(send, 414, b'{"detail": "query string too long"}')
            return
        limit = self._limit(scope["path"])
        headers = dict(scope.get("headers", []))
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _plain(send, 413, b'{"detail": "request body too large"}')
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, "request body too large")
            return message

        await self.app(scope, counted, send)


async def _plain(send: Send, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
