"""The fetcher (shared.fetch) against a real HTTP server on 127.0.0.1: conditional GET,
errors and Retry-After, redirects, timeouts, the size cap, compression, per-host limits,
the private-address rule, robots.txt and the User-Agent."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from shared.feeds import parse_feed
from shared.fetch import Fetched, Fetcher, FetchError, backoff_s
from shared.settings import Settings

ETAG = '"v1"'
LAST_MODIFIED = "Tue, 03 Mar 2026 10:00:00 GMT"
ROBOTS = "User-agent: claimwatch\nDisallow: /private/\n\nUser-agent: *\nDisallow: /\n"
CHUNK = b"x" * 65_536
FEED_1252 = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Caf\u00e9</title><item>'
    "<title>\u201cQuoted\u201d \u20ac5</title><link>/a/1</link></item></channel></rss>"
).encode("cp1252")


@dataclass
class Seen:
    """What the server saw, for the assertions."""

    requests: list[tuple[str, dict[str, str], int]] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    huge_bytes_sent: int = 0
    robots: str | None = ROBOTS  # None: robots.txt is 404
    lock: threading.Lock = field(default_factory=threading.Lock)

    def paths(self) -> list[str]:
        return [path for path, _, _ in self.requests]

    def headers_of(self, path: str) -> dict[str, str]:
        return next(h for p, h, _ in reversed(self.requests) if p == path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so connection reuse can be seen
    seen: Seen

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.seen.lock:
            self.seen.requests.append((self.path, headers, self.client_address[1]))
        route = ROUTES.get(self.path.split("?")[0])
        if route is None and self.path.startswith("/chain/"):
            route = _chain
        (route or _page)(self)

    def reply(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _feed(h: Handler) -> None:
    if h.headers.get("If-None-Match") == ETAG:
        h.reply(304, ETag=ETAG)
        return
    h.reply(
        200,
        FEED_1252,
        Content_Type="application/rss+xml; charset=windows-1252",
        ETag=ETAG,
        Last_Modified=LAST_MODIFIED,
    )


def _huge(h: Handler) -> None:
    """50 MB without Content-Length: the client has to stop reading by itself."""
    h.send_response(200)
    h.send_header("Connection", "close")
    h.end_headers()
    try:
        for _ in range(800):
            h.wfile.write(CHUNK)
            h.seen.huge_bytes_sent += len(CHUNK)
    except OSError:
        pass  # the client hung up, as it should
    h.close_connection = True


def _slow(h: Handler) -> None:
    time.sleep(1.5)
    h.reply(200, b"late")


def _busy(h: Handler) -> None:
    with h.seen.lock:
        h.seen.in_flight += 1
        h.seen.max_in_flight = max(h.seen.max_in_flight, h.seen.in_flight)
    time.sleep(0.15)
    with h.seen.lock:
        h.seen.in_flight -= 1
    h.reply(200, b"ok")


def _robots(h: Handler) -> None:
    if h.seen.robots is None:
        h.reply(404, b"no robots here")
    else:
        h.reply(200, h.seen.robots.encode(), Content_Type="text/plain")


def _declared_huge(h: Handler) -> None:
    """Announces a gigabyte and sends nothing: refused on the header alone."""
    h.send_response(200)
    h.send_header("Content-Length", str(10**9))
    h.end_headers()
    h.close_connection = True


def _chain(h: Handler) -> None:
    n = int(h.path.rsplit("/", 1)[1])
    h.reply(302, Location=f"/chain/{n + 1}")


def _page(h: Handler) -> None:
    h.reply(200, b"<html><body>page</body></html>", Content_Type="text/html; charset=utf-8")


ROUTES: dict[str, Callable[[Handler], None]] = {
    "/feed": _feed,
    "/429": lambda h: h.reply(429, b"slow down", Retry_After="7"),
    "/503": lambda h: h.reply(
        503, Retry_After=format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    ),
    "/500": lambda h: h.reply(500, b"oops"),
    "/404": lambda h: h.reply(404, b"gone"),
    "/410": lambda h: h.reply(410, b"gone for good"),
    "/403": lambda h: h.reply(403, b"no"),
    "/r1": lambda h: h.reply(301, Location="/r2"),
    "/r2": lambda h: h.reply(302, Location="r3?x=1"),  # relative Location
    "/r3": lambda h: h.reply(307, Location="/feed"),
    "/loop-a": lambda h: h.reply(302, Location="/loop-b"),
    "/loop-b": lambda h: h.reply(302, Location="/loop-a#again"),
    "/to-file": lambda h: h.reply(302, Location="file:///etc/passwd"),
    "/to-private": lambda h: h.reply(302, Location="/private/secret"),
    "/slow": _slow,
    "/huge": _huge,
    "/gzip": lambda h: h.reply(
        200, gzip.compress(b"decompressed body " * 100), Content_Encoding="gzip"
    ),
    "/busy": _busy,
    "/robots.txt": _robots,
    "/nocharset": lambda h: h.reply(200, "Zürich, São Paulo, Kraków".encode()),
    "/declared-huge": _declared_huge,
}


@pytest.fixture
def server() -> Iterator[tuple[str, Seen]]:
    seen = Seen()
    handler = type("BoundHandler", (Handler,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False  # a /slow handler still sleeping must not hold teardown
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    httpd.shutdown()
    httpd.server_close()


def settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "redis_url": "redis://unused:6379/0",
        "sources_allow_private": True,
        "fetch_timeout_s": 2.0,
    }
    return Settings(**(values | overrides))


async def _error(fetcher: Fetcher, url: str, **kwargs: Any) -> FetchError:
    with pytest.raises(FetchError) as caught:
        await fetcher.get(url, **kwargs)
    return caught.value


async def test_conditional_get_gets_304(server: tuple[str, Seen]) -> None:
    base, seen = server
    async with Fetcher(settings()) as fetcher:
        first = await fetcher.get(base + "/feed")
        assert first.status == 200 and not first.not_modified
        assert (first.etag, first.last_modified) == (ETAG, LAST_MODIFIED)
        again = await fetcher.get(base + "/feed", etag=first.etag, last_modified=LAST_MODIFIED)
    assert again.status == 304 and again.not_modified and again.content == b""
    sent = seen.headers_of("/feed")
    assert sent["if-none-match"] == ETAG and sent["if-modified-since"] == LAST_MODIFIED
    assert "if-none-match" not in seen.requests[0][1]
    # One connection for both requests (keep-alive through the one client).
    assert seen.requests[0][2] == seen.requests[1][2]


async def test_a_fetched_feed_decodes_with_its_declared_charset(server: tuple[str, Seen]) -> None:
    base, _ = server
    async with Fetcher(settings()) as fetcher:
        fetched = await fetcher.get(base + "/feed")
    assert "“Quoted” €5" in fetched.text()
    feed = parse_feed(fetched.content, fetched.url, fetched.headers["content-type"])
    assert feed.entries[0].title == "“Quoted” €5"
    assert feed.entries[0].link == base + "/a/1"


async def test_text_without_a_declared_charset_is_detected(server: tuple[str, Seen]) -> None:
    base, _ = server
    async with Fetcher(settings()) as fetcher:
        fetched = await fetcher.get(base + "/nocharset")
    assert fetched.text() == "Zürich, São Paulo, Kraków"
    broken = Fetched("u", 200, b"\xff\xfe\x00bad", {"content-type": "text/plain; charset=nope"},
                     None, None)  # fmt: skip
    assert isinstance(broken.text(), str)  # an unknown charset never raises


async def test_429_is_transient_with_retry_after(server: tuple[str, Seen]) -> None:
    base, _ = server
    async with Fetcher(settings()) as fetcher:
        exc = await _error(fetcher, base + "/429")
    assert (exc.reason, exc.retry_after_s, exc.permanent) == ("http_429", 7.0, False)
    assert base + "/429" in str(exc) and "\n" not in str(exc)


async def test_5xx_is_transient_and_503_retry_after_may_be_a_date(
    server: tuple[str, Seen],
) -> None:
    base, _ = server
    async with Fetcher(settings()) as fetcher:
        e500 = await _error(fetcher, base + "/500")
        e503 = await _error(fetcher, base + "/503")
    assert (e500.reason, e500.permanent, e500.retry_after_s) == ("http_5xx", False, None)
    assert e503.reason == "http_5xx" and not e503.permanent
    assert e503.retry_after_s == pytest.approx(30, abs=2)


@pytest.mark.parametrize(("path", "reason"), [("/404", "http_404"), ("/410", "http_410"),
                                              ("/403", "http_403")])  # fmt: skip
async def test_client_errors_are_permanent(
    server: tuple[str, Seen], path: str, reason: str
) -> None:
    base, _ = server
    async with Fetcher(settings()) as fetcher:
        exc = await _error(fetcher, base + path)
    assert (exc.reason, exc.permanent, exc.retry_after_s) == (reason, True, None)


async def test_a_redirect_chain_is_followed(server: tuple[str, Seen]) -> None:
    base, seen = server
    async with Fetcher(settings(fetch_max_redirects=3)) as fetcher:
        fetched = await fetcher.get(base + "/r1")
    assert fetched.url == base + "/feed" and fetched.status == 200
    assert seen.paths() == ["/r1", "/r2", "/r3?x=1", "/feed"]


async def test_a_redirect_loop_is_caught(server: tuple[str, Seen]) -> None:
    base, seen = server
    async with Fetcher(settings()) as fetcher:
        exc = await _error(fetcher, base + "/loop-a")
    assert exc.reason == "redirect_loop" and exc.permanent
    assert seen.paths() == ["/loop-a", "/loop-b"]


async def test_too_many_redirects(server: tuple[str, Seen]) -> None:
    base, seen = server
    async with Fetcher(settings(fetch_max_redirects=3)) as fetcher:
        exc = await _error(fetcher, base + "/chain/0")
        ok = await fetcher.get(base + "/r1")  # exactly 3 redirects is fine
    assert exc.reason == "too_many_redirects" and exc.permanent
    assert [p for p in seen.paths() if p.startswith("/chain")] == [f"/chain/{n}" for n in range(4)]
    assert ok.status == 200


async def test_a_slow_response_times_out(server: tuple[str, Seen]) -> None:
    base, _ = server
    async with Fetcher(settings(fetch_timeout_s=0.3)) as fetcher:
        started = time.monotonic()
        exc = await _error(fetcher, base + "/slow")
    assert exc.reason == "timeout" and not exc.permanent
    assert time.monotonic() - started < 1.2


async def test_a_huge_body_is_abandoned_early(server: tuple[str, Seen]) -> None:
    base, seen = server
    async with Fetcher(settings(fetch_max_bytes=1_000_000)) as fetcher:
        exc = await _error(fetcher, base + "/huge")
        declared = await _error(fetcher, base + "/declared-huge")
    assert exc.reason == "too_large" and exc.permanent
    assert declared.reason == "too_large" and "Content-Length" in str(declared)
    await asyncio.sleep(0.2)  # let the server notice the hang-up
    assert seen.huge_bytes_sent < 20_000_000  # of 52 MB: reading stopped near the cap


async def test_gzip_is_asked_for_and_decoded(server: tuple[str, Seen]) -> None:
    base, seen = server
    async with Fetcher(settings()) as fetcher:
        fetched = await fetcher.get(base + "/gzip")
    assert fetched.content == b"decompressed body " * 100
    offered = {e.strip() for e in seen.headers_of("/gzip")["accept-encoding"].split(",")}
    assert {"gzip", "deflate", "br"} <= offered


async def test_requests_per_host_are_limited(server: tuple[str, Seen]) -> None:
    base, seen = server
    async with Fetcher(settings(fetch_per_host=2)) as fetcher:
        results = await asyncio.gather(*(fetcher.get(f"{base}/busy?n={i}") for i in range(6)))
    assert all(r.status == 200 for r in results)
    assert seen.max_in_flight == 2  # in parallel, but never more than the limit


async def test_private_addresses_are_refused(server: tuple[str, Seen]) -> None:
    base, seen = server
    async with Fetcher(settings(sources_allow_private=False)) as fetcher:
        exc = await _error(fetcher, base + "/feed")
        local = await _error(fetcher, base.replace("127.0.0.1", "localhost") + "/feed")
    assert exc.reason == "forbidden_target" and exc.permanent
    assert "CLAIMWATCH_SOURCES_ALLOW_PRIVATE" in str(exc)
    assert local.reason == "forbidden_target"
    assert seen.requests == []  # refused before connecting


async def test_a_redirect_to_another_scheme_is_refused(server: tuple[str, Seen]) -> None:
    base, _ = server
    async with Fetcher(settings()) as fetcher:
        exc = await _error(fetcher, base + "/to-file")
    assert exc.reason == "forbidden_target" and "file:///etc/passwd" in str(exc)


async def test_robots_txt_disallows_page_fetches(server: tuple[str, Seen]) -> None:
    base, seen = server
    async with Fetcher(settings()) as fetcher:
        exc = await _error(fetcher, base + "/private/page", respect_robots=True)
        allowed = await fetcher.get(base + "/news/page", respect_robots=True)
        redirected = await _error(fetcher, base + "/to-private", respect_robots=True)
        feed = await fetcher.get(base + "/private/page")  # feeds do not ask robots.txt
    assert exc.reason == "robots_disallowed" and exc.permanent
    assert allowed.status == 200 and feed.status == 200
    assert redirected.reason == "robots_disallowed"  # each hop is checked
    assert seen.paths().count("/robots.txt") == 1  # cached per host
    assert "/private/page" not in seen.paths()[:3]


async def test_a_missing_robots_txt_allows_all(server: tuple[str, Seen]) -> None:
    base, seen = server
    seen.robots = None
    async with Fetcher(settings()) as fetcher:
        fetched = await fetcher.get(base + "/private/page", respect_robots=True)
    assert fetched.status == 200
    assert seen.paths() == ["/robots.txt", "/private/page"]


async def test_the_user_agent_is_the_configured_one(server: tuple[str, Seen]) -> None:
    base, seen = server
    agent = "claimwatch-test/9.9 (+https://example.org/bot)"
    async with Fetcher(settings(user_agent=agent)) as fetcher:
        await fetcher.get(base + "/news/x", respect_robots=True)
    assert [h["user-agent"] for _, h, _ in seen.requests] == [agent, agent]  # robots + page
    assert Settings(redis_url="redis://unused:6379/0").user_agent.startswith("claimwatch/")


def test_backoff_grows_caps_and_honours_retry_after() -> None:
    import random

    rng = random.Random(1)
    assert backoff_s(0, None) == 0.0
    first = [backoff_s(1, None, rng=rng) for _ in range(50)]
    assert all(30 <= d <= 60 for d in first) and len(set(first)) > 40  # jittered
    assert all(240 <= backoff_s(4, None, rng=rng) <= 480 for _ in range(50))
    assert backoff_s(100, None, rng=rng) <= 6 * 3600
    assert backoff_s(1, 600.0, rng=rng) == 600.0  # Retry-After beats a shorter step
    assert backoff_s(1, 10**9, rng=rng) == 6 * 3600  # but is capped


async def test_nothing_listening_is_a_transient_connect_error() -> None:
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago, now closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with Fetcher(settings()) as fetcher:
        exc = await _error(fetcher, f"http://127.0.0.1:{port}/feed")
    assert exc.reason == "connect_error" and not exc.permanent
