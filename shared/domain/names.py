"""Whether two names are one entity: one person named in full and by surname or without a
middle name, two places of one name that the linker told apart. Used by the judges for
subjects keyed by name (`ids.keyed_by_name`) and for an office's holders."""

from __future__ import annotations

from shared.domain.entities import EntityRef, EntityType
from shared.domain.ids import without_legal_form


def two_entities(a: EntityRef, b: EntityRef) -> bool:
    """Subjects keyed by name (ids.keyed_by_name) that are not one entity: two places the
    linker told apart ("Paris", France and "Paris", Texas), two people whose names differ
    beyond one being part of the other ("Ndour" is "Cheikh Tidiane Ndour"; "Amina Ndour"
    is not "Cheikh Ndour")."""
    la, lb = a.linked or "", b.linked or ""
    if la.startswith("geo:") and lb.startswith("geo:") and la != lb:
        return True
    if a.type == EntityType.PERSON and b.type == EntityType.PERSON:
        if a.born is not None and b.born is not None and abs(a.born - b.born) > 1:
            return True  # "Diarra, 34" and "Diarra, 61": two men of one name
        return not one_person(a.name, b.name)
    if a.type == EntityType.ORG and b.type == EntityType.ORG:
        # one set of initials, two names written out: "National Oil Company" is not
        # "Nepal Oil Corporation"; an acronym may be either
        wa, wb = (without_legal_form(name_words(x)) for x in (a.name, b.name))
        return len(wa) > 1 and len(wb) > 1 and wa != wb
    return False


def one_person(a: str, b: str) -> bool:
    """"Obama" and "Barack Obama": the shorter name is the end of the longer one; "James J.
    Murren" and "James Murren": the same name without its middle initials."""
    wa, wb = (name_words(x) for x in (a, b))
    short, long = sorted((wa, wb), key=len)
    if not short:
        return False
    if long[-len(short):] == short:
        return True
    if len(short) >= 2 and long[: len(short)] == short:
        return True  # "Iñaky Blanco" and "Iñaky Blanco Cabrera": a second surname dropped
    if len(short) >= 2 and short[0] == long[0] and short[-1] == long[-1] and _within(short,
                                                                                     long):
        return True  # "Mahmoud el-Sherif" and "Mahmoud Fathi el-Sherif": a middle name
    return [w for w in long if len(w) > 1] == [w for w in short if len(w) > 1]


def _within(short: list[str], long: list[str]) -> bool:
    """The words of `short` in `long`, in order (others between them)."""
    rest = iter(long)
    return all(w in rest for w in short)


def name_words(name: str) -> list[str]:
    """Lower-case words of a name without dots or a possessive ("Tim Cook's" = "Tim Cook")."""
    words = name.lower().replace(".", " ").replace("’", "'").split()
    return [w[:-2] if w.endswith("'s") else w for w in words]

