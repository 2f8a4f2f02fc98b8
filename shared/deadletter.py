"""Dead letters and poison-message handling, once for every worker.

`DeadLetterMiddleware` is a broker middleware (wired by `shared.runtime.build_app`). It sits
inside FastStream's acknowledgement middleware, so whatever it decides happens before the
ack:

* a message that can never succeed (not JSON, not UTF-8, unknown `schema_version`, missing
  fields, validation errors, or a handler raising `shared.errors.Rejected`) goes to the dead-letter
  stream at once with a specific reason, and is acked;
* any other failure leaves the message pending (FastStream's NACK does nothing on Redis
  streams); the service's claimer picks it up again after `claim_idle_ms`; once it has been
  delivered `max_deliveries` times it goes to the dead-letter stream with reason
  `max_deliveries` and is acked, so the pipeline moves on;
* if the dead letter itself cannot be published (Redis down), the original error propagates
  and the message stays pending: nothing is lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import structlog
from faststream import BaseMiddleware
from faststream.redis.parser.binary import BinaryMessageFormatV1
from pydantic import ValidationError
from redis.asyncio import Redis

from shared import metrics
from shared.errors import Rejected, validation_reason, validation_text
from shared.events import DeadLetter
from shared.settings import Settings
from shared.streams import Streams

log = structlog.get_logger("deadletter")
PAYLOAD_LIMIT = 100_000



def classify(exc: BaseException) -> tuple[str, str] | None:
    """(reason, error) for an error that retrying cannot fix; None for a transient one."""
    if isinstance(exc, Rejected):
        return exc.reason, str(exc)
    if isinstance(exc, UnicodeDecodeError):
        return "invalid_utf8", f"message is not valid UTF-8: {exc}"
    if isinstance(exc, json.JSONDecodeError):
        return "invalid_json", f"message is not JSON: {exc}"
    if isinstance(exc, ValidationError):
        return validation_reason(exc), validation_text(exc)
    # fast_depends wraps pydantic errors in its own ValidationError on some paths
    if type(exc).__name__ == "ValidationError" and hasattr(exc, "errors"):
        return "invalid_schema", str(exc)[:2_000]
    return None



def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def payload_text(fields: dict[Any, Any]) -> str:
    """The body of a stream entry as text: FastStream's binary envelope when present, else
    the raw fields as JSON (a foreign producer's entry)."""
    raw = fields.get(b"__data__", fields.get("__data__"))
    if raw is not None:
        raw_bytes = raw if isinstance(raw, bytes) else str(raw).encode()
        try:
            data, _headers = BinaryMessageFormatV1.parse(raw_bytes)
        except Exception:
            data = raw_bytes
        return _text(data)[:PAYLOAD_LIMIT]
    return json.dumps({_text(k): _text(v) for k, v in fields.items()})[:PAYLOAD_LIMIT]


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


async def delivery_count(client: Redis, stream: str, group: str, message_id: str) -> int:
    """How often the group delivered this entry (XPENDING); 1 if it is not pending."""
    rows = await client.xpending_range(stream, group, min=message_id, max=message_id, count=1)
    if not rows:
        return 1
    return int(rows[0]["times_delivered"])


class DeadLetterMiddleware(BaseMiddleware):
    """See the module docstring; build it with `dead_letter_middleware(service, settings)`."""

    def __init__(self, msg: Any, /, *, context: Any, service: str, settings: Settings) -> None:
        super().__init__(msg, context=context)
        self.service = service
        self.settings = settings

    async def after_processed(
        self,
        exc_type: type[BaseException] | None = None,
        exc_val: BaseException | None = None,
        exc_tb: Any = None,
    ) -> bool | None:
        if exc_val is None or not isinstance(exc_val, Exception):
            return False
        raw = self.msg if isinstance(self.msg, dict) else {}
        if raw.get("type") != "stream":
            return False
        subscriber = self.context.get_local("handler_")
        stream_sub = getattr(subscriber, "stream_sub", None)
        group = getattr(stream_sub, "group", None)
        stream = str(raw.get("channel") or getattr(stream_sub, "name", ""))
        ids = raw.get("message_ids") or [b""]
        message_id = _text(ids[0])
        client: Redis | None = getattr(subscriber, "_client", None)
        try:
            attempts = 1
            if client is not None and group:
                attempts = await delivery_count(client, stream, group, message_id)
            verdict = classify(exc_val)
            if verdict is None:
                if attempts < self.settings.max_deliveries:
                    log.warning(
                        "processing failed; the message stays pending and will be retried",
                        service=self.service,
                        stream=stream,
                        message_id=message_id,
                        attempts=attempts,
                        error=repr(exc_val)[:500],
                    )
                    return False
                verdict = (
                    "max_deliveries",
                    f"failed {attempts} times; last error: {exc_val!r}"[:2_000],
                )
            reason, error = verdict
            payload = payload_text(raw.get("data") or {})
            if reason in {"invalid_schema", "missing_fields"} and not _is_json(payload):
                reason = "invalid_json"
                error = f"message is not JSON ({error})"
            letter = DeadLetter(
                service=self.service,
                stream=stream,
                message_id=message_id,
                error=error,
                reason=reason,
                payload=payload,
                attempts=attempts,
            )
            broker = self.context.get("broker")
            await broker.publish(
                letter,
                stream=Streams.of(self.settings).deadletter,
                maxlen=self.settings.stream_maxlen,
            )
            if client is not None and group:
                # Ack here too: when parsing failed before the handler ran, FastStream's
                # acknowledgement middleware has no message to ack.
                await client.xack(stream, group, message_id)
        except Exception as publish_error:  # Redis down: keep the message pending
            log.error(
                "could not dead-letter a message; it stays pending",
                service=self.service,
                stream=stream,
                message_id=message_id,
                error=repr(publish_error)[:500],
            )
            return False
        metrics.DEAD_LETTERED.labels(reason=reason).inc()
        log.warning(
            "message dead-lettered",
            service=self.service,
            stream=stream,
            message_id=message_id,
            reason=reason,
            attempts=attempts,
            error=error[:300],
        )
        return True  # swallow the error: the acknowledgement middleware acks the message


def dead_letter_middleware(service: str, settings: Settings) -> Callable[..., BaseMiddleware]:
    return partial(DeadLetterMiddleware, service=service, settings=settings)
