"""One id scheme for every entity the extractor or the linker names.

An id is `<kind>:<key>` (optionally `@<anchor id>`): "person:efrain-castaneda",
"org:norvik-energy", "event:earthquake@geo:703845". The key is the one normalisation of a
name used everywhere, so that one entity never gets two ids (earlier, three slug functions
disagreed: "Castañeda" gave `castaneda` and `casta-eda`, "Anna Berg" gave `anna-berg` and
`ana-berg`, and the two claims about one person never met).
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.domain.entities import EntityRef

_LEADING = re.compile(r"^(the|a|an)\s+")
_POSSESSIVE = re.compile(r"['’]s\b")
_NONWORD = re.compile(r"[^a-z0-9]+")
_DOUBLED = re.compile(r"([a-z])\1+")
# legal forms are not part of an organisation's identity: "Deccan Polymers Ltd" is
# "Deccan Polymers" in the next report
_LEGAL_FORM = re.compile(
    r"(-(ltd|limited|inc|incorporated|corp|corporation|plc|llc|sa|ag|nv|bv|gmbh|spa|"
    r"oyj|asa|ab|co|pjsc|jsc|ojsc|tbk|bhd|sdn))+$"
)
# the legal forms written before the name: Indonesia's "PT Vale Indonesia" is Vale Indonesia
_LEGAL_PREFIX = re.compile(r"^(pt|pt-tbk)-(?=.)")


def _ascii(text: str) -> str:
    try:  # unidecode folds more than NFKD ("ł" -> "l"); it is a dependency of the linker
        from unidecode import unidecode

        return str(unidecode(text))
    except ImportError:  # pragma: no cover
        return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def name_key(name: str) -> str:
    """Lower-case ASCII words joined by hyphens, no leading article or possessive, doubled
    letters collapsed (transliteration variants: Severodonnetsk = Severodonetsk)."""
    t = _LEADING.sub("", _ascii(name).lower().strip())
    t = _POSSESSIVE.sub("", t)
    t = _NONWORD.sub("-", t).strip("-")
    return _DOUBLED.sub(r"\1", t) or "unknown"


def entity_id(kind: str, name: str, anchor: str | None = None) -> str:
    """`kind:key` for a name, `kind:key@anchor` for one keyed on another entity."""
    key = name_key(name)
    if kind == "org":
        key = _LEGAL_PREFIX.sub("", _LEGAL_FORM.sub("", key)) or key
    base = f"{kind}:{key}"
    return f"{base}@{anchor}" if anchor else base


def anchored_id(base: str, anchor: str) -> str:
    """An id already made (an event's head, a thing) keyed on another entity's id."""
    return f"{base}@{anchor}"


# ids a claim about a place or a person is compared under: the name, not the link. One
# report links "Léré" to the gazetteer and the next does not; one names "Cheikh Tidiane
# Ndour" and the next "Ndour". Keyed by the linker's id, their claims never met.
_PLACE_LINKED = re.compile(r"^(geo|name):[^@]+$")
# "Renk county" is "Renk", "Chota province" "Chota": a place's key without the word for its
# kind (two linked places of one name, a city and its province, stay apart by their links)
_PLACE_KIND = re.compile(r"-(county|district|province|state|region|city|town|village|"
                         r"municipality|oblast|governorate|prefecture|department|territory)$")


def keyed_by_name(ref: EntityRef) -> EntityRef:
    """A place subject as `place:<name key>`, a person as `person:<surname key>`, with the
    id it had kept in `linked`; anything else as it is. `shared.domain.contradiction`
    compares two such subjects only when their links and names agree."""
    if ref.linked is not None:
        return ref
    kind = ref.type.value
    if kind == "place" and _PLACE_LINKED.match(ref.id):
        name = name_key(ref.name)
        key = f"place:{_PLACE_KIND.sub('', name) or name}"
    elif kind == "person" and ref.id.startswith("person:"):
        words = name_key(ref.name).split("-")
        key = f"person:{words[-1]}"
    elif kind == "org" and ref.id.startswith("org:") and (short := initials(ref.name)):
        key = f"org:{short}"  # "Nepal Oil Corporation" and "NOC"
    else:
        return ref
    linked = ref.id if ref.id.startswith("geo:") or kind == "person" else None
    return ref.model_copy(update={"id": key, "linked": linked or ref.id})


# words an organisation's initials leave out ("Yacimientos de Litio Bolivianos": YLB)
_NAME_PARTICLES = frozenset(["of", "de", "del", "la", "las", "los", "el", "the", "and", "for",
                             "y", "et", "du", "des", "da", "do", "di", "van", "von"])


_LEGAL_FORMS = frozenset(["ltd", "limited", "inc", "plc", "llc", "sa", "s.a", "ag", "nv", "bv",
                          "gmbh", "spa", "pjsc", "jsc", "ojsc"])


def without_legal_form(words: list[str]) -> list[str]:
    """A name's words without its legal form ("Kalahari Platinum Ltd.": two words)."""
    end = len(words)
    while end and words[end - 1].lower().rstrip(".") in _LEGAL_FORMS:
        end -= 1
    return words[:end]


def initials(name: str) -> str | None:
    """The initials an organisation goes by: an acronym as written ("NOC"), or those of a
    name of three or more capitalised words ("Nepal Oil Corporation": "noc"); None for any
    other name (one or two words are read as the name itself)."""
    words = without_legal_form([w for w in re.split(r"[\s\-]+", name.strip()) if w])
    if len(words) == 1 and re.fullmatch(r"[A-Z]{2,6}", words[0]):
        return words[0].lower()
    core = [w for w in words if w.lower() not in _NAME_PARTICLES]
    if len(core) < 3 or not all(w[:1].isupper() for w in core):
        return None
    return "".join(w[0] for w in core).lower()
