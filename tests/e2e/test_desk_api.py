"""The desk's API over real HTTP, after the sample feed went through `claimwatch run`."""

from __future__ import annotations

import time

import httpx
import pytest
import redis

from tests.e2e.conftest import API_TOKEN, DeskRun, severodonetsk_id

pytestmark = pytest.mark.e2e
AUTH = {"authorization": f"Bearer {API_TOKEN}"}


def test_run_prints_the_dashboard_url(desk_run: DeskRun) -> None:
    assert any(f"dashboard and API on {desk_run.base}/" in line for line in desk_run.stderr)
    page = desk_run.get("/")
    assert page.status_code == 200 and "claimwatch desk" in page.text


def test_the_seed_alert_lists_both_articles_titles_and_urls(desk_run: DeskRun) -> None:
    alert = desk_run.seed_alert()
    sides = {alert["new"]["source"]: alert["new"], alert["previous"]["source"]: alert["previous"]}
    assert set(sides) == {"unknown-blog", "Kyiv Post"}
    assert sides["Kyiv Post"]["title"] == "Shelling intensifies around Severodonetsk"
    assert sides["Kyiv Post"]["url"].endswith("/2022/05/30/severodonetsk-shelling")
    assert sides["unknown-blog"]["title"] == "Strategic withdrawal from Severodonnetsk"
    assert sides["unknown-blog"]["url"].endswith("/strategic-withdrawal")
    assert "Luhansk" in alert["reason"] and "Donetsk" in alert["reason"]
    # filters filter: another kind, or an unrelated source, leaves it out
    other = desk_run.get("/api/alerts", params={"kind": "quantity"}).json()["items"]
    assert alert["id"] not in {a["id"] for a in other}
    nobody = desk_run.get("/api/alerts", params={"source": "no-such-source"}).json()
    assert nobody["items"] == []
    # cursor pagination walks every alert once
    everything = desk_run.get("/api/alerts", params={"limit": 200}).json()["items"]
    seen, cursor = [], None
    while True:
        page = desk_run.get("/api/alerts", params={"limit": 1, **({"cursor": cursor} if cursor else {})}).json()  # noqa: E501
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [a["id"] for a in everything] and len(seen) >= 2


def test_a_verdict_reads_back_and_undo_removes_it(desk_run: DeskRun) -> None:
    alert_id = desk_run.seed_alert()["id"]
    posted = httpx.post(
        f"{desk_run.base}/api/alerts/{alert_id}/verdict",
        json={"verdict": "confirmed", "note": "the city is in Luhansk Oblast"},
        headers=AUTH, timeout=30,
    )  # fmt: skip
    assert posted.status_code == 200, posted.text
    back = desk_run.get(f"/api/alerts/{alert_id}").json()
    assert back["verdict"]["verdict"] == "confirmed"
    assert back["verdict"]["by"] == "e2e"  # the token's name, never the token
    assert API_TOKEN not in posted.text
    judged = desk_run.get("/api/alerts", params={"verdict": "confirmed"}).json()["items"]
    assert alert_id in {a["id"] for a in judged}

    stats = desk_run.get("/api/stats").json()
    assert stats["alerts_by_kind"]["location"] >= 1
    assert stats["alerts_total"] >= stats["alerts_by_kind"]["location"]
    assert stats["per_kind"]["location"]["confirmed"] == 1
    assert stats["per_kind"]["location"]["precision"] == 1.0

    bad = httpx.post(
        f"{desk_run.base}/api/alerts/{alert_id}/verdict", json={"verdict": "maybe"}, timeout=30
    )
    assert bad.status_code == 422
    wrong_token = httpx.post(
        f"{desk_run.base}/api/alerts/{alert_id}/verdict", json={"verdict": "unsure"},
        headers={"authorization": "Bearer not-a-token"}, timeout=30,
    )  # fmt: skip
    assert wrong_token.status_code == 401 and "not-a-token" not in wrong_token.text
    cross_site = httpx.post(
        f"{desk_run.base}/api/alerts/{alert_id}/verdict", json={"verdict": "dismissed"},
        headers={"origin": "https://evil.example"}, timeout=30,
    )  # fmt: skip
    assert cross_site.status_code == 403
    assert desk_run.get(f"/api/alerts/{alert_id}").json()["verdict"]["verdict"] == "confirmed"

    undone = httpx.delete(f"{desk_run.base}/api/alerts/{alert_id}/verdict", timeout=30)
    assert undone.status_code == 204
    assert desk_run.get(f"/api/alerts/{alert_id}").json()["verdict"] is None
    per_kind = desk_run.get("/api/stats").json()["per_kind"]
    assert per_kind.get("location", {}).get("confirmed", 0) == 0


def test_entity_claims_come_from_both_sources_and_search_finds_the_spelling(
    desk_run: DeskRun,
) -> None:
    place = severodonetsk_id()
    data = desk_run.get(f"/api/entities/{place}/claims").json()
    assert data["entity"]["id"] == place
    sources = {c["source"] for c in data["claims"]}
    assert {"Kyiv Post", "unknown-blog"} <= sources
    assert data["sources"]["Kyiv Post"] >= 1
    times = [c["time"] for c in data["claims"]]
    assert times == sorted(times)
    assert any(c["alerts"] for c in data["claims"]), "the conflicting claims are marked"
    hits = desk_run.get("/api/entities", params={"q": "severodonetsk"}).json()
    assert place in {h["id"] for h in hits}  # the articles' spelling, not the canonical one
    located = desk_run.get("/api/claims", params={"subject": place, "relation": "located_in"})
    assert {c["source"] for c in located.json()} >= {"Kyiv Post", "unknown-blog"}
    # the article as read, with each claim's span in its text
    claim = next(c for c in data["claims"] if c["source"] == "Kyiv Post")
    article = desk_run.get(f"/api/articles/{claim['article_id']}").json()
    assert article["title"] == "Shelling intensifies around Severodonetsk"
    spans = [article["text"][c["start"] : c["end"]] for c in article["claims"]]
    assert any("Luhansk Oblast" in s for s in spans), spans
    assert desk_run.get("/api/articles/art_nope").status_code == 404


def _notifier_done(client: redis.Redis, prefix: str) -> bool:
    groups = client.xinfo_groups(f"{prefix}:alerts")
    return all(g["pending"] == 0 and (g.get("lag") or 0) == 0 for g in groups)  # type: ignore[union-attr]


def test_a_mute_keeps_the_alert_listed_but_unsent_and_undo_works(desk_run: DeskRun) -> None:
    seed = desk_run.seed_alert()
    assert seed["id"] in desk_run.receiver.ids, "unmuted alerts are delivered"
    dismissed = httpx.post(
        f"{desk_run.base}/api/alerts/{seed['id']}/verdict",
        json={"verdict": "dismissed", "mute": {"scope": "subject_relation", "hours": 2}},
        headers=AUTH, timeout=30,
    )  # fmt: skip
    assert dismissed.status_code == 200, dismissed.text
    mute = dismissed.json()["mute"]
    assert mute["subject_id"] == seed["new"]["subject"]["id"] and mute["relation"] == "located_in"

    article = {
        "url": "https://example.org/rumour-mill/severodonetsk-dpr",
        "source": "Rumour Mill",
        "title": "Severodonetsk in the DPR",
        # within the comparison window of the Kyiv Post report (May 2022)
        "published_at": "2022-06-26T09:00:00Z",
        "text": "Severodonetsk, a city in the Donetsk People's Republic, saw heavy fighting on "
        "Sunday, officials said.",
    }
    posted = httpx.post(f"{desk_run.base}/api/articles", json=article, headers=AUTH, timeout=30)
    assert posted.status_code == 202, posted.text
    article_id = posted.json()["results"][0]["id"]
    client = redis.Redis.from_url(desk_run.redis_url)
    deadline = time.monotonic() + 120
    muted: list[dict] = []
    while time.monotonic() < deadline and not muted:
        items = desk_run.get("/api/alerts", params={"source": "Rumour Mill"}).json()["items"]
        muted = [a for a in items if a["new"] and a["new"]["article_id"] == article_id]
        time.sleep(0.5)
    assert muted, "the new report raised no alert"
    assert all(a["muted"] and a["mute"]["id"] == mute["id"] for a in muted)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not _notifier_done(client, desk_run.prefix):
        time.sleep(0.5)
    time.sleep(2)  # a delivery queued anyway would arrive within this
    assert not {a["id"] for a in muted} & set(desk_run.receiver.ids), "a muted alert was sent"
    client.close()

    assert mute["id"] in {m["id"] for m in desk_run.get("/api/mutes").json()}
    undone = httpx.delete(f"{desk_run.base}/api/mutes/{mute['id']}", headers=AUTH, timeout=30)
    assert undone.status_code == 204
    assert desk_run.get("/api/mutes").json() == []
    again = desk_run.get(f"/api/alerts/{muted[0]['id']}").json()
    assert again["muted"] is False
    httpx.delete(f"{desk_run.base}/api/alerts/{seed['id']}/verdict", headers=AUTH, timeout=30)


def test_health_metrics_and_limits(desk_run: DeskRun) -> None:
    assert desk_run.get("/healthz").json()["status"] == "ok"
    assert "claimwatch_messages_handled_total" in desk_run.get("/metrics").text
    huge = httpx.post(
        f"{desk_run.base}/api/mutes", content=b"{" + b" " * 100_000 + b"}",
        headers={"content-type": "application/json"}, timeout=30,
    )  # fmt: skip
    assert huge.status_code == 413
    assert desk_run.get("/api/alerts?source=" + "x" * 5_000).status_code == 414
    assert desk_run.get("/api/alerts", params={"limit": 10_000}).status_code == 422
    assert "openapi" in desk_run.get("/openapi.json").json()
