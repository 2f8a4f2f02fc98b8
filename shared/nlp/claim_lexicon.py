"""The word lists that drive claim extraction, loaded once from shared/data/claims/lexicon.yaml."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import srsly

LEXICON_PATH = Path(__file__).resolve().parent.parent / "data" / "claims" / "lexicon.yaml"


@dataclass(frozen=True)
class Lexicon:
    raw: dict[str, Any]

    def set(self, key: str) -> frozenset[str]:
        return frozenset(str(x).lower() for x in self.raw.get(key, []))

    def map(self, key: str) -> dict[str, str]:
        return {str(k).lower(): str(v) for k, v in (self.raw.get(key) or {}).items()}

    def pairs(self, key: str) -> list[tuple[str, str]]:
        return [(str(a), str(b)) for a, b in self.raw.get(key, [])]


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> Lexicon:
    data = srsly.read_yaml(Path(path) if path else LEXICON_PATH)
    if not isinstance(data, dict):
        raise ValueError("claim lexicon must be a mapping")
    return Lexicon(raw=data)
