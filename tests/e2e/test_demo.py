"""`claimwatch demo` on a machine without Redis: it starts and stops an embedded one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e


def test_demo_without_redis_url_prints_the_seed_alert_and_exits_zero() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CLAIMWATCH_REDIS_URL"}}
    env["COLUMNS"] = "200"
    proc = subprocess.run(
        [sys.executable, "-m", "claimwatch.cli", "demo"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "embedded Redis" in proc.stderr
    out = proc.stdout
    assert "CONTRADICTION [location" in out
    assert "Donetsk People's Republic" in out and "Luhansk Oblast" in out
    assert "Kyiv Post" in out and "unknown-blog" in out  # both sources, side by side
    assert "AMBIGUOUS “SevSk”" in out
