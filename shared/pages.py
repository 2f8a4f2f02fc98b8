"""An article page (HTML) to its text, title, canonical URL and publication time.

The text comes from trafilatura (`bare_extraction`, favor_precision, no comments, no
tables): it scores the page's blocks by link density, text length and boilerplate class
and id names, then falls back to readability and jusText when its own pass finds little.
readability-lxml alone keeps the biggest block, which on news pages often drags a share
bar or a "most read" list along, and newspaper4k is heavier (NLP extras, its own
downloader) and scored lower than trafilatura in trafilatura's and ScrapingHub's
extraction benchmarks; for a precision-first pipeline trafilatura is the better fit.

Metadata is read here from the page itself: trafilatura's date is a day without a time,
while article:published_time, JSON-LD datePublished and <time datetime> carry the time
and its offset. Canonical URLs use our own list of tracking parameters: courlan (which
trafilatura uses) also drops `gallery`, `game` or `source`, which can name a different
article.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import lxml.html
import trafilatura
from courlan import extract_domain

from shared.errors import Rejected

# Fewer words than this is a caption, a teaser or navigation, not an article.
MIN_WORDS = 25
# Query parameters that only say where a reader came from (never which article).
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "at_", "_hs", "hsa_")
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
        "igshid", "mc_cid", "mc_eid", "_ga", "_gl", "ref", "ref_src", "ref_url", "referrer",
        "cmpid", "ocid", "smid", "smtyp", "sr_share", "share", "xtor", "ito", "oly_enc_id",
        "oly_anon_id", "vero_id", "rss", "cid_source",
    }
)  # fmt: skip
_PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "datePublished",
    "publish-date",
    "pubdate",
    "dc.date.issued",
    "DC.date.issued",
)
_ARTICLE_TYPES = re.compile(r"Article|Posting|Report", re.IGNORECASE)


@dataclass
class Page:
    url: str  # canonical URL (rel=canonical / og:url on the same site, else the fetched one)
    title: str
    text: str
    published_at: datetime | None  # UTC
    site_name: str | None


def extract_page(html: str, url: str) -> Page:
    """The article on a fetched page; Rejected("no_article_text") when there is none."""
    doc = trafilatura.bare_extraction(
        html,
        url=url,
        favor_precision=True,
        include_comments=False,
        include_tables=False,  # on news pages tables are mostly score boxes and listings
        include_images=False,
        include_links=False,
        with_metadata=True,
    )
    meta: dict[str, Any] = {} if doc is None else doc if isinstance(doc, dict) else doc.as_dict()
    text = str(meta.get("text") or "").strip()
    if len(text.split()) < MIN_WORDS:
        raise Rejected("no_article_text", f"{url}: no article text on the page")
    tree = _tree(html)
    return Page(
        url=canonical_url(_canonical_candidate(tree, url)),
        title=(meta.get("title") or "").strip(),
        text=text,
        published_at=published_time(tree, meta.get("date")),
        site_name=meta.get("sitename") or None,
    )


def _tree(html: str) -> Any:
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):  # empty, or bytes-encoding declaration
        return lxml.html.document_fromstring("<html></html>")


# --- canonical URL ------------------------------------------------------------------------


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters,
    the other query parameters sorted (so two links to one article compare equal)."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6: hostname drops the brackets
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # not a number: keep what was given rather than guess
        port, host = None, parts.netloc.rpartition("@")[2].lower()
    if port and (scheme, port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    if parts.username:  # keep credentials as given; they are rare and case-sensitive
        auth = parts.username + (f":{parts.password}" if parts.password else "")
        host = f"{auth}@{host}"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _tracking(k)
    )
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


def _tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def _canonical_candidate(tree: Any, url: str) -> str:
    """rel=canonical, then og:url, when http(s) on the fetched page's site."""
    hrefs = tree.xpath("//link[@rel='canonical']/@href") + tree.xpath(
        "//meta[@property='og:url']/@content"
    )
    for href in hrefs:
        candidate = urljoin(url, str(href).strip())
        if urlsplit(candidate).scheme in {"http", "https"} and _same_site(candidate, url):
            return candidate
    return url


def _same_site(a: str, b: str) -> bool:
    """Same registered domain (www.example.com and amp.example.com are one site). Where
    the suffix is unknown to the public-suffix list, one host must be the other or under it
    once a leading `www.` is dropped; an IP address must match exactly."""
    sa, sb = _site(a), _site(b)
    return sa == sb or sa.endswith("." + sb) or sb.endswith("." + sa)


def _site(url: str) -> str:
    domain = extract_domain(url)
    if domain:
        return str(domain)
    return (urlsplit(url).hostname or "").removeprefix("www.")


# --- publication time ---------------------------------------------------------------------


def published_time(tree: Any, fallback_date: str | None = None) -> datetime | None:
    """The first candidate with an explicit offset, else the first naive one read as UTC:
    meta article:published_time (and kin), JSON-LD datePublished, <time datetime>, then
    trafilatura's date (a day, midnight UTC)."""
    naive: datetime | None = None
    for value in _date_candidates(tree, fallback_date):
        when = _parse_time(value)
        if when is None:
            continue
        if when.tzinfo is not None:
            return when.astimezone(UTC)
        naive = naive or when.replace(tzinfo=UTC)
    return naive


def _date_candidates(tree: Any, fallback_date: str | None) -> Iterator[str]:
    for name in _PUBLISHED_META:
        for attr in ("property", "name", "itemprop"):
            yield from (str(v) for v in tree.xpath(f"//meta[@{attr}='{name}']/@content"))
    yield from _jsonld_dates(tree)
    yield from (str(v) for v in tree.xpath("//time[@itemprop='datePublished']/@datetime"))
    yield from (str(v) for v in tree.xpath("//article//time/@datetime"))
    yield from (str(v) for v in tree.xpath("//time/@datetime"))
    if fallback_date:
        yield fallback_date


def _jsonld_dates(tree: Any) -> Iterator[str]:
    """datePublished of article objects first, then of any object."""
    objects: list[dict[str, Any]] = []
    for script in tree.xpath("//script[@type='application/ld+json']/text()"):
        try:
            objects.extend(_walk(json.loads(script)))
        except (ValueError, RecursionError):
            continue  # a broken JSON-LD block is common; the other sources remain
    dated = [o for o in objects if isinstance(o.get("datePublished"), str)]
    yield from (o["datePublished"] for o in dated if _ARTICLE_TYPES.search(str(o.get("@type"))))
    yield from (o["datePublished"] for o in dated)


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            if isinstance(value, dict | list):
                yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _parse_time(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        # Python 3.11 reads ISO 8601 with "Z", offsets and fractions.
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    import dateparser  # slow to import: only for the odd non-ISO date

    return dateparser.parse(value)
