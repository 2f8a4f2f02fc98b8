"""Resolve relative time expressions against an article's publication time.

Pure Python. `resolve(text, published_at)` gives a TimeSpan (first and last day) or None:
"on Tuesday" -> the most recent Tuesday on or before publication, "Monday's earthquake",
"yesterday", "next month", "in June", "12 March", "March 12, 2025", "by the end of the year".
For future-looking statements (schedules) pass prefer_future=True: "in June" written in
May means this June, "12 March" written in December means next March.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = {
    name: i
    for i, name in enumerate(calendar.month_name)
    if name
} | {name[:3]: i for i, name in enumerate(calendar.month_name) if name} | {"sept": 9}
MONTHS = {k.lower(): v for k, v in MONTHS.items()}
_MONTH_RE = "|".join(sorted(MONTHS, key=len, reverse=True))


@dataclass(frozen=True)
class TimeSpan:
    start: date
    end: date
    text: str = ""

    @property
    def is_day(self) -> bool:
        return self.start == self.end

    def overlaps(self, other: TimeSpan) -> bool:
        return self.start <= other.end and other.start <= self.end


def _month_span(year: int, month: int, text: str) -> TimeSpan:
    last = calendar.monthrange(year, month)[1]
    return TimeSpan(date(year, month, 1), date(year, month, last), text)


def _pick_year(month: int, day: int, ref: date, prefer_future: bool) -> int:
    year = ref.year
    try:
        candidate = date(year, month, day)
    except ValueError:
        return year
    if prefer_future and candidate < ref - timedelta(days=31):
        return year + 1
    if not prefer_future and candidate > ref + timedelta(days=31):
        return year - 1
    return year


def resolve(text: str, published_at: datetime, prefer_future: bool = False) -> TimeSpan | None:
    """Resolve one time expression; None when it names no calendar time."""
    ref = published_at.date()
    s = text.lower().strip()
    s = re.sub(r"['’]s\b", "", s)
    s = re.sub(r"^(on|in|by|for|from|since|until|during|at|early|late)\s+", "", s)
    s = re.sub(r"^(on|in|by|for)\s+", "", s)
    s = s.strip(" ,.")
    # "Sunday, 5 October": the date decides; the weekday only repeats it
    s = re.sub(r"^(?:" + "|".join(WEEKDAYS) + r"),? (?=\d|" + _MONTH_RE + r")", "", s)

    if s in ("today", "tonight", "this morning", "this afternoon", "this evening"):
        return TimeSpan(ref, ref, text)
    if s in ("yesterday", "last night"):
        d = ref - timedelta(days=1)
        return TimeSpan(d, d, text)
    if s == "tomorrow":
        d = ref + timedelta(days=1)
        return TimeSpan(d, d, text)

    m = re.fullmatch(r"(last |next |this )?(" + "|".join(WEEKDAYS) + r")( (morning|afternoon|"
                     r"evening|night))?", s)  # fmt: skip
    if m:
        target = WEEKDAYS.index(m.group(2))
        qualifier = (m.group(1) or "").strip()
        delta = (ref.weekday() - target) % 7
        if qualifier == "next" or (prefer_future and not qualifier and delta):
            d = ref + timedelta(days=(target - ref.weekday()) % 7 or 7)
        else:
            d = ref - timedelta(days=delta)
            if qualifier == "last" and delta == 0:
                d -= timedelta(days=7)
        return TimeSpan(d, d, text)

    if s in ("next month", "later this month", "this month", "last month"):
        y, mth = ref.year, ref.month
        if s == "next month":
            y, mth = (y + 1, 1) if mth == 12 else (y, mth + 1)
        elif s == "last month":
            y, mth = (y - 1, 12) if mth == 1 else (y, mth - 1)
        return _month_span(y, mth, text)

    m = re.fullmatch(r"(?:the )?end of (?:the |this )?(year|month)", s)
    if m:
        if m.group(1) == "year":
            return TimeSpan(date(ref.year, 12, 1), date(ref.year, 12, 31), text)
        last = calendar.monthrange(ref.year, ref.month)[1]
        return TimeSpan(date(ref.year, ref.month, max(1, last - 9)),
                        date(ref.year, ref.month, last), text)  # fmt: skip
    if s in ("next year",):
        return TimeSpan(date(ref.year + 1, 1, 1), date(ref.year + 1, 12, 31), text)
    if s in ("this year", "later this year"):
        return TimeSpan(date(ref.year, 1, 1), date(ref.year, 12, 31), text)

    # "22-23 May", "May 22-23": a span of days
    m = re.fullmatch(r"(\d{1,2})\s*[-–]\s*(\d{1,2}) (" + _MONTH_RE + r")\.?,?(?: (\d{4}))?", s)
    m2 = m or re.fullmatch(
        r"(" + _MONTH_RE + r")\.? (\d{1,2})\s*[-–]\s*(\d{1,2}),?(?: (\d{4}))?", s
    )
    if m2:
        if m:
            d1, d2, month = int(m.group(1)), int(m.group(2)), MONTHS[m.group(3)]
        else:
            month, d1, d2 = MONTHS[m2.group(1)], int(m2.group(2)), int(m2.group(3))
        year_text = m2.group(4)
        year = int(year_text) if year_text else _pick_year(month, d1, ref, prefer_future)
        try:
            return TimeSpan(date(year, month, d1), date(year, month, d2), text)
        except ValueError:
            return None

    # 25/03/2025, 25.03.2025: day first unless that is impossible; 03/04/2025 is left alone
    m = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", s)
    if m:
        a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if a <= 12 and b <= 12 and a != b:
            return None  # day and month cannot be told apart
        day, month = (a, b) if b <= 12 else (b, a)
        try:
            d = date(year, month, day)
        except ValueError:
            return None
        return TimeSpan(d, d, text)

    # 12 March [2025] / March 12[, 2025] / 12th of March
    m = re.fullmatch(
        r"(\d{1,2})(?:st|nd|rd|th)?(?: of)? (" + _MONTH_RE + r")\.?,?(?: (\d{4}))?", s
    ) or None
    day_first = True
    if not m:
        m = re.fullmatch(
            r"(" + _MONTH_RE + r")\.? (\d{1,2})(?:st|nd|rd|th)?,?(?: (\d{4}))?", s
        )
        day_first = False
    if m:
        if day_first:
            day, month = int(m.group(1)), MONTHS[m.group(2)]
        else:
            month, day = MONTHS[m.group(1)], int(m.group(2))
        year = int(m.group(3)) if m.group(3) else _pick_year(month, day, ref, prefer_future)
        try:
            d = date(year, month, day)
        except ValueError:
            return None
        return TimeSpan(d, d, text)

    found = _part_of_month(s, ref, prefer_future, text)
    if found is not None:
        return found

    m = re.fullmatch(r"(?:early |mid-?|late )?(" + _MONTH_RE + r")\.?(?:,? (\d{4}))?", s)
    if m:
        month = MONTHS[m.group(1)]
        if m.group(2):
            year = int(m.group(2))
        else:
            year = ref.year
            if prefer_future and month < ref.month:
                year += 1
            if not prefer_future and month > ref.month:
                year -= 1
        return _month_span(year, month, text)

    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
        return TimeSpan(d, d, text)
    return None


_ORDINALS = {"first": 0, "second": 1, "third": 2, "fourth": 3, "last": -1}


def _month_year(month: int, year_text: str | None, ref: date, prefer_future: bool) -> int:
    if year_text:
        return int(year_text)
    if prefer_future and month < ref.month:
        return ref.year + 1
    if not prefer_future and month > ref.month:
        return ref.year - 1
    return ref.year


def _part_of_month(s: str, ref: date, prefer_future: bool, text: str) -> TimeSpan | None:
    """"the end of March" (its last ten days), "the start of June" (its first ten), "the
    first Monday of June" (that day)."""
    m = re.fullmatch(r"(?:the )?(end|close|start|beginning|middle) of (" + _MONTH_RE
                     + r")\.?(?:,? (\d{4}))?", s)  # fmt: skip
    if m:
        month = MONTHS[m.group(2)]
        year = _month_year(month, m.group(3), ref, prefer_future)
        last = calendar.monthrange(year, month)[1]
        first, final = {"end": (last - 9, last), "close": (last - 9, last),
                        "middle": (11, 20)}.get(m.group(1), (1, 10))  # fmt: skip
        return TimeSpan(date(year, month, first), date(year, month, final), text)
    m = re.fullmatch(r"(?:the )?(" + "|".join(_ORDINALS) + r") (" + "|".join(WEEKDAYS)
                     + r") (?:of|in) (" + _MONTH_RE + r")\.?(?:,? (\d{4}))?", s)  # fmt: skip
    if m:
        month = MONTHS[m.group(3)]
        year = _month_year(month, m.group(4), ref, prefer_future)
        weekday = WEEKDAYS.index(m.group(2))
        days = [d for d in range(1, calendar.monthrange(year, month)[1] + 1)
                if date(year, month, d).weekday() == weekday]  # fmt: skip
        d = date(year, month, days[_ORDINALS[m.group(1)]])
        return TimeSpan(d, d, text)
    return None


def state_time(text: str | None, published_at: datetime) -> datetime:
    """When a stated state holds: the day the text gives, else publication time."""
    if not text:
        return published_at
    span = resolve(text, published_at)
    if span is None or not span.is_day or span.start >= published_at.date():
        return published_at  # a future date is when something is planned, not a state
    return datetime.combine(span.start, datetime.min.time(), published_at.tzinfo).replace(
        hour=12
    )
