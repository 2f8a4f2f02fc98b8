"""Done-when: `claimwatch demo` on a Redis of its own delivers the seed's location alert to a
json:// subscription filtered to `location`, and nothing to one filtered to `role`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from claimwatch.cli import app as cli
from shared.settings import get_settings
from tests.support.receivers import HttpReceiver

pytestmark = pytest.mark.e2e


def test_demo_notifies_the_location_subscription_only(
    redis_url: str, prefix: str, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    location, role = HttpReceiver(), HttpReceiver()
    env = {"REDIS_URL": redis_url, "CLAIMWATCH_STREAM_PREFIX": prefix,
           "CLAIMWATCH_WEBHOOK_ALLOW_PRIVATE": "true"}  # fmt: skip
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()  # the CLI reads settings once per process
    try:
        runner = CliRunner()
        for sub_id, rec, kind in (("loc", location, "location"), ("role", role, "role")):
            added = runner.invoke(
                cli, ["subscriptions", "add", rec.json_url(sub_id), "--id", sub_id, "--kind", kind]
            )
            assert added.exit_code == 0, added.output
        proc = subprocess.run(
            [sys.executable, "-m", "claimwatch.cli", "demo"],
            env={**os.environ, **env, "CLAIMWATCH_LOG_DIR": str(tmp_path), "COLUMNS": "200"},
            capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-3000:]
        messages = location.messages()
        seed = [m for m in messages if "Sievierodonetsk" in m["title"]]
        assert len(seed) == 1, [m["title"] for m in messages]
        body = seed[0]["message"]
        assert "Kyiv Post" in body and "unknown-blog" in body
        assert "Strategic withdrawal from Severodonnetsk" in body or "https://" in body
        assert role.posts == []
    finally:
        get_settings.cache_clear()
        location.stop()
        role.stop()
