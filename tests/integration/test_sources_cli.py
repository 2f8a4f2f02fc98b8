"""`claimwatch sources add/list/remove/import/export` against a real Redis."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimwatch.cli import app
from claimwatch.console import UserError
from shared.settings import get_settings

runner = CliRunner()


@pytest.fixture
def env(redis_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("CLAIMWATCH_STREAM_PREFIX", prefix)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _listed() -> list[dict[str, object]]:
    out = runner.invoke(app, ["sources", "list", "--json"])
    assert out.exit_code == 0, out.output
    return [json.loads(line) for line in out.output.splitlines() if line.strip()]


def test_add_list_remove_import_export(env: None, tmp_path: Path) -> None:
    added = runner.invoke(
        app, ["sources", "add", "https://news.example/rss.xml", "--name", "Example", "--every",
              "30m"],
    )
    assert added.exit_code == 0 and "added src_" in added.output, added.output
    (row,) = _listed()
    assert row["url"] == "https://news.example/rss.xml" and row["every_s"] == 1800
    assert row["name"] == "Example" and row["items_seen"] == 0 and row["next_poll_at"]

    bad = runner.invoke(app, ["sources", "add", "ftp://x", "--every", "1m"])
    assert isinstance(bad.exception, UserError) and "http" in str(bad.exception)
    too_often = runner.invoke(app, ["sources", "add", "https://a.example/", "--every", "5s"])
    assert isinstance(too_often.exception, UserError)

    opml = tmp_path / "list.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head/><body><outline text="World">'
        '<outline text="A" xmlUrl="https://a.example/feed"/>'
        '<outline text="B" xmlUrl="https://b.example/atom"/></outline></body></opml>'
    )
    imported = runner.invoke(app, ["sources", "import", str(opml)])
    assert imported.exit_code == 0 and "imported 2 sources (2 new)" in imported.output
    urls = tmp_path / "urls.txt"
    urls.write_text("# mine\nhttps://c.example/rss Local paper\n\nhttps://a.example/feed\n")
    again = runner.invoke(app, ["sources", "import", str(urls)])
    assert "imported 2 sources (1 new)" in again.output
    assert {r["url"] for r in _listed()} == {
        "https://news.example/rss.xml", "https://a.example/feed", "https://b.example/atom",
        "https://c.example/rss",
    }

    exported = runner.invoke(app, ["sources", "export"])
    back = tmp_path / "back.opml"
    back.write_text(exported.output)
    assert "xmlUrl=\"https://c.example/rss\"" in exported.output
    removed = runner.invoke(app, ["sources", "remove", "https://a.example/feed"])
    assert removed.exit_code == 0
    missing = runner.invoke(app, ["sources", "remove", "https://a.example/feed"])
    assert isinstance(missing.exception, UserError)
    assert len(_listed()) == 3
    reimported = runner.invoke(app, ["sources", "import", str(back)])
    assert "imported 4 sources (1 new)" in reimported.output  # export round-trips
    empty = tmp_path / "empty.opml"
    empty.write_text('<?xml version="1.0"?><opml version="2.0"><body/></opml>')
    refused = runner.invoke(app, ["sources", "import", str(empty)])
    assert isinstance(refused.exception, UserError) and "no feeds" in str(refused.exception)
