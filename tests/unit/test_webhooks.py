"""Signing, target checks, retry policy and subscriptions, without a network."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from shared.webhooks import (
    ForbiddenTarget,
    Subscription,
    backoff_s,
    check_target,
    generate_secret,
    mask_secret,
    parse_retry_after,
    signed_headers,
    validate_secret,
)


def test_signed_headers_verify_with_the_standardwebhooks_library() -> None:
    secret = generate_secret()
    body = '{"id": "alr_1", "kind": "location"}'
    headers = signed_headers(SecretStr(secret), "alr_1", body)
    assert headers["webhook-id"] == "alr_1"
    assert Webhook(secret).verify(body, headers) == {"id": "alr_1", "kind": "location"}
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("location", "control"), headers)


def test_secrets_are_validated_and_masked() -> None:
    secret = generate_secret()
    validate_secret(secret)
    for bad in ("whsec_not base64!", "whsec_c2hvcnQ="):
        with pytest.raises(ValueError):
            validate_secret(bad)
    masked = mask_secret(SecretStr(secret))
    assert secret not in masked and len(masked) < 14
    sub = Subscription(id="a", url="https://example.org/h", secret=SecretStr(secret))
    assert secret not in repr(sub) and secret not in str(sub.public())
    assert secret in sub.stored_json()


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = random.Random(1)
    delays = [backoff_s(n, 2.0, 60.0, rng) for n in range(1, 9)]
    for n, delay in enumerate(delays, 1):
        step = min(60.0, 2.0 * 2 ** (n - 1))
        assert step / 2 <= delay <= step
    assert len({round(backoff_s(3, 2.0, 60.0), 6) for _ in range(20)}) > 1


def test_retry_after_in_seconds_or_as_a_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    later = (now + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(later, now) == pytest.approx(30, abs=1)
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x",
        "http://localhost:8000/x",
        "http://10.0.0.5/x",
        "http://192.168.1.1/x",
        "http://172.16.3.4/x",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/x",
        "http://[fe80::1]/x",
        "http://0.0.0.0/x",
        "http://[::ffff:127.0.0.1]/x",
        "file:///etc/passwd",
        "gopher://example.org/",
        "http:///nohost",
    ],
)
def test_private_and_odd_targets_are_refused(url: str) -> None:
    with pytest.raises(ForbiddenTarget):
        check_target(url, allow_private=False)


def test_public_literal_address_is_allowed() -> None:
    check_target("https://93.184.216.34/hook", allow_private=False)
    check_target("http://127.0.0.1:8080/hook", allow_private=True)
