"""What an article is mostly about: its main local place, its main area (a country when it
names no town), its main organisation and the ids of the entities it names most (the
claim's `story`).

Computed once per article, on top of the mentions layer; separate from coreference, which
asks what a pronoun or "the city" refers to at one point of the text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from shared.domain.entities import EntityRef, EntityType, PlaceRank
from shared.nlp.linking import continental_prefixes, default_demonyms
from shared.nlp.mentions import ArticleMentions
from shared.nlp.names import fallback_org


@dataclass
class ArticleSalience(ArticleMentions):
    """The mentions layer plus what the article is mostly about, set on construction."""

    main_place: EntityRef | None = None
    main_area: EntityRef | None = None
    main_org: EntityRef | None = None
    main_event: tuple[str, str] | None = None  # (canonical head, anchor id) of the article
    main_country: tuple[str, str] | None = None  # (ISO code, name) the places are most in
    one_country: bool = False  # every place the article names is in that country
    story: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        self.main_place = self._main(self.is_local_place, places=True)
        # the most named place of any rank (a country when the story names no town)
        self.main_area = self.main_place or self._main(lambda r: True, places=True)
        self.main_org = self._main(lambda r: r.type == EntityType.ORG, places=False)
        if self.main_org is not None and self.main_org.id.startswith("org:"):
            self.main_org = fallback_org(self.main_org.name)
        if self.main_org is None:
            self.main_org = next(filter(None, (self.proper_org(t) for t in self.doc)), None)
        self.story = self._story()
        self.main_country, self.one_country = self._country()

    def _country(self) -> tuple[tuple[str, str] | None, bool]:
        """The country most of the article's places are in, with its name when the article
        names it ("Chad" for Chad, N'Djamena and Mongo); and whether its places are all in
        that one country (demonyms aside: "Russian diplomats" at a ceremony in Bamako leave
        the story Malian)."""
        places = [ref for _, ref in self._place_mentions() if ref.country]
        counts = Counter(str(ref.country).lower() for ref in places)
        one_country = len(counts) == 1
        # "Chadians are to go to the polls": a demonym tells the country too
        demonyms = default_demonyms()
        # "Chadians", "Tongans": a capitalised demonym, whatever the NER called it (or if it
        # called it nothing); one count per word
        for tok in self.doc:
            if not tok.is_title or tok.ent_type_ in ("PERSON", "GPE", "LOC", "FAC"):
                continue
            if tok.i > 0 and self.doc[tok.i - 1].lower_ in continental_prefixes():
                continue  # "South American soccer body": no country
            text = tok.lower_
            code = demonyms.get(text) or demonyms.get(text.removesuffix("s"))
            if code:
                counts[code.lower()] += 1
        if not counts:
            return None, False
        code = max(counts, key=lambda c: counts[c])
        # "China's foreign ministry said" in a story of Filipino, American and Japanese
        # troops: a country named only once, and no more often than another nation the story
        # names, is not the story's one country
        runner_up = max((n for c, n in counts.items() if c != code), default=0)
        one_country = one_country and (counts[code] > runner_up or len(places) > 1)
        named = next((r.name for r in places if r.country and r.country.lower() == code
                      and r.rank == PlaceRank.COUNTRY), code.upper())  # fmt: skip
        return (code, named), one_country

    def _main(self, pred: Callable[[EntityRef], bool], places: bool) -> EntityRef | None:
        counts: Counter[str] = Counter()
        first: dict[str, tuple[int, EntityRef]] = {}
        if places:
            items = self._place_mentions()
        else:
            items = []
            seen: set[int] = set()
            for tok in self.doc:
                m = self.mention_at(tok)
                if m is not None and id(m) not in seen:
                    seen.add(id(m))
                    items.append((tok.i, self.ref_of_mention(m)))
        for i, ref in items:
            if pred(ref):
                counts[ref.id] += 1
                first.setdefault(ref.id, (i, ref))
        if not counts:
            return None
        best = max(counts, key=lambda k: (counts[k], -first[k][0]))
        return first[best][1]

    def _story(self, size: int = 8) -> tuple[str, ...]:
        """The ids of the entities the article names most often (then first)."""
        counts: Counter[str] = Counter()
        seen: set[int] = set()
        for tok in self.doc:
            m = self.mention_at(tok)
            if m is not None and id(m) not in seen:
                seen.add(id(m))
                counts[self.ref_of_mention(m).id] += 1
        return tuple(sorted(k for k, _ in counts.most_common(size)))

    def main_person(self) -> EntityRef | None:
        """The person the article names most (then first), among what its story is about."""
        found = self._main(lambda r: r.type == EntityType.PERSON, places=False)
        return found if found is not None and found.id in self.story else None

    def salient_org(self) -> EntityRef | None:
        return self.main_org
