"""`claimwatch chaos`, small: worker SIGKILL, Redis restart, flaky receiver, bad input."""

from __future__ import annotations

import pytest
from rich.console import Console

from claimwatch.chaos import run_chaos
from shared.settings import Settings

pytestmark = pytest.mark.e2e


def test_chaos_scenarios_lose_and_duplicate_nothing() -> None:
    summary = run_chaos(
        articles=60,
        scenarios=["kill", "redis", "webhook", "bad-input"],
        log_dir=None,
        timeout_s=240,
        console=Console(stderr=True),
    )
    assert summary["ok"], summary
    assert summary["lost"] == 0 and summary["processed"] == summary["articles"]
    assert summary["duplicate_claims"] == 0 and summary["duplicate_alerts"] == 0
    assert summary["alerts_delivered"] == summary["signatures_verified"] > 0
    # only deliveries in flight when the notifier was killed may repeat (same webhook-id)
    assert summary["webhook_duplicates"] <= Settings().webhook_concurrency
    assert summary["bad_inputs"] == summary["bad_inputs_dead_lettered"] >= 14
