from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.domain.places import PlaceRelation, conflicts, relate


def place(id_: str, name: str, rank: PlaceRank, ancestors: tuple[str, ...] = (),
          country: str | None = None, overlaps: tuple[str, ...] = ()) -> EntityRef:
    return EntityRef(id=id_, name=name, type=EntityType.PLACE, rank=rank, ancestors=ancestors,
                     country=country, overlaps=overlaps)


SWITZERLAND = place("geo:ch", "Switzerland", PlaceRank.COUNTRY, country="CH")
GENEVA = place("geo:gva", "Geneva", PlaceRank.CITY, ("geo:ge", "geo:ch"), "CH")
AUSTRIA = place("geo:at", "Austria", PlaceRank.COUNTRY, country="AT")
VIENNA = place("geo:vie", "Vienna", PlaceRank.CITY, ("geo:vie-state", "geo:at"), "AT")
GERMANY = place("geo:de", "Germany", PlaceRank.COUNTRY, country="DE")
MUNICH = place("geo:muc", "Munich", PlaceRank.CITY, ("geo:by", "geo:de"), "DE")
BERLIN = place("geo:ber", "Berlin", PlaceRank.CITY, ("geo:be", "geo:de"), "DE")
UKRAINE = place("geo:ua", "Ukraine", PlaceRank.COUNTRY, country="UA")
DONETSK_OBL = place("geo:don", "Donetsk Oblast", PlaceRank.ADMIN1, ("geo:ua",), "UA")
LUHANSK_OBL = place("geo:luh", "Luhansk Oblast", PlaceRank.ADMIN1, ("geo:ua",), "UA")
EAST_UA = place("region:eastern-ukraine", "eastern Ukraine", PlaceRank.VAGUE, ("geo:ua",), "UA")
DPR = EntityRef(id="region:dpr", name="Donetsk People's Republic", type=EntityType.PLACE,
                rank=PlaceRank.VAGUE, overlaps=("geo:don",), country="UA")
DONETSK_CITY = place("geo:donetsk", "Donetsk", PlaceRank.CITY, ("geo:don", "geo:ua"), "UA")


def test_same_and_containment() -> None:
    assert relate(GENEVA, GENEVA) == PlaceRelation.SAME
    assert relate(GENEVA, SWITZERLAND) == PlaceRelation.WITHIN
    assert relate(SWITZERLAND, GENEVA) == PlaceRelation.CONTAINS
    assert relate(MUNICH, GERMANY) == PlaceRelation.WITHIN
    assert not conflicts(GENEVA, SWITZERLAND)


def test_exclusive_places_conflict() -> None:
    assert relate(MUNICH, BERLIN) == PlaceRelation.DISJOINT
    assert relate(VIENNA, SWITZERLAND) == PlaceRelation.DISJOINT
    assert relate(GENEVA, VIENNA) == PlaceRelation.DISJOINT
    assert relate(DONETSK_OBL, LUHANSK_OBL) == PlaceRelation.DISJOINT


def test_vague_never_excludes_within_its_country() -> None:
    assert relate(DONETSK_OBL, EAST_UA) == PlaceRelation.OVERLAPS
    assert relate(EAST_UA, LUHANSK_OBL) == PlaceRelation.OVERLAPS
    assert relate(EAST_UA, VIENNA) == PlaceRelation.DISJOINT


def test_org_like_place_is_judged_through_its_regions() -> None:
    assert relate(LUHANSK_OBL, DPR) == PlaceRelation.DISJOINT
    assert relate(DPR, LUHANSK_OBL) == PlaceRelation.DISJOINT
    assert relate(DPR, DONETSK_OBL) == PlaceRelation.OVERLAPS
    assert relate(DONETSK_CITY, DPR) == PlaceRelation.OVERLAPS
    assert relate(DPR, UKRAINE) == PlaceRelation.OVERLAPS


def test_unlinked_places_are_unknown_never_conflict() -> None:
    a = EntityRef(id="name:valdera", name="Valdera", type=EntityType.PLACE)
    b = EntityRef(id="name:ostrava", name="Ostrava", type=EntityType.PLACE)
    assert relate(a, b) == PlaceRelation.UNKNOWN
    assert not conflicts(a, b)


def test_a_vague_part_of_a_region_excludes_other_regions() -> None:
    north_luhansk = place("region:northern-luhansk-oblast", "northern Luhansk Oblast",
                          PlaceRank.VAGUE, ("geo:luh", "geo:ua"), "UA")
    town_in_luhansk = place("geo:town", "Town", PlaceRank.CITY, ("geo:luh", "geo:ua"), "UA")
    town_unplaced = place("geo:town2", "Town2", PlaceRank.CITY, ("geo:ua",), "UA")
    assert relate(north_luhansk, DONETSK_OBL) == PlaceRelation.DISJOINT
    assert relate(DONETSK_CITY, north_luhansk) == PlaceRelation.DISJOINT
    assert relate(north_luhansk, town_in_luhansk) == PlaceRelation.OVERLAPS
    assert relate(north_luhansk, LUHANSK_OBL) == PlaceRelation.WITHIN
    # known only to be in Ukraine: nothing is excluded
    assert not conflicts(north_luhansk, town_unplaced)
    # a vague part of a country still excludes nothing inside it
    assert relate(EAST_UA, LUHANSK_OBL) == PlaceRelation.OVERLAPS
