"""The comparison policy: the windows of the relation registry
(`shared/data/claims/relations.yaml`) and the tolerances of `shared/data/claims/policy.json`,
read once. Pure data for the judges in `shared.domain.contradiction`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import srsly

POLICY_PATH = Path(__file__).resolve().parent.parent / "data" / "claims" / "policy.json"
RELATIONS_PATH = POLICY_PATH.with_name("relations.yaml")  # the relation registry


def relation_windows(path: Path | str = RELATIONS_PATH) -> dict[str, float | None]:
    """Window (hours) per relation family, from the relation registry."""
    data = srsly.read_yaml(Path(path))
    windows: dict[str, float | None] = {"default": 48.0}
    for name, spec in data["relations"].items():
        hours = spec.get("window_hours")
        windows[name] = None if hours is None else float(hours)
    return windows


@lru_cache(maxsize=2)
def one_alert_per_sentence(path: Path | str = RELATIONS_PATH) -> frozenset[str]:
    """Relation families whose claims of one sentence are one conflict however many keys
    they stand under (an act keyed on each of its parties): `per_sentence` in the registry."""
    data = srsly.read_yaml(Path(path))
    return frozenset(n for n, spec in data["relations"].items() if spec.get("per_sentence"))


@dataclass(frozen=True)
class Policy:
    windows_hours: dict[str, float | None] = field(default_factory=lambda: {"default": 48.0})
    quantity_tolerance: float = 0.05
    quantity_high_ratio: float = 2.0
    monotone_measures: frozenset[str] = frozenset()
    # how long after a report a cumulative count that fell is still a conflict: later, a
    # lower toll keyed on a region is more likely another incident than a correction
    fall_window_hours: float | None = None
    people_measures: frozenset[str] = frozenset()
    people_groups: frozenset[str] = frozenset()
    status_groups: tuple[frozenset[str], ...] = ()
    acts_without_object: frozenset[str] = frozenset()
    # measures reported to a tenth, where 5 % is a different event ("magnitude 5.8 / 6.4")
    measure_tolerances: dict[str, float] = field(default_factory=dict)
    # a measure's own window (a company's profit for a period is reported once)
    measure_windows: dict[str, float] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | str = POLICY_PATH,
             relations: Path | str = RELATIONS_PATH) -> Policy:  # fmt: skip
        data = json.loads(Path(path).read_text())
        return cls(
            windows_hours=relation_windows(relations),
            quantity_tolerance=float(data.get("quantity_tolerance", 0.05)),
            quantity_high_ratio=float(data.get("quantity_high_ratio", 2.0)),
            monotone_measures=frozenset(data.get("monotone_measures", [])),
            fall_window_hours=(None if data.get("fall_window_hours") is None
                               else float(data["fall_window_hours"])),
            people_measures=frozenset(data.get("people_measures", [])),
            people_groups=frozenset(data.get("people_groups", [])),
            status_groups=tuple(frozenset(g) for g in data.get("status_groups", [])),
            acts_without_object=frozenset(data.get("acts_without_object", [])),
            measure_tolerances={k: float(v) for k, v in data.get("measure_tolerances",
                                                                 {}).items()},
            measure_windows={k: float(v) for k, v in data.get("measure_windows_hours",
                                                              {}).items()},
        )

    def window(self, relation: str) -> float | None:
        family, _, measure = relation.partition(":")
        base = measure.split()[-1] if measure else ""  # "quarterly profit" is a profit
        if base in self.measure_windows:
            return self.measure_windows[base]
        if family in self.windows_hours:
            return self.windows_hours[family]
        return self.windows_hours.get("default", 48.0)


_DEFAULT: Policy | None = None


def default_policy() -> Policy:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Policy.load()
    return _DEFAULT
