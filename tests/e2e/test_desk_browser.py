"""The dashboard in real headless Chromium (Debian's chromium + chromium-driver, Selenium):
find the seed alert with both sources, open it, click "confirmed", reload, see the verdict
kept; open the entity page and see claims from both sources. Writes screenshots of each page
into a temporary folder, or into CLAIMWATCH_SCREENSHOTS (the README's images come from
`CLAIMWATCH_SCREENSHOTS=docs/img pytest tests/e2e/test_desk_browser.py`).

Skips when Chromium or its driver is absent, except under CI=true, where it fails."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import DeskRun

pytestmark = pytest.mark.e2e
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    missing = [p for p in (CHROMIUM, DRIVER) if not Path(p).exists()]
    if missing:
        reason = f"headless Chromium is not installed ({', '.join(missing)} missing)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "; CI must run the browser test (apt-get install chromium "
                        "chromium-driver)")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--disable-gpu"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("CLAIMWATCH_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_the_dashboard_shows_both_sources_and_keeps_a_verdict(
    desk_run: DeskRun, browser: object, shots: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver: WebDriver = browser  # type: ignore[assignment]
    seed = desk_run.seed_alert()
    httpx.delete(f"{desk_run.base}/api/alerts/{seed['id']}/verdict", timeout=30)  # fresh start
    driver.get(desk_run.base + "/")
    row = WebDriverWait(driver, 30).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, f'[data-alert-id="{seed["id"]}"]'))
    )
    sources = {e.text for e in row.find_elements(By.CSS_SELECTOR, ".side .source")}
    assert sources == {"Kyiv Post", "unknown-blog"}
    assert "Shelling intensifies around Severodonetsk" in row.text
    assert driver.save_screenshot(str(shots / "dashboard.png"))

    row.find_element(By.CSS_SELECTOR, "a.open").click()
    WebDriverWait(driver, 30).until(ec.url_contains(f"/alerts/{seed['id']}"))
    reports = driver.find_elements(By.CSS_SELECTOR, ".compare .report")
    assert len(reports) == 2
    assert {r.find_element(By.CSS_SELECTOR, ".source").text for r in reports} == {
        "Kyiv Post", "unknown-blog",
    }
    marked = [m.text for m in driver.find_elements(By.CSS_SELECTOR, ".report mark")]
    assert any("Luhansk" in m for m in marked) and any("Donetsk" in m for m in marked), marked
    assert "No verdict yet" in driver.find_element(By.ID, "current-verdict").text
    driver.find_element(By.CSS_SELECTOR, 'button[value="confirmed"]').click()
    WebDriverWait(driver, 30).until(ec.url_contains("saved=confirmed"))
    driver.get(desk_run.base + f"/alerts/{seed['id']}")  # a plain reload, nothing cached
    assert "Current verdict: confirmed" in driver.find_element(By.ID, "current-verdict").text
    assert desk_run.get(f"/api/alerts/{seed['id']}").json()["verdict"]["verdict"] == "confirmed"
    assert driver.save_screenshot(str(shots / "alert.png"))

    driver.find_element(By.LINK_TEXT, seed["new"]["subject"]["name"]).click()
    WebDriverWait(driver, 30).until(ec.url_contains("/entities/"))
    timeline = driver.find_elements(By.CSS_SELECTOR, "table.timeline tbody tr td.source")
    assert {"Kyiv Post", "unknown-blog"} <= {td.text for td in timeline}
    assert driver.find_elements(By.CSS_SELECTOR, "tr.conflict"), "conflicts are marked"
    assert driver.save_screenshot(str(shots / "entity.png"))
