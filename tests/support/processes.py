"""Stopping a `claimwatch run` a test started, as a user would (Ctrl-C), and for sure."""

from __future__ import annotations

import signal
import subprocess


def stop_run(proc: subprocess.Popen[str], timeout_s: float = 60) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
