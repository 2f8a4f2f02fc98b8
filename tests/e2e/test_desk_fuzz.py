"""Property-based fuzzing of every operation in the desk's OpenAPI document (schemathesis)
against the running app (`python -m services.api`) on a real Redis: no 5xx, ever."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from claimwatch.embedded import free_port
from tests.desk_seed import seed

pytestmark = pytest.mark.e2e
EXAMPLES = int(os.environ.get("CLAIMWATCH_FUZZ_EXAMPLES", "100"))


def test_no_operation_answers_5xx(redis_url: str, prefix: str, tmp_path: Path) -> None:
    async def go() -> None:
        redis = Redis.from_url(redis_url)
        await seed(redis, prefix)
        await redis.aclose()

    asyncio.run(go())
    port = free_port()
    env = {**os.environ, "REDIS_URL": redis_url, "CLAIMWATCH_STREAM_PREFIX": prefix,
           "CLAIMWATCH_API_PORT": str(port), "CLAIMWATCH_LOG_FORMAT": "json"}  # fmt: skip
    log = (tmp_path / "api.log").open("wb")
    api = subprocess.Popen([sys.executable, "-m", "services.api"], env=env, stdout=log,
                           stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        schemathesis = Path(sys.executable).parent / "schemathesis"
        done = subprocess.run(
            [str(schemathesis), "run", f"{base}/openapi.json",
             "--checks", "not_a_server_error", "--max-examples", str(EXAMPLES),
             "--request-timeout", "20", "--generation-deterministic", "--no-color",
             "--phases", "examples,coverage,fuzzing"],
            capture_output=True, text=True, timeout=240, check=False,
            env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
        assert "passed" in done.stdout.lower()
    finally:
        api.terminate()
        api.wait(20)
        log.close()
