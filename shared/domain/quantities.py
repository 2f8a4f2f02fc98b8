"""Number phrases as Quantity, and whether two quantities can describe the same count.

Pure Python: "at least 120", "about 1,000", "a dozen", "more than 5,000", "dozens",
"hundreds", "two", "1.2 million", "8%". Each quantity denotes an interval; two quantities
agree when their intervals, widened by a relative tolerance, overlap.
"""

from __future__ import annotations

import math
import re

from shared.domain.claims import Bound, Quantity

_UNITS = {
    "zero": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
    "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    "half": 0.5,
}  # fmt: skip
_SCALES = {
    "hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000,
    "lakh": 100_000, "crore": 10_000_000,
    "trillion": 1_000_000_000_000, "dozen": 12, "score": 20, "couple": 2,
    "bn": 1_000_000_000, "m": 1_000_000, "k": 1_000,
}  # fmt: skip
# Plural vague amounts: "dozens" = at least two dozen, below a few hundred, etc.
_VAGUE = {
    "dozens": (24.0, 144.0),
    "scores": (40.0, 200.0),
    "hundreds": (200.0, 1_000.0),
    "thousands": (2_000.0, 100_000.0),
    "tens of thousands": (20_000.0, 1_000_000.0),
    "hundreds of thousands": (200_000.0, 10_000_000.0),
    "millions": (2_000_000.0, 1e9),
}
_BOUND_CUES: list[tuple[str, Bound]] = [
    ("at least", Bound.AT_LEAST), ("more than", Bound.AT_LEAST), ("over", Bound.AT_LEAST),
    ("upwards of", Bound.AT_LEAST), ("in excess of", Bound.AT_LEAST),
    ("no fewer than", Bound.AT_LEAST), ("no less than", Bound.AT_LEAST),
    ("at most", Bound.AT_MOST), ("fewer than", Bound.AT_MOST), ("less than", Bound.AT_MOST),
    ("up to", Bound.AT_MOST), ("under", Bound.AT_MOST), ("no more than", Bound.AT_MOST),
    ("about", Bound.ABOUT), ("around", Bound.ABOUT), ("approximately", Bound.ABOUT),
    ("roughly", Bound.ABOUT), ("some", Bound.ABOUT), ("nearly", Bound.ABOUT),
    ("almost", Bound.ABOUT), ("close to", Bound.ABOUT), ("an estimated", Bound.ABOUT),
    ("estimated", Bound.ABOUT), ("approx.", Bound.ABOUT), ("just over", Bound.ABOUT),
    ("just under", Bound.ABOUT),
]  # fmt: skip
_BOUND_CUES.sort(key=lambda c: -len(c[0]))

ABOUT_TOLERANCE = 0.1  # "about 1,000" covers 900..1,100


def _words_to_number(words: list[str]) -> float | None:
    total = 0.0
    current = 0.0
    seen = False
    for w in words:
        if w in ("and", "-"):
            continue
        if re.fullmatch(r"\d+(\.\d+)?", w):
            current += float(w)
            seen = True
        elif w in _UNITS:
            current += _UNITS[w] if not (w in ("a", "an") and seen) else 0
            seen = True
        elif w in _SCALES:
            current = (current or 1) * _SCALES[w]
            if _SCALES[w] >= 1_000:
                total += current
                current = 0
            seen = True
        else:
            return None
    return total + current if seen else None


def parse_quantity(text: str, unit: str | None = None) -> Quantity | None:
    """Parse a number phrase; None when there is no number in it."""
    raw = text.strip()
    s = raw.lower().replace("\u2009", " ").replace("\xa0", " ")
    s = re.sub(r"\s+", " ", s)
    bound = Bound.EXACT
    for cue, b in _BOUND_CUES:
        if s.startswith(cue + " "):
            bound = b
            s = s[len(cue) + 1 :]
            break
    if s.endswith("%") or s.endswith(" percent") or s.endswith(" per cent"):
        unit = "%"
        s = re.sub(r"\s*(%|percent|per cent)$", "", s)
    s = s.lstrip("$€£").strip()
    for phrase, (lo, hi) in sorted(_VAGUE.items(), key=lambda kv: -len(kv[0])):
        if s == phrase or s.startswith(phrase + " "):
            return Quantity(value=lo, bound=Bound.AT_LEAST, upper=hi, unit=unit, text=raw)
    s = s.replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([a-z]+)?", s)
    if m:
        value = float(m.group(1))
        if m.group(2):
            if m.group(2) not in _SCALES:
                return None
            value *= _SCALES[m.group(2)]
        return Quantity(value=value, bound=bound, unit=unit, text=raw)
    words = re.findall(r"\d+(?:\.\d+)?|[a-z]+|-", s)
    spelled = _words_to_number(words)
    if spelled is None:
        return None
    return Quantity(value=spelled, bound=bound, unit=unit, text=raw)


# currency symbols, codes and words -> ISO code; an amount is only compared with amounts in
# the same currency ("€310m" and "310 million euros" are one amount, "$310m" is not)
_CURRENCIES = {
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    # the other dollars by their prefixes ("NT$744 billion", "A$2 million"); "T$" as the
    # wires use it, for Taiwan's
    "nt$": "TWD", "t$": "TWD", "hk$": "HKD", "a$": "AUD", "au$": "AUD", "nz$": "NZD",
    "s$": "SGD", "c$": "CAD", "ca$": "CAD", "r$": "BRL", "mx$": "MXN",
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "sterling": "GBP",
    "¥": "JPY", "jpy": "JPY", "yen": "JPY", "yuan": "CNY", "cny": "CNY", "renminbi": "CNY",
    "won": "KRW", "krw": "KRW", "rupees": "INR", "inr": "INR", "roubles": "RUB",
    "rubles": "RUB", "rub": "RUB", "francs": "CHF", "chf": "CHF", "lari": "GEL", "gel": "GEL",
    "zlotys": "PLN", "pln": "PLN", "lira": "TRY", "try": "TRY", "rand": "ZAR", "pesos": "MXN",
    "rs": "INR", "rupee": "INR", "reais": "BRL", "zloty": "PLN", "lei": "RON", "ron": "RON",
    "cfa": "XOF", "soles": "PEN", "naira": "NGN",
    "shillings": "KES", "birr": "ETB", "dirhams": "AED", "riyals": "SAR", "taka": "BDT",
    "kyat": "MMK", "hryvnias": "UAH", "forints": "HUF", "dinars": "RSD", "ksh": "KES", "sh": "KES",
    "kes": "KES", "peso": "MXN", "franc": "CHF", "rouble": "RUB", "ruble": "RUB",
    "shilling": "KES", "dirham": "AED", "riyal": "SAR", "dinar": "RSD", "rupiah": "IDR",
    "ringgit": "MYR", "baht": "THB", "cedis": "GHS", "cedi": "GHS", "kwacha": "ZMW",
    "tenge": "KZT", "som": "KGS", "somoni": "TJS", "manat": "AZN",
    "dong": "VND", "quetzales": "GTQ", "bolivianos": "BOB", "guarani": "PYG",
    # a Scandinavian or Czech amount is told in crowns or in the local word for them: one
    # unit, since a story names one country's crowns
    "crowns": "CROWN", "crown": "CROWN", "kroner": "CROWN", "krone": "CROWN",
    "kronor": "CROWN", "krona": "CROWN", "koruna": "CROWN", "korun": "CROWN",
    "nok": "CROWN", "sek": "CROWN", "dkk": "CROWN", "czk": "CROWN",
}  # fmt: skip
# a currency word stands alone or glued to its amount ("Rs11.3 billion", "KSh2.1bn")
_DOLLAR_PREFIXES = "|".join(k[:-1] for k in _CURRENCIES if k.endswith("$") and len(k) > 1)
_CURRENCY_RE = re.compile(
    r"((?:\b(?:" + _DOLLAR_PREFIXES + r"))?\$|[€£¥])|\b("
    + "|".join(sorted((k for k in _CURRENCIES if k.isalpha()), key=len, reverse=True))
    + r")(?:\b|(?=\d))"
)


def is_currency_word(word: str) -> bool:
    return word.lower() in _CURRENCIES


def parse_money(text: str) -> Quantity | None:
    """"$1.2 billion", "310 million euros", "EUR 95m": the amount with its currency as unit
    (None when no currency is named)."""
    low = text.lower()
    found = _CURRENCY_RE.search(low)
    if found is None:
        return None
    code = _CURRENCIES[found.group(1) or found.group(2)]
    rest = (low[: found.start()] + " " + low[found.end() :]).strip()
    q = parse_quantity(re.sub(r"\s+", " ", rest))
    if q is None:
        # "4.2 billion Norwegian crowns": the word naming whose currency it is
        before = low[: found.start()].split()
        q = parse_quantity(" ".join(before[:-1])) if len(before) > 1 else None
    if q is None:
        return None
    return q.model_copy(update={"unit": code, "text": text.strip()})


def interval(q: Quantity) -> tuple[float, float]:
    """The values a quantity admits, before tolerance."""
    v = q.value
    if q.upper is not None:
        return (v, q.upper)
    if q.bound == Bound.AT_LEAST:
        return (v, math.inf)
    if q.bound == Bound.AT_MOST:
        return (0.0, v)
    if q.bound == Bound.ABOUT:
        return (v * (1 - ABOUT_TOLERANCE), v * (1 + ABOUT_TOLERANCE))
    return (v, v)


# a unit's period, when an amount is for a stated period ("USD|quarterly")
PERIOD = "|"


def _unit_and_period(q: Quantity) -> tuple[str | None, str | None]:
    unit, _, period = (q.unit or "").partition(PERIOD)
    return unit or None, period or None


def two_periods(a: Quantity, b: Quantity) -> tuple[str, str] | None:
    """The two periods two amounts are stated for, when they differ ("quarterly", "annual")."""
    pa, pb = _unit_and_period(a)[1], _unit_and_period(b)[1]
    return (pa, pb) if pa and pb and pa != pb else None


def compatible(a: Quantity, b: Quantity, tolerance: float = 0.05,
               people: frozenset[str] = frozenset()) -> bool:  # fmt: skip
    """True when the two can be the same count, allowing `tolerance` relative slack
    (reporters round: "1,000" vs 1,012). With `people`, the groups of people a count of
    people holds: "at least 18 workers" is part of "seven people" and conflicts only if larger.
    Amounts for two stated periods (a quarter's, a year's) are never the same amount."""
    if two_periods(a, b):
        return True
    (ua, _), (ub, _) = _unit_and_period(a), _unit_and_period(b)
    a, b = a.model_copy(update={"unit": ua}), b.model_copy(update={"unit": ub})
    alo, ahi = interval(a)
    blo, bhi = interval(b)
    alo, ahi = alo * (1 - tolerance), ahi * (1 + tolerance)
    blo, bhi = blo * (1 - tolerance), bhi * (1 + tolerance)
    if (a.unit or None) != (b.unit or None):
        if (a.unit is None) != (b.unit is None) and (a.unit or b.unit) in people:
            part_lo, whole_hi = (blo, ahi) if a.unit is None else (alo, bhi)
            return part_lo <= whole_hi
        return True  # different units are not comparable here: never a conflict
    return alo <= bhi and blo <= ahi


def ratio(a: Quantity, b: Quantity) -> float:
    """How far apart two quantities are (>= 1), for severity."""
    x, y = max(a.value, 1e-9), max(b.value, 1e-9)
    return max(x, y) / min(x, y)


def describe(q: Quantity) -> str:
    if q.text:
        return q.text
    v = f"{q.value:,.0f}" if q.value == int(q.value) else f"{q.value:,}"
    prefix = {Bound.AT_LEAST: "at least ", Bound.AT_MOST: "at most ", Bound.ABOUT: "about "}
    return prefix.get(q.bound, "") + v
