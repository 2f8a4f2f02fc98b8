"""A small news site on 127.0.0.1 for the poller's tests: two outlets' feeds (RSS 2.0 and
Atom), article pages wrapped in real-world boilerplate, a syndicated copy, an empty (video)
page, a missing page, and feeds that answer 410, 429 or broken XML. Feeds answer 304 to a
matching If-None-Match. Every request is recorded."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

LUHANSK = (
    "Russian forces intensified their shelling of Severodonetsk on Monday, officials said. "
    "Severodonetsk, a city in Ukraine's Luhansk Oblast, is the largest town in the region "
    "still held by Ukrainian forces, the regional governor said. About 12,000 civilians "
    "remain in the city, he added, and evacuation buses left twice a day."
)
DPR = (
    "Heavy fighting continued on Tuesday around Severodonetsk, a city in the Donetsk "
    "People's Republic, according to a statement by the separatist leadership. The statement "
    "said residents were sheltering in basements and that aid convoys had been delayed for a "
    "third day because of the shelling near the river crossings."
)
BOILERPLATE = """
<div id="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/business">Business</a></nav>
<div class="share-bar">Share on Facebook Share on X Copy link</div>
"""
FOOTER = """
<aside class="most-read"><h3>Most read</h3><ol><li><a href="/x">Celebrity wedding photos
</a></li><li><a href="/y">Ten recipes for summer</a></li></ol></aside>
<section id="comments"><h3>Comments</h3><p>Great article, thanks!</p></section>
<footer>Copyright 2022 The Outlet. All rights reserved. Terms Privacy Contact</footer>
"""
BOILERPLATE_WORDS = ("cookies", "Most read", "Share on Facebook", "Great article", "Copyright")


def page(title: str, text: str, canonical: str, published: str | None) -> str:
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    paragraphs = "".join(f"<p>{s.strip()}.</p>" for s in text.split(". ") if s.strip())
    return (
        f'<!doctype html><html><head><title>{title}</title><link rel="canonical" '
        f'href="{canonical}">{meta}</head><body>{BOILERPLATE}<main><article><h1>{title}</h1>'
        f"{paragraphs}</article></main>{FOOTER}</body></html>"
    )


def rss(base: str, title: str, items: list[tuple[str, str, str | None]]) -> str:
    entries = "".join(
        f"<item><title>{t}</title><link>{link}</link>"
        + (f"<pubDate>{d}</pubDate>" if d else "")
        + "</item>"
        for t, link, d in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}'
        f"</title><link>{base}/</link>{entries}</channel></rss>"
    )


def atom(base: str, title: str, items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f'<entry><title>{t}</title><link href="{link}"/><id>{base}{link}</id>'
        f"<updated>{d}</updated></entry>"
        for t, link, d in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        f'xml:base="{base}/"><title>{title}</title><id>{base}/</id>'
        f"<updated>2022-05-31T09:00:00Z</updated>{entries}</feed>"
    )


@dataclass
class Site:
    base: str = ""
    requests: list[tuple[str, dict[str, str], int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, path: str, status: int | None = None) -> int:
        return sum(1 for p, _, s in self.requests if p == path and status in (None, s))

    def routes(self) -> dict[str, tuple[int, str, str]]:
        """path -> (status, content type, body)."""
        b = self.base
        html = "text/html; charset=utf-8"
        xml = "application/rss+xml; charset=utf-8"
        return {
            "/robots.txt": (200, "text/plain", "User-agent: *\nDisallow: /private/\n"),
            "/kyiv/feed.xml": (200, xml, rss(b, "Kyiv Daily", [
                ("Shelling intensifies", "/kyiv/shelling.html", "Mon, 30 May 2022 07:15:00 GMT"),
                ("Video: the front line", "/kyiv/video.html", None),
            ])),
            "/wire/atom.xml": (200, "application/atom+xml", atom(b, "Wire Service", [
                ("Fighting around Severodonetsk", "wire/fighting.html", "2022-05-31T08:00:00Z"),
                ("Deleted story", "wire/missing.html", "2022-05-31T08:30:00Z"),
            ])),
            "/syndicator/feed.xml": (200, xml, rss(b, "Syndicator", [
                ("Fighting around Severodonetsk", "/syndicator/copy.html?utm_source=rss",
                 "Tue, 31 May 2022 09:00:00 GMT"),
            ])),
            "/kyiv/shelling.html": (200, html, page(
                "Shelling intensifies around Severodonetsk", LUHANSK,
                f"{b}/kyiv/shelling.html?utm_medium=social", "2022-05-30T07:15:00Z")),
            "/kyiv/video.html": (200, html, (
                "<html><head><title>Video</title></head><body>" + BOILERPLATE
                + '<video src="/v.mp4"></video>' + FOOTER + "</body></html>")),
            "/wire/fighting.html": (200, html, page(
                "Fighting around Severodonetsk", DPR, f"{b}/wire/fighting.html", None)),
            "/syndicator/copy.html": (200, html, page(
                "Fighting around Severodonetsk",
                DPR + " This article first appeared in Wire Service.",
                f"{b}/syndicator/copy.html", "2022-05-31T09:00:00Z")),
            "/gone.xml": (410, "text/plain", "gone"),
            "/broken.xml": (200, xml, "<?xml version='1.0'?><rss><channel><title>Bro"),
        }


def handler_for(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, ctype, body = site.routes().get(path, (404, "text/plain", "not found"))
            etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            if status == 200 and headers.get("if-none-match") == etag:
                status, body = 304, ""
            if path == "/limited.xml":
                status, body = 429, "slow down"
            with site.lock:
                site.requests.append((path, headers, status))
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            if status in (200, 304):
                self.send_header("ETag", etag)
            if status == 429:
                self.send_header("Retry-After", "120")
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def serve() -> Iterator[Site]:
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(site))
    site.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
