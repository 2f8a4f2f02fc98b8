"""Messages of the notifier: one entry of the alert stream."""

from __future__ import annotations

from pydantic import BaseModel, Json

from shared.domain.alerts import Alert


class AlertEntry(BaseModel):
    """The alert stream's fields; `alert` is the alert as a JSON string."""

    id: str
    kind: str
    severity: str
    store: str
    alert: Json[Alert]
