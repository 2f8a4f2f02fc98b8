"""What one delivery job sends, and one attempt at sending it, for both kinds of target.

A job is one alert (fields `alert_id`, `body`: the alert JSON) or, for batched
subscriptions (shared/batches.py), several (`alert_ids`, `bodies`: JSON lists). Webhooks get
the documented JSON: the alert itself, or for a grouped subscription an `alert_group`
object; Apprise targets get a message written for people (shared/messages.py) in the
richest format the channel takes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import httpx

from shared.channels import check_apprise_target_async, preferred_format, send
from shared.domain.alerts import Alert
from shared.messages import render
from shared.settings import Settings
from shared.webhooks import ForbiddenTarget, Outcome, Subscription, attempt, check_target_async


@dataclass(frozen=True)
class Job:
    alert_ids: list[str]
    bodies: list[str]
    batch: str = ""

    @staticmethod
    def from_fields(fields: dict[str, str]) -> Job:
        if "alert_ids" in fields:
            return Job(
                json.loads(fields["alert_ids"]), json.loads(fields["bodies"]), fields["batch"]
            )
        return Job([fields.get("alert_id", "")], [fields.get("body", "")])

    def without(self, done: set[str]) -> Job:
        kept = [(i, b) for i, b in zip(self.alert_ids, self.bodies, strict=True) if i not in done]
        return Job([i for i, _ in kept], [b for _, b in kept], self.batch)

    @property
    def msg_id(self) -> str:
        """webhook-id: the alert id for one alert, else a digest of the group's alert ids
        (stable across retries and replays of the same job)."""
        if not self.batch:
            return self.alert_ids[0]
        digest = hashlib.sha256("|".join(sorted(self.alert_ids)).encode()).hexdigest()[:24]
        return "grp_" + digest

    def alerts(self) -> list[Alert]:
        return [Alert.model_validate_json(b) for b in self.bodies]


def digest_label(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} h"
    return f"{seconds // 60} min" if seconds % 60 == 0 else f"{seconds} s"


def webhook_body(job: Job) -> str:
    """The alert JSON for one alert; for a group, {"type": "alert_group", ...} with every
    alert of the group (same shape as on the alert stream)."""
    if not job.batch:
        return job.bodies[0]
    alerts = [json.loads(b) for b in job.bodies]
    return json.dumps(
        {"type": "alert_group", "id": job.msg_id, "group": job.batch,
         "alert_ids": job.alert_ids, "alerts": alerts}
    )  # fmt: skip


async def attempt_job(
    http: httpx.AsyncClient, sub: Subscription, job: Job, settings: Settings, digest_s: int = 0
) -> Outcome:
    """Check the target (DNS may have changed since it was added) and try once."""
    try:
        if sub.target == "apprise":
            await check_apprise_target_async(sub.url, settings.webhook_allow_private)
        else:
            await check_target_async(sub.url, settings.webhook_allow_private)
    except (ForbiddenTarget, TimeoutError) as exc:
        return Outcome("failed", "forbidden_target", str(exc) or "target check timed out")
    if sub.target == "webhook":
        return await attempt(http, sub, job.msg_id, webhook_body(job), settings.webhook_timeout_s)
    fmt = preferred_format(sub.url)
    label = digest_label(digest_s) if digest_s else None
    title, body = render(job.alerts(), fmt, settings.public_url, digest_of=label)
    sent = await send(sub.url, title, body, fmt, settings.webhook_timeout_s)
    if sent.ok:
        return Outcome("delivered", "delivered", sent.detail, sent.status)
    # Apprise does not tell a permanent failure from a passing one: every failure is retried
    # with backoff, then dead-lettered (and can be replayed).
    reason = f"apprise_{sent.status}" if sent.status else "apprise_failed"
    return Outcome("retry", reason, sent.detail, sent.status)
