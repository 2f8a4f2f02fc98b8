"""A count of one group of people is part of a count of people (shared.domain.quantities)."""

from __future__ import annotations

from shared.domain.claims import Bound, Quantity
from shared.domain.quantities import compatible

GROUPS = frozenset({"worker", "soldier"})


def q(value: float, unit: str | None = None, bound: Bound = Bound.EXACT) -> Quantity:
    return Quantity(value=value, unit=unit, bound=bound)


def test_a_part_larger_than_the_whole_conflicts() -> None:
    assert not compatible(q(18, "worker", Bound.AT_LEAST), q(7), people=GROUPS)
    assert not compatible(q(7), q(18, "worker", Bound.AT_LEAST), people=GROUPS)


def test_a_part_within_the_whole_agrees() -> None:
    assert compatible(q(20, "soldier"), q(35), people=GROUPS)


def test_other_units_or_measures_are_never_compared() -> None:
    assert compatible(q(18, "worker"), q(7))  # not a count of people
    assert compatible(q(7, "leader"), q(3), people=GROUPS)  # leaders are not a part counted
    assert compatible(q(18, "worker"), q(7, "tonne"), people=GROUPS)  # two units, neither people


def test_one_unit_still_compares_by_value() -> None:
    assert not compatible(q(31), q(14), people=GROUPS)
    assert compatible(q(12), q(12, bound=Bound.ABOUT), people=GROUPS)


def test_amounts_for_two_stated_periods_are_never_one_amount() -> None:
    quarter, year, bare = q(1.2e9, "USD|quarterly"), q(4.1e9, "USD|annual"), q(3.3e9, "USD")
    assert compatible(quarter, year)
    assert not compatible(quarter, bare)  # no period word: compared with either
    assert not compatible(q(1.2e9, "USD|quarterly"), q(2.0e9, "USD|quarterly"))
    assert compatible(q(1.2e9, "USD|quarterly"), q(1.2e9, "EUR"))  # two currencies
