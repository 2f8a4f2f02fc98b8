"""Feed parsing (shared.feeds): the formats, links, dates, encodings and refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.errors import REASONS, Rejected
from shared.feeds import parse_feed

FEED_URL = "https://news.example.com/feeds/world.xml"

RSS2 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
  <title>World &amp; Nation</title>
  <link>https://news.example.com/world</link>
  <item>
    <title>Talks resume in Geneva</title>
    <link>https://news.example.com/world/talks-resume</link>
    <guid isPermaLink="false">story-101</guid>
    <pubDate>Tue, 03 Mar 2026 14:05:00 +0100</pubDate>
    <description>&lt;p&gt;Delegates &lt;b&gt;returned&lt;/b&gt; to the table.&lt;/p&gt;
    </description>
  </item>
  <item>
    <title>No link here</title>
    <description>An item without a link is skipped.</description>
  </item>
  <item>
    <title>Relative link</title>
    <link>/world/relative-story</link>
  </item>
  <item>
    <title>Only a permalink guid</title>
    <guid isPermaLink="true">https://news.example.com/world/guid-story</guid>
  </item>
</channel></rss>"""

RSS1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://news.example.org/">
    <title>RDF News</title><link>https://news.example.org/</link>
    <description>d</description>
    <items><rdf:Seq><rdf:li rdf:resource="https://news.example.org/a/1"/></rdf:Seq></items>
  </channel>
  <item rdf:about="https://news.example.org/a/1">
    <title>Harvest up ten percent</title>
    <link>https://news.example.org/a/1</link>
    <description>Farmers report a good year.</description>
    <dc:date>2026-02-01T08:00:00Z</dc:date>
  </item>
</rdf:RDF>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example.net/world/">
  <title type="html">Atom &lt;em&gt;World&lt;/em&gt;</title>
  <link rel="alternate" href="/"/>
  <id>tag:atom.example.net,2026:world</id>
  <updated>2026-01-02T03:04:05Z</updated>
  <entry>
    <title>Relative to the feed's xml:base</title>
    <link rel="alternate" href="story-1.html"/>
    <id>tag:atom.example.net,2026:1</id>
    <published>2026-01-02T03:04:05+02:00</published>
    <summary>First.</summary>
  </entry>
  <entry xml:base="/archive/">
    <title>Relative to the entry's own xml:base</title>
    <link rel="alternate" href="story-2.html"/>
    <id>tag:atom.example.net,2026:2</id>
    <updated>2026-01-01T00:00:00Z</updated>
  </entry>
</feed>"""


def test_rss2_entries_links_dates_and_plain_summaries() -> None:
    feed = parse_feed(RSS2, FEED_URL, "application/rss+xml; charset=utf-8")
    assert feed.title == "World & Nation"
    assert feed.link == "https://news.example.com/world"
    links = [e.link for e in feed.entries]
    assert links == [
        "https://news.example.com/world/talks-resume",
        "https://news.example.com/world/relative-story",  # resolved against the feed URL
        "https://news.example.com/world/guid-story",
    ]
    first = feed.entries[0]
    assert first.title == "Talks resume in Geneva"
    assert first.published_at == datetime(2026, 3, 3, 13, 5, tzinfo=UTC)
    assert first.summary == "Delegates returned to the table."
    assert first.entry_id == "story-101"


def test_rss1_rdf() -> None:
    feed = parse_feed(RSS1, "https://news.example.org/index.rdf")
    assert feed.title == "RDF News"
    [entry] = feed.entries
    assert entry.link == "https://news.example.org/a/1"
    assert entry.published_at == datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    assert entry.summary == "Farmers report a good year."


def test_atom_relative_links_and_xml_base() -> None:
    feed = parse_feed(ATOM, "https://elsewhere.example/feed.atom", "application/atom+xml")
    assert feed.title == "Atom World"
    assert feed.link == "https://atom.example.net/"
    first, second = feed.entries
    assert first.link == "https://atom.example.net/world/story-1.html"
    assert second.link == "https://atom.example.net/archive/story-2.html"
    # published wins over updated; the +02:00 offset is converted to UTC.
    assert first.published_at == datetime(2026, 1, 2, 1, 4, 5, tzinfo=UTC)
    assert second.published_at == datetime(2026, 1, 1, tzinfo=UTC)  # only <updated>
    assert first.entry_id == "tag:atom.example.net,2026:1"


def test_iso_8859_1_declared_windows_1252_bytes() -> None:
    # Declared ISO-8859-1, but 0x93/0x94/0x80 are Windows-1252 quotes and the euro sign, as
    # many publishers' CMSs write them: the text must still come out right.
    body = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel>'
        "<title>Caf\u00e9 Soci\u00e9t\u00e9</title><item><title>\u201cNa\u00efve\u201d "
        "budget: \u20ac5m</title><link>https://fr.example/a</link>"
        "<description>d\u00e9j\u00e0 vu</description></item></channel></rss>"
    ).encode("cp1252")
    feed = parse_feed(body, "https://fr.example/rss", "application/rss+xml")
    assert feed.title == "Café Société"
    assert feed.entries[0].title == "“Naïve” budget: €5m"
    assert feed.entries[0].summary == "déjà vu"


def test_charset_from_the_content_type_header() -> None:
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Gr\u00fc\u00dfe</title>'
        "<item><title>M\u00fcnchen</title><link>https://de.example/a</link></item>"
        "</channel></rss>"
    ).encode("iso-8859-1")
    feed = parse_feed(body, "https://de.example/rss", "text/xml; charset=iso-8859-1")
    assert feed.title == "Grüße" and feed.entries[0].title == "München"


def test_entries_without_dates() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Undated</title><link>https://x.example/u</link></item>"
        b"<item><title>Bad date</title><link>https://x.example/b</link>"
        b"<pubDate>sometime last week</pubDate></item></channel></rss>"
    )
    feed = parse_feed(body, "https://x.example/rss")
    assert [e.published_at for e in feed.entries] == [None, None]
    assert feed.entries[0].summary == "" and feed.entries[0].entry_id is None


def test_html_served_as_a_feed_is_not_a_feed() -> None:
    html = (
        b"<!DOCTYPE html><html><head><title>Home</title>"
        b'<link rel="alternate" type="application/rss+xml" href="/rss"></head>'
        b'<body><h1>News</h1><a href="/a">A story</a></body></html>'
    )
    with pytest.raises(Rejected) as caught:
        parse_feed(html, "https://x.example/feed", "text/html; charset=utf-8")
    assert caught.value.reason == "not_a_feed"
    assert "https://x.example/feed" in str(caught.value) and "HTML" in str(caught.value)


@pytest.mark.parametrize("body", [b"", b'{"items": []}', b"\x00\x01\x02 binary"])
def test_other_non_feeds(body: bytes) -> None:
    with pytest.raises(Rejected) as caught:
        parse_feed(body, "https://x.example/feed")
    assert caught.value.reason == "not_a_feed"


def test_truncated_before_any_entry_is_malformed() -> None:
    body = RSS2[: RSS2.index(b"<item>") + 12]  # cut inside the first <item>
    with pytest.raises(Rejected) as caught:
        parse_feed(body, FEED_URL)
    assert caught.value.reason == "malformed_feed"


def test_truncated_after_entries_keeps_the_entries_before_the_break() -> None:
    # Documented behaviour: feedparser's loose parser recovers what precedes the break, so
    # a feed cut mid-way is still usable (the cut entry, without its link, is dropped).
    cut = RSS2.index(b"<title>Relative link") + 10
    feed = parse_feed(RSS2[:cut], FEED_URL)
    assert [e.link for e in feed.entries] == ["https://news.example.com/world/talks-resume"]


def test_a_well_formed_empty_feed_is_not_an_error() -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    feed = parse_feed(body, "https://x.example/rss", "application/rss+xml")
    assert feed.title == "Quiet" and feed.entries == []


def test_javascript_links_are_skipped() -> None:
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>x</title><link>javascript:alert(1)</link></item></channel></rss>"
    )
    assert parse_feed(body, "https://x.example/rss").entries == []


def test_reasons_are_documented() -> None:
    assert {"not_a_feed", "malformed_feed", "no_article_text"} <= REASONS.keys()
