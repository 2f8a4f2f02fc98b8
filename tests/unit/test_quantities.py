import pytest

from shared.domain.claims import Bound
from shared.domain.quantities import compatible, describe, parse_quantity, ratio


@pytest.mark.parametrize(
    ("text", "value", "bound"),
    [
        ("at least 120", 120, Bound.AT_LEAST),
        ("about 1,000", 1000, Bound.ABOUT),
        ("a dozen", 12, Bound.EXACT),
        ("two dozen", 24, Bound.EXACT),
        ("more than 5,000", 5000, Bound.AT_LEAST),
        ("two", 2, Bound.EXACT),
        ("Eleven", 11, Bound.EXACT),
        ("twenty-five", 25, Bound.EXACT),
        ("three hundred", 300, Bound.EXACT),
        ("1.2 million", 1_200_000, Bound.EXACT),
        ("up to 40", 40, Bound.AT_MOST),
        ("some 300", 300, Bound.ABOUT),
    ],
)
def test_parse(text: str, value: float, bound: Bound) -> None:
    q = parse_quantity(text)
    assert q is not None
    assert q.value == value
    assert q.bound == bound
    assert q.text == text


def test_percent_unit() -> None:
    q = parse_quantity("8%")
    assert q is not None and q.value == 8 and q.unit == "%"


def test_vague_plurals_have_ranges() -> None:
    dozens = parse_quantity("dozens")
    hundreds = parse_quantity("hundreds")
    assert dozens is not None and dozens.upper is not None and dozens.value == 24
    assert hundreds is not None and hundreds.value == 200 and hundreds.upper == 1000


def test_not_a_number() -> None:
    assert parse_quantity("the governor") is None


def q(text: str):  # type: ignore[no-untyped-def]
    value = parse_quantity(text)
    assert value is not None
    return value


@pytest.mark.parametrize(
    ("a", "b"),
    [("about 1,000", "1,012"), ("12", "a dozen"), ("at least 120", "250"),
     ("dozens", "40"), ("more than 300", "417"), ("1,000", "1,012")],
)
def test_compatible(a: str, b: str) -> None:
    assert compatible(q(a), q(b))
    assert compatible(q(b), q(a))


@pytest.mark.parametrize(
    ("a", "b"),
    [("at least 120", "40"), ("5,000", "500"), ("32", "more than 300"), ("hundreds", "12"),
     ("up to 10", "40")],
)
def test_incompatible(a: str, b: str) -> None:
    assert not compatible(q(a), q(b))
    assert not compatible(q(b), q(a))


def test_different_units_never_conflict() -> None:
    assert compatible(q("8%"), q("800"))


def test_ratio_and_describe() -> None:
    assert ratio(q("40"), q("120")) == 3
    assert describe(q("at least 120")) == "at least 120"


def test_money_carries_its_currency() -> None:
    from shared.domain.quantities import compatible, parse_money

    a, b = parse_money("310 million euros"), parse_money("€310m")
    assert a is not None and b is not None and a.unit == b.unit == "EUR"
    assert compatible(a, b)
    usd = parse_money("$310 million")
    assert usd is not None and usd.unit == "USD"
    assert compatible(a, usd)  # other currencies are never compared
    low = parse_money("95 million euros")
    assert low is not None and not compatible(a, low)
    assert parse_money("310 million") is None


def test_a_currency_glued_to_its_amount_is_read() -> None:
    from shared.domain.quantities import parse_money

    a, b = parse_money("Rs11.3 billion"), parse_money("Rs 11.3bn")
    assert a is not None and b is not None
    assert a.unit == b.unit == "INR" and a.value == b.value == 11.3e9
    assert parse_money("KSh2.1bn") is not None


def test_the_other_dollars_are_their_own_currencies() -> None:
    from shared.domain.quantities import compatible, parse_money

    nt, aud, nzd = parse_money("NT$744.3 billion"), parse_money("A$2 million"), \
        parse_money("NZ$13 million")
    assert nt is not None and nt.unit == "TWD" and nt.value == 744.3e9
    assert aud is not None and aud.unit == "AUD" and aud.value == 2e6
    assert nzd is not None and nzd.unit == "NZD"
    usd = parse_money("$2 million")
    assert usd is not None and usd.unit == "USD"
    assert compatible(aud, usd)  # two currencies are never one amount to compare
