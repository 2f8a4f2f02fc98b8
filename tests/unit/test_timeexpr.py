from datetime import UTC, date, datetime

from shared.domain.timeexpr import resolve, state_time

FRIDAY = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)  # a Friday


def test_weekday_is_most_recent_on_or_before() -> None:
    span = resolve("on Tuesday", FRIDAY)
    assert span is not None and span.start == date(2025, 4, 29) and span.is_day
    same = resolve("on Friday", FRIDAY)
    assert same is not None and same.start == date(2025, 5, 2)


def test_possessive_weekday() -> None:
    span = resolve("Monday's", datetime(2024, 3, 6, 6, tzinfo=UTC))  # a Wednesday
    assert span is not None and span.start == date(2024, 3, 4)


def test_next_month_is_a_period() -> None:
    span = resolve("next month", FRIDAY)
    assert span is not None
    assert (span.start, span.end) == (date(2025, 6, 1), date(2025, 6, 30))
    assert not span.is_day


def test_in_june_future_and_past() -> None:
    future = resolve("in June", FRIDAY, prefer_future=True)
    assert future is not None and future.start == date(2025, 6, 1)
    past = resolve("in June", FRIDAY)
    assert past is not None and past.start == date(2024, 6, 1)


def test_day_month_both_orders() -> None:
    a = resolve("12 March", datetime(2025, 1, 20, tzinfo=UTC), prefer_future=True)
    b = resolve("March 12", datetime(2025, 1, 20, tzinfo=UTC), prefer_future=True)
    assert a is not None and b is not None and a.start == b.start == date(2025, 3, 12)
    nxt = resolve("12 March", datetime(2025, 12, 1, tzinfo=UTC), prefer_future=True)
    assert nxt is not None and nxt.start == date(2026, 3, 12)


def test_end_of_year() -> None:
    span = resolve("by the end of the year", FRIDAY)
    assert span is not None and span.end == date(2025, 12, 31) and span.start.month == 12


def test_no_time() -> None:
    assert resolve("the governor", FRIDAY) is None


def test_state_time_defaults_to_publication() -> None:
    assert state_time(None, FRIDAY) == FRIDAY
    assert state_time("on Friday", FRIDAY) == FRIDAY
    earlier = state_time("on Tuesday", FRIDAY)
    assert earlier.date() == date(2025, 4, 29)
    # a future date says when something is planned, not when a state holds
    assert state_time("tomorrow", FRIDAY) == FRIDAY


def test_weekday_prefixed_numeric_and_ranges() -> None:
    from datetime import UTC, date, datetime

    from shared.domain.timeexpr import resolve

    ref = datetime(2025, 6, 17, 9, tzinfo=UTC)

    def day(text: str) -> tuple[date, date] | None:
        span = resolve(text, ref, prefer_future=True)
        return None if span is None else (span.start, span.end)

    assert day("on Sunday, 5 October") == (date(2025, 10, 5), date(2025, 10, 5))
    assert day("25/03/2026") == (date(2026, 3, 25), date(2026, 3, 25))
    assert day("03/04/2026") is None  # 3 April or 4 March: not guessed
    assert day("May 22-23, 2026") == (date(2026, 5, 22), date(2026, 5, 23))
    assert day("22-23 May") == (date(2025, 5, 22), date(2025, 5, 23))
