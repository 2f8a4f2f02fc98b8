"""`claimwatch demo` on a machine without Redis: it starts and stops an embedded one."""

from __future__ import annotations

import os

import pytest

from tests.support.processes import assert_seed_alerts, run_demo

pytestmark = pytest.mark.e2e


def test_demo_without_redis_url_prints_the_seed_alert_and_exits_zero() -> None:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CLAIMWATCH_REDIS_URL"}}
    proc = run_demo(env)
    assert_seed_alerts(proc)
    assert "embedded Redis" in proc.stderr
