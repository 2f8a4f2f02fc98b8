"""`claimwatch demo --sources FILE.opml --json` as a user runs it, against feeds and pages
served on 127.0.0.1: every article page ingested once, an empty page and a missing one
skipped with their reasons, a syndicated copy one report, and the alert the texts deserve."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.news_site import serve

pytestmark = pytest.mark.e2e


def _opml(base: str) -> str:
    outlines = "".join(
        f'<outline text="{name}" type="rss" xmlUrl="{base}{path}"/>'
        for name, path in (
            ("Kyiv Daily", "/kyiv/feed.xml"),
            ("Wire Service", "/wire/atom.xml"),
            ("Syndicator", "/syndicator/feed.xml"),
        )
    )
    return f'<?xml version="1.0"?><opml version="2.0"><head/><body>{outlines}</body></opml>'


def test_demo_with_sources_prints_one_alert_per_conflict_as_json(
    redis_url: str, prefix: str, tmp_path: Path
) -> None:
    with serve() as site:
        opml = tmp_path / "feeds.opml"
        opml.write_text(_opml(site.base))
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "CLAIMWATCH_STREAM_PREFIX": prefix,
            "CLAIMWATCH_SOURCES_ALLOW_PRIVATE": "true",
            "CLAIMWATCH_LOG_DIR": str(tmp_path / "logs"),
        }
        proc = subprocess.run(
            [sys.executable, "-m", "claimwatch.cli", "demo", "--sources", str(opml), "--json"],
            env=env, capture_output=True, text=True, timeout=600, check=False,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        for page in ("/kyiv/shelling.html", "/wire/fighting.html", "/syndicator/copy.html"):
            assert site.count(page) == 1, page  # every article page fetched once
    alerts = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    contradictions = [a for a in alerts if a["kind"] != "ambiguity"]
    assert len(contradictions) == 1, contradictions  # the copy is one report, not two
    (alert,) = contradictions
    assert alert["kind"] == "location"
    sides = {alert["new"]["url"], alert["previous"]["url"]}
    assert sides == {f"{site.base}/kyiv/shelling.html", f"{site.base}/wire/fighting.html"}
    assert {alert["new"]["title"], alert["previous"]["title"]} == {
        "Shelling intensifies around Severodonetsk", "Fighting around Severodonetsk"}
    assert f"{site.base}/kyiv/video.html: no_article_text" in proc.stderr
    assert f"{site.base}/wire/missing.html: http_404" in proc.stderr
