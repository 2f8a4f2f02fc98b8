"""The word lists that drive claim extraction, loaded once from shared/data/claims/lexicon.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import srsly

LEXICON_PATH = Path(__file__).resolve().parent.parent / "data" / "claims" / "lexicon.yaml"


@dataclass(frozen=True)
class Lexicon:
    raw: dict[str, Any]
    # Rules ask for the same lists for every token; build each once (the lexicon never
    # changes after loading). `map` results are shared: callers must not mutate them.
    _sets: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _maps: dict[str, dict[str, str]] = field(default_factory=dict, repr=False, compare=False)

    def set(self, key: str) -> frozenset[str]:
        found = self._sets.get(key)
        if found is None:
            found = frozenset(str(x).lower() for x in self.raw.get(key, []))
            self._sets[key] = found
        return found

    def map(self, key: str) -> dict[str, str]:
        found = self._maps.get(key)
        if found is None:
            found = {str(k).lower(): str(v) for k, v in (self.raw.get(key) or {}).items()}
            self._maps[key] = found
        return found

    def pairs(self, key: str) -> list[tuple[str, str]]:
        return [(str(a), str(b)) for a, b in self.raw.get(key, [])]


@lru_cache(maxsize=4)
def load_lexicon(path: str | None = None) -> Lexicon:
    data = srsly.read_yaml(Path(path) if path else LEXICON_PATH)
    if not isinstance(data, dict):
        raise ValueError("claim lexicon must be a mapping")
    return Lexicon(raw=data)
