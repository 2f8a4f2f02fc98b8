"""One type for "this input can never succeed", and one reading of why.

The ingestor raises `Rejected` for a line it refuses; a worker's handler raises it for a
message it can never process; the dead-letter middleware turns it (and pydantic's
`ValidationError`) into a dead letter with the same reasons.
"""

from __future__ import annotations

from pydantic import ValidationError

# Reasons an input is rejected with (on the dead-letter stream and in HTTP responses).
REASONS = {
    "invalid_utf8": "the bytes are not valid UTF-8",
    "invalid_json": "the line is not JSON",
    "invalid_schema": "a field has the wrong type or value",
    "missing_fields": "required fields are missing",
    "unsupported_version": "schema_version is not 1",
    "empty_text": "the text is empty (or only markup)",
    "too_large": "the input or its text is over the limit",
    "binary": "the input or its text is binary data",
    "not_english": "the language detector says the text is not English",
    "not_a_feed": "the document fetched as a feed is not RSS or Atom (e.g. an HTML page)",
    "malformed_feed": "the feed is broken XML and no entry could be read from it",
    "no_article_text": "the page has no article text (video, empty or only navigation)",
}


class Rejected(ValueError):
    """An input or message that retrying cannot fix: `reason` is one of REASONS (or a
    service's own, e.g. `webhook_gone`), the message says what exactly is wrong."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def validation_text(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'message'}: {e['msg']}" for e in exc.errors()
    )[:2_000]


def validation_reason(exc: ValidationError) -> str:
    errors = exc.errors()
    if any("schema_version" in [str(p) for p in e["loc"]] for e in errors):
        return "unsupported_version"
    if any(e["type"] in {"model_type", "model_attributes_type"} and not e["loc"] for e in errors):
        return "invalid_json"
    if any(e["type"] == "json_invalid" for e in errors):
        return "invalid_json"
    if any(e["loc"] == ("text",) and e["type"] == "string_too_short" for e in errors):
        return "empty_text"
    if errors and all(e["type"] == "missing" for e in errors):
        return "missing_fields"
    return "invalid_schema"


def rejection(exc: ValidationError) -> Rejected:
    return Rejected(validation_reason(exc), validation_text(exc))
