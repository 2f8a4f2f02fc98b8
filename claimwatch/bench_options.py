"""What a bench run is asked to do: `Options`, the replica syntax, the cores to use."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import typer

from shared.settings import Settings

# The services' own default, so the bench measures what ships.
DEFAULT_BATCH: int = Settings.model_fields["entity_batch_size"].default


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass
class Options:
    corpus: Path | None = None
    articles: int | None = None
    replicas: dict[str, int] = field(default_factory=dict)
    batch_size: int = DEFAULT_BATCH
    soak_minutes: float = 0.0
    latency_seconds: float = 120.0
    quick: bool = False
    scale: list[int] = field(default_factory=list)
    check_sizes: tuple[int, int] = (1_000, 1_000_000)
    skip_limit: bool = False
    skip_check: bool = False
    timeout_s: float = 180.0


def parse_replicas(values: Sequence[str], default_entity: int) -> dict[str, int]:
    """`2` (entity workers) or `entity_worker=2,claim_worker=1`, repeatable."""
    from claimwatch.stack import SERVICES

    replicas = {"entity_worker": default_entity}
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if "=" not in part:
                replicas["entity_worker"] = int(part)
                continue
            name, count = part.split("=", 1)
            name = name.strip().replace("-", "_")
            if name not in SERVICES:
                raise typer.BadParameter(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
            replicas[name] = int(count)
    if any(v < 1 for v in replicas.values()):
        raise typer.BadParameter("replicas must be at least 1")
    return replicas
