"""A polite HTTP fetcher for feeds and article pages (no Redis: the feed poller calls it).

One `httpx.AsyncClient` (HTTP/2 where the server offers it over TLS, connections reused)
with the configured User-Agent, gzip/deflate/br, connect and read timeouts. Redirects are
followed here rather than by httpx so that every hop's host is checked against the
private-address rule (shared.netguard) after DNS resolution, loops are caught and the count
is bounded. Bodies are streamed and abandoned past `fetch_max_bytes` (counted after
decompression, so a gzip bomb stops too). At most `fetch_per_host` requests are in flight
per host. Page fetches may honour robots.txt (RFC 9309), parsed with protego, cached per
origin for a day.

Failures are `FetchError`s with a short `reason`, whether retrying can help (`permanent`)
and the server's Retry-After; `backoff_s` turns consecutive failures into the next delay.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from types import TracebackType
from urllib.parse import urljoin, urlsplit, urlunsplit

import charset_normalizer
import httpx
from protego import Protego

from shared.netguard import ForbiddenTarget, check_target_async, parse_retry_after
from shared.settings import Settings

REDIRECTS = {301, 302, 303, 307, 308}
# A whole response may take this many read timeouts: stops a server that drips one byte
# just inside the read timeout from holding a host slot for ever.
TOTAL_TIMEOUTS = 6
# RFC 9309: a cached robots.txt should not be used for more than 24 hours.
ROBOTS_TTL_S = 24 * 3600
SOURCES_SETTING = "CLAIMWATCH_SOURCES_ALLOW_PRIVATE"


@dataclass
class Fetched:
    url: str  # final URL after redirects
    status: int  # 200 (or another 2xx) or 304
    content: bytes  # b"" on 304
    headers: dict[str, str]  # lower-case names
    etag: str | None
    last_modified: str | None

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    def text(self) -> str:
        """The body as text: the declared charset, else detected; never raises."""
        declared = _declared_charset(self.content_type)
        if declared:
            try:
                return self.content.decode(declared, errors="replace")
            except LookupError:  # a charset name Python does not know
                pass
        best = charset_normalizer.from_bytes(self.content).best()
        if best is not None:
            return str(best)
        return self.content.decode("utf-8", errors="replace")


def _declared_charset(content_type: str | None) -> str | None:
    for param in (content_type or "").split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip(" \"'"):
            return value.strip(" \"'")
    return None


class FetchError(Exception):
    """A fetch that did not give a usable response. `reason` is short and machine-readable
    (timeout, connect_error, network_error, decoding_error, too_large, redirect_loop,
    too_many_redirects, forbidden_target, robots_disallowed, robots_unavailable, http_404,
    http_410, http_429, http_5xx, http_<code>)."""

    def __init__(
        self,
        reason: str,
        url: str,
        detail: str,
        *,
        permanent: bool,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(f"fetching {url} failed: {detail} ({reason})")
        self.reason = reason
        self.url = url
        self.permanent = permanent
        self.retry_after_s = retry_after_s


def _http_error(url: str, response: httpx.Response) -> FetchError:
    status = response.status_code
    detail = f"HTTP {status} {response.reason_phrase}".strip()
    if status == 429 or status >= 500:
        # Only these two carry a Retry-After worth obeying (RFC 9110 §10.2.3).
        wait = (
            parse_retry_after(response.headers.get("retry-after"))
            if status in {429, 503}
            else None
        )
        reason = "http_429" if status == 429 else "http_5xx"
        return FetchError(reason, url, detail, permanent=False, retry_after_s=wait)
    # 408 Request Timeout is the server's own transient trouble; other codes will not change.
    return FetchError(f"http_{status}", url, detail, permanent=status != 408)


def backoff_s(
    failures: int,
    retry_after_s: float | None,
    base_s: float = 60.0,
    max_s: float = 6 * 3600,
    rng: random.Random | None = None,
) -> float:
    """The delay before the next try after `failures` consecutive failures: base × 2^(n-1),
    capped at max_s, jittered between half and all of it (so pollers of many feeds on one
    host do not retry in lockstep), and never shorter than the server's Retry-After (itself
    capped at max_s, so a server asking for a week is asked again within max_s)."""
    if failures <= 0:
        return 0.0
    step = min(max_s, base_s * 2.0 ** min(failures - 1, 62))
    delay = (rng or random).uniform(step / 2, step)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, max_s))
    return delay


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


@dataclass
class _Robots:
    parser: Protego | None  # None: robots.txt missing, everything allowed
    fetched_at: float = field(default_factory=time.monotonic)


class Fetcher:
    def __init__(self, settings: Settings, client: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        timeout = settings.fetch_timeout_s
        # Connect and read bounded by the setting; write and pool too, so no step hangs.
        self._timeout = httpx.Timeout(timeout)
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            http2=True, follow_redirects=False, timeout=self._timeout
        )
        # Accept-Encoding is httpx's default, which lists what it can decode: gzip, deflate
        # and br (brotli comes with httpx[brotli]).
        self._headers = {"user-agent": settings.user_agent}
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._robots: dict[str, _Robots] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        respect_robots: bool = False,
    ) -> Fetched:
        """GET `url`, following redirects; a 304 to a conditional request is a result."""
        headers = dict(self._headers)
        if etag:
            headers["if-none-match"] = etag
        if last_modified:
            headers["if-modified-since"] = last_modified
        return await self._follow(url, headers, respect_robots)

    async def _follow(self, url: str, headers: dict[str, str], respect_robots: bool) -> Fetched:
        seen = {_without_fragment(url)}
        current = url
        for hop in range(self._settings.fetch_max_redirects + 1):
            await self._guard(current)
            if respect_robots:
                await self._check_robots(current)
            result = await self._once(current, headers)
            if isinstance(result, Fetched):
                return result
            target = urljoin(current, result)
            if _without_fragment(target) in seen:
                raise FetchError(
                    "redirect_loop", url, f"redirects back to {target}", permanent=True
                )
            if hop == self._settings.fetch_max_redirects:
                raise FetchError(
                    "too_many_redirects",
                    url,
                    f"more than {self._settings.fetch_max_redirects} redirects",
                    permanent=True,
                )
            seen.add(_without_fragment(target))
            current = target
        raise AssertionError("unreachable: the loop returns or raises")

    async def _guard(self, url: str) -> None:
        try:
            await check_target_async(
                url,
                self._settings.sources_allow_private,
                what="source URL",
                setting=SOURCES_SETTING,
            )
        except ForbiddenTarget as exc:
            raise FetchError("forbidden_target", url, str(exc), permanent=True) from exc

    def _slot(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        if host not in self._slots:
            self._slots[host] = asyncio.Semaphore(self._settings.fetch_per_host)
        return self._slots[host]

    async def _once(self, url: str, headers: dict[str, str]) -> Fetched | str:
        """One request: a Fetched, or the Location of a redirect."""
        total = self._settings.fetch_timeout_s * TOTAL_TIMEOUTS
        async with self._slot(url):
            try:
                async with asyncio.timeout(total):
                    return await self._request(url, headers)
            except (httpx.TimeoutException, TimeoutError) as exc:
                raise FetchError(
                    "timeout", url, f"no answer in time ({type(exc).__name__})", permanent=False
                ) from exc
            except httpx.ConnectError as exc:
                detail = f"{type(exc).__name__}: {exc}"
                raise FetchError("connect_error", url, detail, permanent=False) from exc
            except httpx.DecodingError as exc:
                raise FetchError("decoding_error", url, str(exc), permanent=False) from exc
            except httpx.TransportError as exc:
                detail = f"{type(exc).__name__}: {exc}"
                raise FetchError("network_error", url, detail, permanent=False) from exc

    async def _request(self, url: str, headers: dict[str, str]) -> Fetched | str:
        async with self._client.stream(
            "GET", url, headers=headers, timeout=self._timeout
        ) as response:
            status = response.status_code
            if status in REDIRECTS and response.headers.get("location"):
                return response.headers["location"]
            if status == 304:
                return _fetched(url, response, b"")
            if not 200 <= status < 300:
                # The error page is not read (it could be any size): leaving the stream
                # closes that one connection instead.
                raise _http_error(url, response)
            return _fetched(url, response, await self._read_capped(url, response))

    async def _read_capped(self, url: str, response: httpx.Response) -> bytes:
        limit = self._settings.fetch_max_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise FetchError(
                "too_large", url, f"Content-Length {declared} > {limit} bytes", permanent=True
            )
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > limit:
                raise FetchError(
                    "too_large", url, f"body over {limit} bytes (abandoned)", permanent=True
                )
        return bytes(body)

    # --- robots.txt ---------------------------------------------------------------------

    async def _check_robots(self, url: str) -> None:
        robots = await self._robots_for(_origin(url))
        if robots.parser is not None and not robots.parser.can_fetch(
            url, self._settings.user_agent
        ):
            raise FetchError(
                "robots_disallowed", url, "robots.txt disallows it for us", permanent=True
            )

    async def _robots_for(self, origin: str) -> _Robots:
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one robots.txt fetch per origin, however many pages wait
            cached = self._robots.get(origin)
            if cached is None or time.monotonic() - cached.fetched_at > ROBOTS_TTL_S:
                cached = self._robots[origin] = await self._load_robots(origin)
            return cached

    async def _load_robots(self, origin: str) -> _Robots:
        url = origin + "/robots.txt"
        try:
            fetched = await self._follow(url, dict(self._headers), respect_robots=False)
        except FetchError as exc:
            if exc.reason.startswith("http_4") and exc.reason != "http_429":
                return _Robots(None)  # RFC 9309 §2.3.1.3: unavailable (4xx) allows all
            if exc.reason == "forbidden_target":
                raise
            # §2.3.1.4: unreachable (5xx, network) means disallow all, for now.
            raise FetchError(
                "robots_unavailable",
                url,
                f"robots.txt could not be read: {exc.reason}",
                permanent=False,
                retry_after_s=exc.retry_after_s,
            ) from exc
        return _Robots(Protego.parse(fetched.text()))


def _fetched(url: str, response: httpx.Response, content: bytes) -> Fetched:
    headers = {name.lower(): value for name, value in response.headers.items()}
    return Fetched(
        url=url,
        status=response.status_code,
        content=content,
        headers=headers,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
    )
