"""`claimwatch eval` runs scenarios through the real services and scores them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from claimwatch.evaluation import run_eval
from tests.conftest import REPO, shared_file

pytestmark = pytest.mark.e2e


def test_dev_scenarios_meet_the_precision_and_recall_targets(redis_url: str) -> None:
    result = run_eval(shared_file("eval", "dev.jsonl"), redis_url)
    assert result["unprocessed_articles"] == 0
    assert result["precision"] >= 0.95, result["scenarios"]
    assert result["recall"] >= 0.9, result["scenarios"]


def test_eval_command_ends_with_a_json_summary(redis_url: str, tmp_path: Path) -> None:
    # Two scenarios of the shipped set: a conflict that must fire and a restatement that must not.
    lines = (REPO / "tests" / "data" / "scenarios_extra.jsonl").read_text().splitlines()
    chosen = [ln for ln in lines if json.loads(ln)["expect"]][:1]
    chosen += [ln for ln in lines if not json.loads(ln)["expect"]][:1]
    scenarios = tmp_path / "two.jsonl"
    scenarios.write_text("\n".join(chosen) + "\n")
    env = {**os.environ, "REDIS_URL": redis_url}
    proc = subprocess.run(
        [sys.executable, "-m", "claimwatch.cli", "eval", str(scenarios), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert {"precision", "recall", "f1", "tp", "fp", "fn"} <= summary.keys()
    assert summary["tp"] + summary["fn"] == 1  # the one expected conflict
    assert summary["fp"] == 0


def test_eval_rejects_a_missing_file() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "claimwatch.cli", "eval", "/nonexistent.jsonl"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2
    assert "no such file" in proc.stderr and "Traceback" not in proc.stderr
