"""Webhook subscriptions and signed delivery (Standard Webhooks 1.0)."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field, SecretStr
from standardwebhooks import Webhook

from shared.domain.alerts import Alert, Severity


class Subscription(BaseModel):
    id: str
    url: str
    secret: SecretStr
    kinds: list[str] = Field(default_factory=list)  # empty: every kind
    min_severity: Severity = Severity.LOW
    entity_ids: list[str] = Field(default_factory=list)  # empty: every entity

    def wants(self, alert: Alert) -> bool:
        if self.kinds and alert.kind.value not in self.kinds:
            return False
        if alert.severity.rank < self.min_severity.rank:
            return False
        if self.entity_ids:
            ids = set()
            for claim in (alert.new, alert.previous):
                if claim is not None:
                    ids.add(claim.subject.id)
                    if claim.object is not None:
                        ids.add(claim.object.id)
            if alert.mention is not None:
                ids.update(c.entity.id for c in alert.mention.candidates)
            if not ids & set(self.entity_ids):
                return False
        return True


def signed_headers(
    secret: SecretStr, msg_id: str, body: str, now: datetime | None = None
) -> dict[str, str]:
    """Headers a receiver verifies with any Standard Webhooks implementation."""
    timestamp = (now or datetime.now(UTC)).replace(microsecond=0)
    signature = Webhook(secret.get_secret_value()).sign(msg_id, timestamp, body)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
    }
