"""The desk over real HTTP (uvicorn in a thread) on a real Redis, with seeded data: forms and
their CSRF token, tokens in production, mutes and precision in the stores."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import uvicorn
from pydantic import SecretStr
from redis.asyncio import Redis

from claimwatch.embedded import free_port
from services.api.main import create_app
from shared.desk import DeskStore, Mute, MuteScope, VerdictRecord, VerdictValue, precision
from shared.settings import Settings
from shared.streams import Streams
from tests.desk_seed import seed

TOKEN = "ops-token-for-the-desk-tests"


def _seed(redis_url: str, prefix: str) -> str:
    async def go() -> str:
        redis = Redis.from_url(redis_url)
        try:
            return (await seed(redis, prefix)).id
        finally:
            await redis.aclose()

    return asyncio.run(go())


def _serve(settings: Settings) -> Iterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def _settings(redis_url: str, prefix: str, **values: object) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None, _secrets_dir=None, redis_url=redis_url, stream_prefix=prefix,
        api_tokens=SecretStr(f"ops:{TOKEN}"), **values,
    )  # fmt: skip


@pytest.fixture
def local(redis_url: str, prefix: str) -> Iterator[tuple[str, str]]:
    alert_id = _seed(redis_url, prefix)
    for base in _serve(_settings(redis_url, prefix)):
        yield base, alert_id


@pytest.fixture
def production(redis_url: str, prefix: str) -> Iterator[tuple[str, str]]:
    alert_id = _seed(redis_url, prefix)
    settings = _settings(
        redis_url, prefix, environment="production",
        webhook_secret=SecretStr("whsec_ZGVzay1wcm9kdWN0aW9uLXRlc3Qtc2VjcmV0"),
    )  # fmt: skip
    for base in _serve(settings):
        yield base, alert_id


def _csrf(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def test_the_verdict_form_needs_its_csrf_token_and_the_verdict_is_kept(
    local: tuple[str, str],
) -> None:
    base, alert_id = local
    with httpx.Client(base_url=base, timeout=20) as browser:
        page = browser.get(f"/alerts/{alert_id}")
        assert page.status_code == 200
        assert "<mark>Luhansk Oblast</mark>" in page.text
        assert "<mark>Donetsk People&#39;s Republic</mark>" in page.text
        token = _csrf(page)
        form = {"verdict": "dismissed", "note": "checked", "mute": "", "hours": "24"}
        assert browser.post(f"/alerts/{alert_id}/verdict", data=form).status_code == 403
        forged = browser.post(
            f"/alerts/{alert_id}/verdict", data={**form, "csrf": "x" * 30},
        )
        assert forged.status_code == 403
        cross = browser.post(
            f"/alerts/{alert_id}/verdict", data={**form, "csrf": token},
            headers={"origin": "https://evil.example"},
        )  # fmt: skip
        assert cross.status_code == 403
        assert browser.get(f"/api/alerts/{alert_id}").json()["verdict"] is None
        saved = browser.post(
            f"/alerts/{alert_id}/verdict", data={**form, "csrf": token, "mute": "source"},
            headers={"origin": base},
        )  # fmt: skip
        assert saved.status_code == 303
        view = browser.get(f"/api/alerts/{alert_id}").json()
        assert view["verdict"]["verdict"] == "dismissed" and view["verdict"]["note"] == "checked"
        assert view["muted"] is False  # the mute starts now: this alert came before it
        mutes = browser.get("/api/mutes").json()
        assert [m["source"] for m in mutes] == ["unknown-blog"]  # the new report's source
        assert "Current verdict: <strong" in browser.get(f"/alerts/{alert_id}").text
        undo = browser.post(f"/mutes/{mutes[0]['id']}/undo", data={"csrf": token})
        assert undo.status_code == 303 and browser.get("/api/mutes").json() == []
        # the article as read, its claim's span marked
        article = browser.get("/articles/art_seed1")
        assert "<mark" in article.text and "Kyiv Post" in article.text


def test_production_needs_a_token_for_everything_but_health(
    production: tuple[str, str],
) -> None:
    base, alert_id = production
    with httpx.Client(base_url=base, timeout=20) as anonymous:
        assert anonymous.get("/healthz").status_code == 200
        assert anonymous.get("/api/alerts").status_code == 401
        denied = anonymous.post(f"/api/alerts/{alert_id}/verdict", json={"verdict": "unsure"})
        assert denied.status_code == 401
        login = anonymous.get("/")
        assert login.status_code == 303 and login.headers["location"].startswith("/login")
    auth = {"authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=base, timeout=20, headers=auth) as ops:
        assert len(ops.get("/api/alerts").json()["items"]) == 1
        done = ops.post(f"/api/alerts/{alert_id}/verdict", json={"verdict": "unsure"})
        assert done.status_code == 200 and done.json()["alert"]["verdict"]["by"] == "ops"
        assert TOKEN not in done.text and TOKEN not in ops.get("/metrics").text
    with httpx.Client(base_url=base, timeout=20) as browser:
        page = browser.get("/login")
        bad = browser.post("/login", data={"csrf": _csrf(page), "token": "wrong" * 5})
        assert bad.status_code == 401
        good = browser.post("/login", data={"csrf": _csrf(page), "token": TOKEN, "next": "/stats"})
        assert good.status_code == 303 and good.headers["location"] == "/stats"
        assert "HttpOnly" in good.headers["set-cookie"] and "SameSite=strict" in good.headers[
            "set-cookie"
        ]
        assert browser.get("/stats").status_code == 200
        assert "unsure" in browser.get("/stats").text or browser.get("/api/stats").json()[
            "verdicts"
        ] == {"unsure": 1}


async def test_mutes_cover_alerts_in_their_window_and_precision_per_kind(
    redis_url: str, prefix: str
) -> None:
    alert_id = await asyncio.to_thread(_seed, redis_url, prefix)
    redis = Redis.from_url(redis_url)
    desk = DeskStore(redis, Streams(prefix))
    from shared.desk_index import DeskIndex

    alert = await DeskIndex(redis, Streams(prefix), 1).alert(alert_id)
    assert alert is not None
    now = datetime.now(UTC)
    later = Mute(scope=MuteScope.SOURCE, source="Kyiv Post", starts_at=now + timedelta(hours=1),
                 until=now + timedelta(hours=2))  # fmt: skip
    await desk.add_mute(later)
    assert await desk.muting(alert) is None  # not active at the alert's time
    subject = Mute(scope=MuteScope.SUBJECT_RELATION, subject_id="geo:1", relation="located_in",
                   starts_at=now - timedelta(hours=1), until=now + timedelta(hours=1))  # fmt: skip
    await desk.add_mute(subject)
    assert (await desk.muting(alert)) == subject
    assert await desk.remove_mute(subject.id, "t") and await desk.muting(alert) is None
    with pytest.raises(ValueError):
        await desk.add_mute(Mute(scope=MuteScope.SOURCE, until=now + timedelta(hours=1)))
    records = [
        VerdictRecord(alert_id="a", verdict=VerdictValue.CONFIRMED, kind="location"),
        VerdictRecord(alert_id="b", verdict=VerdictValue.DISMISSED, kind="location"),
        VerdictRecord(alert_id="c", verdict=VerdictValue.CONFIRMED, kind="location"),
        VerdictRecord(alert_id="d", verdict=VerdictValue.UNSURE, kind="quantity"),
    ]
    table = precision(records)
    assert table["location"]["precision"] == 0.667
    assert table["quantity"]["precision"] is None and table["quantity"]["unsure"] == 1
    log = await desk.log()
    assert [e["action"] for e in log][:2] == ["mute_undone", "mute"]
    await redis.aclose()


def test_the_stream_sends_each_new_alert_as_an_event(
    local: tuple[str, str], redis_url: str, prefix: str
) -> None:
    base, alert_id = local
    from shared.desk_index import DeskIndex
    from shared.store import AlertLog

    async def republish() -> None:
        redis = Redis.from_url(redis_url)
        alert = await DeskIndex(redis, Streams(prefix), 1).alert(alert_id)
        assert alert is not None
        log = AlertLog(redis, Streams(prefix), 100)
        await redis.delete(log.marker_key("default", alert_id))  # let it publish again
        assert await log.publish(alert)
        await redis.aclose()

    with httpx.stream("GET", f"{base}/api/stream", timeout=20) as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        lines = events.iter_lines()
        assert next(lines).startswith("retry:")
        threading.Timer(0.5, lambda: asyncio.run(republish())).start()
        got: list[str] = []
        for line in lines:
            got.append(line)
            if line.startswith("data:"):
                break
    assert "event: alert" in got
    data = next(g for g in got if g.startswith("data:"))
    assert alert_id in data and "Kyiv Post" in data
