"""Article extraction (shared.pages): text without boilerplate, canonical URL, dates."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared.errors import Rejected
from shared.pages import canonical_url, extract_page

PAGE = Path(__file__).resolve().parents[1] / "data" / "pages" / "news_article.html"
FETCHED = "https://www.dailyledger.example/news/2026/03/harbour-bridge-reopens?utm_campaign=x#top"

ARTICLE = [
    "The Harbour Bridge reopened to traffic on Saturday morning",
    "Engineers replaced more than 300 corroded steel cables",
    "This bridge is the spine of our city",
    "the final cost came in 6 million euros under the original budget",
    "Cyclists will have a separate lane for the first time",
]
BOILERPLATE = [
    "We use cookies",  # cookie banner
    "Accept all cookies",
    "Culture and Arts",  # navigation
    "Subscribe today",
    "Most read",  # "most read" box
    "floating restaurant",
    "Share on Facebook",  # share bar
    "Email this story",
    "Comments (3)",  # comments
    "waiting for this bridge",
    "Waste of taxpayers",
    "morning briefing",  # newsletter box
    "Sign up for our newsletter",
    "All rights reserved",  # footer
    "Privacy policy",
]

BODY = "".join(
    f"<p>Paragraph {i}: the regional parliament voted on the water bill after a long debate "
    f"about prices, reservoirs and the rights of farmers in the dry southern valleys.</p>"
    for i in range(4)
)


def _page(head: str, body: str = BODY) -> str:
    return (
        f"<!DOCTYPE html><html><head><title>Water bill passes</title>{head}</head>"
        f"<body><article><h1>Water bill passes</h1>{body}</article></body></html>"
    )


@pytest.fixture(scope="module")
def news_html() -> str:
    return PAGE.read_text()


def test_article_text_without_boilerplate(news_html: str) -> None:
    page = extract_page(news_html, FETCHED)
    for sentence in ARTICLE:
        assert sentence in page.text
    leaked = [b for b in BOILERPLATE if b.lower() in page.text.lower()]
    assert not leaked, f"boilerplate became article text: {leaked}"
    assert page.title == "Harbour bridge reopens after two-year repair"
    assert page.site_name == "The Daily Ledger"


def test_canonical_from_rel_canonical_without_tracking(news_html: str) -> None:
    page = extract_page(news_html, FETCHED)
    assert page.url == "https://www.dailyledger.example/news/2026/03/harbour-bridge-reopens?id=42"


def test_published_time_from_article_published_time(news_html: str) -> None:
    page = extract_page(news_html, FETCHED)
    assert page.published_at == datetime(2026, 3, 14, 8, 30, tzinfo=UTC)  # +01:00 → UTC


def test_published_time_from_json_ld() -> None:
    jsonld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "WebSite", "name": "Ledger"},'
        '{"@type": "NewsArticle", "headline": "Water bill passes",'
        ' "datePublished": "2026-05-06T18:45:00-04:00"}]}</script>'
        '<script type="application/ld+json">{not json</script>'
    )
    page = extract_page(_page(jsonld), "https://ledger.example/water")
    assert page.published_at == datetime(2026, 5, 6, 22, 45, tzinfo=UTC)


def test_a_time_with_an_offset_wins_over_a_naive_one() -> None:
    head = '<meta property="article:published_time" content="2026-05-06T10:00:00">'
    body = BODY + '<time datetime="2026-05-06T10:00:00+02:00">6 May</time>'
    page = extract_page(_page(head, body), "https://ledger.example/water")
    assert page.published_at == datetime(2026, 5, 6, 8, 0, tzinfo=UTC)


def test_a_naive_time_is_utc() -> None:
    head = '<meta property="article:published_time" content="2026-05-06 10:00:00">'
    page = extract_page(_page(head), "https://ledger.example/water")
    assert page.published_at == datetime(2026, 5, 6, 10, 0, tzinfo=UTC)
    assert page.published_at is not None and page.published_at.tzinfo is UTC


def test_published_time_absent() -> None:
    page = extract_page(_page(""), "https://ledger.example/water")
    assert page.published_at is None
    assert page.url == "https://ledger.example/water"  # no canonical: the fetched URL
    assert "regional parliament voted" in page.text


def test_a_canonical_on_another_site_is_ignored() -> None:
    head = '<link rel="canonical" href="https://aggregator.example/copy/123">'
    page = extract_page(_page(head), "https://ledger.example/water?fbclid=abc")
    assert page.url == "https://ledger.example/water"


def test_og_url_on_a_sister_host_and_relative_canonical() -> None:
    og = '<meta property="og:url" content="https://www.ledger.example/water">'
    assert extract_page(_page(og), "https://amp.ledger.example/water").url == (
        "https://www.ledger.example/water"
    )
    rel = '<link rel="canonical" href="/politics/water-bill">'
    assert extract_page(_page(rel), "https://ledger.example/w?id=1").url == (
        "https://ledger.example/politics/water-bill"
    )


VIDEO = """<!DOCTYPE html><html><head><title>Watch: storm hits the coast | Ledger</title>
<meta property="og:type" content="video.other"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/video">Video</a></nav>
<main><h1>Watch: storm hits the coast</h1><video src="/v/storm.mp4" controls></video>
<p>2:14</p><div class="share"><a href="#">Share</a></div></main>
<footer>© 2026 Ledger. All rights reserved.</footer></body></html>"""
NAV_ONLY = "<html><body><nav><ul>" + "".join(
    f'<li><a href="/s{i}">Section {i}: the latest news from around the region</a></li>'
    for i in range(30)
) + "</ul></nav><footer>All rights reserved</footer></body></html>"


@pytest.mark.parametrize("html", [VIDEO, NAV_ONLY, "", "<html><body></body></html>"])
def test_pages_without_article_text_are_rejected(html: str) -> None:
    with pytest.raises(Rejected) as caught:
        extract_page(html, "https://ledger.example/video/storm")
    assert caught.value.reason == "no_article_text"
    assert "https://ledger.example/video/storm" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://News.Example.COM/A/Story", "https://news.example.com/A/Story"),
        ("https://example.com/a?utm_source=rss&utm_medium=feed&id=7", "https://example.com/a?id=7"),
        (
            "https://example.com/a?fbclid=1&gclid=2&mc_cid=3&mc_eid=4&ref=tw&ref_src=twsrc",
            "https://example.com/a",
        ),
        ("https://example.com/a?b=2&a=1&a=0", "https://example.com/a?a=0&a=1&b=2"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:8080/a", "http://example.com:8080/a"),
        ("https://example.com", "https://example.com/"),
        # Parameters that can name another article stay (courlan would drop these).
        ("https://example.com/s?gallery=3&page=2&source=x", "https://example.com/s?gallery=3&page=2&source=x"),
        ("https://example.com/s?q=&UTM_Campaign=x", "https://example.com/s?q="),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected
