"""How two places relate, from the ids, ancestors, overlaps and ranks the linker gives.

Pure Python. Containment is never a conflict (Geneva within Switzerland); a VAGUE place
("eastern Ukraine") overlaps whatever shares its country and never excludes, unless it is
part of a region ("northern Shan State" excludes Kachin State); an org-like
place that overlaps regions (the DPR claims Donetsk Oblast) is judged through those regions.
Places we know too little about (unlinked "name:" ids without ancestors) relate as UNKNOWN,
which is never a conflict either.
"""

from __future__ import annotations

from enum import StrEnum

from shared.domain.entities import EntityRef, PlaceRank


class PlaceRelation(StrEnum):
    SAME = "same"
    CONTAINS = "contains"  # a contains b
    WITHIN = "within"  # a lies within b
    OVERLAPS = "overlaps"
    DISJOINT = "disjoint"
    UNKNOWN = "unknown"


_RANK_ORDER = {
    PlaceRank.CONTINENT: 0,
    PlaceRank.COUNTRY: 1,
    PlaceRank.ADMIN1: 2,
    PlaceRank.ADMIN2: 3,
    PlaceRank.CITY: 4,
}


def _chain(p: EntityRef) -> tuple[str, ...]:
    return (p.id, *p.ancestors)


def _known(p: EntityRef) -> bool:
    """Enough is known to say what the place excludes."""
    if p.rank is None or p.rank == PlaceRank.VAGUE:
        return False
    if p.rank in (PlaceRank.COUNTRY, PlaceRank.CONTINENT):
        return True
    return bool(p.ancestors) or p.country is not None


def _country_of(p: EntityRef) -> str | None:
    if p.country:
        return p.country.upper()
    return None


def may_lie_in(place: EntityRef, container: EntityRef) -> bool:
    """False when the ranks rule it out: a country or a region never lies in a town
    ("the defeat by Australia in Sydney" says where the match was, not where Australia is).
    A district may lie in a city, so only the coarse ranks are checked."""
    rp = _RANK_ORDER.get(place.rank) if place.rank else None
    rc = _RANK_ORDER.get(container.rank) if container.rank else None
    if rp is None or rc is None or rp > _RANK_ORDER[PlaceRank.ADMIN1]:
        return True
    return rc <= rp


def relate(a: EntityRef, b: EntityRef) -> PlaceRelation:
    """Relation of place `a` to place `b`."""
    if a.id == b.id:
        return PlaceRelation.SAME
    if b.id in a.ancestors:
        return PlaceRelation.WITHIN
    if a.id in b.ancestors:
        return PlaceRelation.CONTAINS
    if a.overlaps or b.overlaps:
        return _relate_overlapping(a, b)
    if a.rank == PlaceRank.VAGUE or b.rank == PlaceRank.VAGUE:
        return _relate_vague(a, b)
    if not (_known(a) and _known(b)):
        ca, cb = _country_of(a), _country_of(b)
        if ca and cb and ca != cb:
            return PlaceRelation.DISJOINT
        return PlaceRelation.UNKNOWN
    # Both placed in the hierarchy and neither contains the other.
    ca, cb = _country_of(a), _country_of(b)
    if ca and cb and ca != cb:
        return PlaceRelation.DISJOINT
    ra = _RANK_ORDER.get(a.rank) if a.rank else None
    rb = _RANK_ORDER.get(b.rank) if b.rank else None
    if ra is not None and rb is not None:
        # The finer place's chain would have listed the coarser one if it contained it.
        finer = a if ra >= rb else b
        if ra == rb or finer.ancestors:
            return PlaceRelation.DISJOINT
    return PlaceRelation.UNKNOWN


def _relate_vague(a: EntityRef, b: EntityRef) -> PlaceRelation:
    ca, cb = _country_of(a), _country_of(b)
    if ca and cb and ca != cb:
        return PlaceRelation.DISJOINT
    vague, other = (a, b) if a.rank == PlaceRank.VAGUE else (b, a)
    within = vague.ancestors[:-1]  # "northern Shan State" lies within Shan State
    if other.rank != PlaceRank.VAGUE and within and _placed_below_country(other):
        return PlaceRelation.OVERLAPS if set(within) & set(_chain(other)) else (
            PlaceRelation.DISJOINT)
    if set(_chain(a)) & set(_chain(b)) or (ca and ca == cb):
        return PlaceRelation.OVERLAPS
    return PlaceRelation.UNKNOWN


def _placed_below_country(p: EntityRef) -> bool:
    """A region or a place in the hierarchy under its region (not just "in Myanmar")."""
    if p.rank == PlaceRank.ADMIN1:
        return bool(p.ancestors)
    return p.rank in (PlaceRank.ADMIN2, PlaceRank.CITY) and len(p.ancestors) >= 2


def _relate_overlapping(a: EntityRef, b: EntityRef) -> PlaceRelation:
    """Judge an org-like place through the regions it overlaps."""
    if b.id in a.overlaps or a.id in b.overlaps:
        return PlaceRelation.OVERLAPS
    if set(a.overlaps) & set(b.overlaps):
        return PlaceRelation.OVERLAPS
    if set(a.overlaps) & set(b.ancestors) or set(b.overlaps) & set(a.ancestors):
        return PlaceRelation.OVERLAPS
    side, other = (a, b) if a.overlaps else (b, a)
    if other.overlaps:
        return PlaceRelation.UNKNOWN  # two org-like places with no shared region
    # Compare `other` with each region `side` overlaps, known only by id: a region id in
    # other's chain means overlap; if other is placed in the hierarchy at admin1 or finer and
    # none of side's regions is in its chain (nor other in theirs), they are disjoint.
    if set(side.overlaps) & set(_chain(other)):
        return PlaceRelation.OVERLAPS
    if other.rank == PlaceRank.VAGUE:
        return PlaceRelation.OVERLAPS if _shares_country(side, other) else PlaceRelation.UNKNOWN
    if other.rank in (PlaceRank.COUNTRY, PlaceRank.CONTINENT):
        return PlaceRelation.OVERLAPS if _shares_country(side, other) else PlaceRelation.UNKNOWN
    if _known(other) and other.rank in (
        PlaceRank.ADMIN1,
        PlaceRank.ADMIN2,
        PlaceRank.CITY,
    ):
        return PlaceRelation.DISJOINT
    return PlaceRelation.UNKNOWN


def _shares_country(a: EntityRef, b: EntityRef) -> bool:
    ca, cb = _country_of(a), _country_of(b)
    if ca and cb:
        return ca == cb
    return bool(set(_chain(a)) & set(_chain(b)))


def conflicts(a: EntityRef, b: EntityRef) -> bool:
    return relate(a, b) == PlaceRelation.DISJOINT
