"""Processes a test starts as a user would: `claimwatch demo` (and what its output must
show), and stopping a `claimwatch run` (Ctrl-C), for sure."""

from __future__ import annotations

import signal
import subprocess
import sys


def stop_run(proc: subprocess.Popen[str], timeout_s: float = 60) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_demo(env: dict[str, str], timeout_s: float = 600) -> subprocess.CompletedProcess[str]:
    """`claimwatch demo` as a user runs it, with this environment; its output is checked by
    `assert_seed_alerts`."""
    return subprocess.run(
        [sys.executable, "-m", "claimwatch.cli", "demo"],
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": "200"},
        timeout=timeout_s,
        check=False,
    )


def assert_seed_alerts(proc: subprocess.CompletedProcess[str]) -> None:
    """The seed document's two alerts: Severodonetsk placed in the "DPR" against Luhansk
    Oblast, both sources side by side, and the ambiguous "SevSk"."""
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    assert "CONTRADICTION [location" in out
    assert "Donetsk People's Republic" in out and "Luhansk Oblast" in out
    assert "Kyiv Post" in out and "unknown-blog" in out  # both sources, side by side
    assert "AMBIGUOUS “SevSk”" in out
