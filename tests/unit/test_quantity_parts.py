"""A count of one group of people is part of a count of people (shared.domain.quantities)."""

from __future__ import annotations

from shared.domain.claims import Bound, Quantity
from shared.domain.quantities import compatible


def q(value: float, unit: str | None = None, bound: Bound = Bound.EXACT) -> Quantity:
    return Quantity(value=value, unit=unit, bound=bound)


def test_a_part_larger_than_the_whole_conflicts() -> None:
    assert not compatible(q(18, "worker", Bound.AT_LEAST), q(7), people=True)
    assert not compatible(q(7), q(18, "worker", Bound.AT_LEAST), people=True)


def test_a_part_within_the_whole_agrees() -> None:
    assert compatible(q(20, "soldier"), q(35), people=True)


def test_other_units_or_measures_are_never_compared() -> None:
    assert compatible(q(18, "worker"), q(7))  # not a count of people
    assert compatible(q(18, "worker"), q(7, "tonne"), people=True)  # two units, neither people


def test_one_unit_still_compares_by_value() -> None:
    assert not compatible(q(31), q(14), people=True)
    assert compatible(q(12), q(12, bound=Bound.ABOUT), people=True)
