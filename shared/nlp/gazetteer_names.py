"""How the gazetteer reads a place name: the lookup key (`norm`), administrative suffixes
("Luhansk Oblast" -> "luhansk"), and which GeoNames alternate names are worth indexing. Both
the index build and the lookups use these, so a name and its query always agree."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_unidecode_impl: Callable[..., str] | None
try:  # unidecode comes with localis; fall back to NFKD stripping without it
    from unidecode import unidecode as _unidecode_impl
except ImportError:  # pragma: no cover
    _unidecode_impl = None


def _unidecode(s: str) -> str:
    if _unidecode_impl is not None:
        return str(_unidecode_impl(s))
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


# Words that turn a name into an administrative area: "Luhansk region", "Bryansk Oblast".
ADMIN_SUFFIXES = frozenset({
    "region", "oblast", "oblast'", "province", "state", "county", "governorate", "prefecture",
    "district", "raion", "rayon", "krai", "kray", "canton", "department", "departement",
    "territory", "voivodeship", "municipality", "okrug", "parish", "emirate", "wilaya",
    "regions", "provinces", "oblasts",
})
_ADMIN_PREFIX_RE = re.compile(
    r"^(?:the )?(?:region|province|state|canton|department|governorate|prefecture|oblast)"
    r" of ",
)
_APOS_RE = re.compile(r"[’'`ʼ‘´]")
_SEP_RE = re.compile(r"[\-‐‑–—/.,_()]+")
_NONWORD_RE = re.compile(r"[^0-9a-z ]+")
_WS_RE = re.compile(r"\s+")


def norm(name: str) -> str:
    """Lookup key: ASCII, lower case, no apostrophes or punctuation, no leading 'the'."""
    s = _unidecode(name).lower()
    s = _APOS_RE.sub("", s)
    s = _SEP_RE.sub(" ", s)
    s = _NONWORD_RE.sub("", s)
    s = _WS_RE.sub(" ", s).strip()
    if s.startswith("the "):
        s = s[4:]
    return s


def strip_admin_suffix(key: str) -> tuple[str, bool]:
    """'luhansk oblast' -> ('luhansk', True); 'region of murcia' -> ('murcia', True)."""
    m = _ADMIN_PREFIX_RE.match(key)
    if m and len(key) > m.end():
        return key[m.end():], True
    parts = key.split(" ")
    if len(parts) >= 2 and parts[-1] in ADMIN_SUFFIXES:
        return " ".join(parts[:-1]), True
    return key, False


def _is_latin(name: str) -> bool:
    return all(ord(c) < 0x250 or unicodedata.category(c)[0] != "L" for c in name)


def _usable_alt(name: str, primary: str) -> bool:
    """Alternate names worth indexing: Latin script, not auto-romanised, not codes, and
    short ones only when they look like a spelling of the primary name."""
    if len(name) < 3 or not _is_latin(name):
        return False
    if name == name.lower():  # GeoNames' machine romanisations ("ba li", "pari")
        return False
    if name.isupper() and len(name) <= 4:  # IATA-like codes ("PAR", "SEV")
        return False
    return len(name) >= 5 or norm(name)[:2] == norm(primary)[:2]
