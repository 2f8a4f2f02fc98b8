"""What the claim rules need to know about an article: entities at tokens, coreference of
"the city", sides of armed forces, polarity, modality, attribution and time of a predicate.

Works on a parsed spaCy Doc (possibly decoded from a DocBin: only ORTH, LEMMA, POS, TAG,
DEP, HEAD, ENT_* and sentence starts are used) plus the linker's mentions.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Protocol

from spacy.tokens import Doc, Span, Token

from shared.domain.claims import Claim, Modality, Polarity
from shared.domain.entities import EntityRef, EntityType, Mention, PlaceRank
from shared.domain.ids import entity_id, name_key
from shared.domain.timeexpr import state_time
from shared.nlp import modality
from shared.nlp.claim_lexicon import Lexicon


@dataclass(frozen=True)
class ArticleInfo:
    id: str
    source: str
    published_at: datetime
    store: str = "default"


class ArticleLike(Protocol):
    """What extraction needs of an article: ArticleInfo, shared.events.ArticleMeta, ..."""

    @property
    def id(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def published_at(self) -> datetime: ...
    @property
    def store(self) -> str: ...


_LABEL_TYPES = {
    "GPE": EntityType.PLACE,
    "LOC": EntityType.PLACE,
    "FAC": EntityType.PLACE,
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORG,
    "NORP": EntityType.ORG,
    "EVENT": EntityType.EVENT,
}
_PLACE_LABELS = {"GPE", "LOC", "FAC"}
# relations whose truth does not depend on when they were told (where a town lies)
_TIMELESS = frozenset({"located_in"})
# relations that state how things are (not what someone plans or does)
_STATES = frozenset({"status", "controlled_by", "quantity"})
_COUNTRY_NAMES: frozenset[str] | None = None


def _countries() -> frozenset[str]:
    global _COUNTRY_NAMES
    if _COUNTRY_NAMES is None:
        try:
            import pycountry

            names = set()
            for c in pycountry.countries:
                names.add(c.name.lower())
                for attr in ("common_name", "official_name"):
                    if hasattr(c, attr):
                        names.add(str(getattr(c, attr)).lower())
            _COUNTRY_NAMES = frozenset(names | {"russia", "iran", "syria", "the us", "us", "uk"})
        except ImportError:  # pragma: no cover
            _COUNTRY_NAMES = frozenset()
    return _COUNTRY_NAMES


def _guessed(ref: EntityRef) -> bool:
    """A link made from the NER label alone ("person:avdiivka"), not from a knowledge
    base: in a place slot ("captured X", "in X") the slot wins."""
    return ref.id.split(":", 1)[0] in ("person", "org", "name") and ref.type != EntityType.PLACE


@lru_cache(maxsize=4096)
def unique_place(name: str) -> EntityRef | None:
    """The gazetteer's place for `name` when one place clearly owns the name: the only match
    ("Marinka" -> Mar'yinka) or a town of 10,000+ with ten times the population of any
    namesake ("Avdiivka", not its two hamlets). Used where the linker left a name unlinked
    in a place slot, so that the article agrees with others where it was linked. Names with
    comparable namesakes stay unresolved: choosing among them is the linker's job."""
    try:
        from shared.nlp.gazetteer import default_gazetteer

        gaz = default_gazetteer()
        places = [r for r in gaz.lookup(name) if r.type == EntityType.PLACE]
        if len(places) <= 1:
            return places[0] if places else None
        pops = sorted(((gaz.population(r.id), r) for r in places), key=lambda x: -x[0])
    except Exception:  # the gazetteer is optional here: no cache, no data, other API
        return None
    (top, best), (second, _) = pops[0], pops[1]
    return best if top >= 10_000 and top >= 10 * max(second, 1) else None


def namelike(tok: Token) -> bool:
    """A proper name, or a capitalised unknown word the tagger took for an adverb or noun
    ("Toretsk/ADV lies in ...")."""
    if tok.pos_ == "PROPN":
        return True
    return (
        tok.is_title and not tok.is_stop and tok.pos_ in ("ADV", "X", "NOUN", "ADJ")
        and tok.ent_type_ not in ("DATE", "TIME", "NORP")
        and (not tok.is_sent_start or tok.pos_ in ("ADV", "X"))
    )  # fmt: skip


def clean_name(text: str) -> str:
    t = re.sub(r"^(the|a|an)\s+", "", text.strip(), flags=re.I)
    return re.sub(r"\s*['’]s$", "", t).strip(" ,")


def fallback_org(text: str) -> EntityRef:
    name = clean_name(text)
    return EntityRef(id=entity_id("org", name), name=name, type=EntityType.ORG)


def fallback_ref(text: str, label: str, type_: EntityType | None = None) -> EntityRef:
    name = clean_name(text)
    return EntityRef(
        id=entity_id("name", name),
        name=name,
        type=type_ or _LABEL_TYPES.get(label, EntityType.OTHER),
    )


@dataclass
class ArticleContext:
    doc: Doc
    mentions: list[Mention]
    article: ArticleLike
    lex: Lexicon
    tok_mention: dict[int, Mention] = field(default_factory=dict)
    main_place: EntityRef | None = None
    main_area: EntityRef | None = None
    main_org: EntityRef | None = None
    main_event: tuple[str, str] | None = None  # (canonical head, anchor id) of the article
    claimed_places: list[tuple[int, EntityRef]] = field(default_factory=list)
    # claims read from clauses the report does not assert (a question, a hoax, ...): the
    # rules still build them, for `claimwatch explain`, but they are not stored or compared
    unasserted: dict[str, str] = field(default_factory=dict)
    story: tuple[str, ...] = ()
    anchors: dict[str, EntityRef] = field(default_factory=dict)  # event id -> its place

    def __post_init__(self) -> None:
        # Tokens overlapping each mention; the first (longest at a start) mention wins.
        by_start = sorted(self.mentions, key=lambda m: (m.start, -(m.end - m.start)))
        for m in by_start:
            span = self.doc.char_span(m.start, m.end, alignment_mode="expand")
            for tok in span if span is not None else ():
                self.tok_mention.setdefault(tok.i, m)
        self.main_place = self._main(self.is_local_place, places=True)
        # the most named place of any rank (a country when the story names no town)
        self.main_area = self.main_place or self._main(lambda r: True, places=True)
        self.main_org = self._main(lambda r: r.type == EntityType.ORG, places=False)
        if self.main_org is not None and self.main_org.id.startswith("org:"):
            self.main_org = fallback_org(self.main_org.name)
        if self.main_org is None:
            self.main_org = next(filter(None, (self.proper_org(t) for t in self.doc)), None)
        self.story = self._story()

    # --- entities ------------------------------------------------------------------

    def mention_at(self, tok: Token) -> Mention | None:
        return self.tok_mention.get(tok.i)

    def ref_of_mention(self, m: Mention) -> EntityRef:
        return m.entity or fallback_ref(m.text, m.label)

    def entity_at(self, tok: Token) -> EntityRef | None:
        """The entity a noun-phrase head (or its compound/name parts) names."""
        m = self.mention_at(tok)
        if m is None:
            for child in tok.children:
                if child.dep_ in ("compound", "nmod", "amod") and child.i < tok.i:
                    m = self.mention_at(child)
                    if m is not None:
                        break
        if m is not None:
            return self.ref_of_mention(m)
        if namelike(tok):
            left = name_start(tok)
            span = self.doc[left.i : tok.i + 1]
            return fallback_ref(span.text, tok.ent_type_ or "")
        return None

    def place_at(self, tok: Token, allow_coref: bool = True) -> EntityRef | None:
        """A place named by the NP headed by tok: "Geneva", "the Luhansk region",
        "the city of X", "the whole territory of X", or "the city" by coreference."""
        lemma = tok.lemma_.lower()
        # "the Luhansk region of eastern Ukraine" names Luhansk; "the city of X" names X
        m0 = self.mention_at(tok)
        named = m0 is not None and any(
            t.pos_ == "PROPN" for t in tok.doc[tok.left_edge.i : tok.i + 1]
            if self.mention_at(t) is m0
        )
        # (a lower-case "department" the tagger took for a proper noun is still the noun)
        if (not named and (tok.pos_ == "NOUN" or (tok.pos_ == "PROPN" and tok.is_lower))
                and lemma in self.lex.set("place_nouns") | {"territory"}):  # fmt: skip
            for child in tok.children:
                if child.dep_ == "prep" and child.lower_ == "of":
                    for pobj in child.children:
                        if pobj.dep_ == "pobj":
                            inner = self.place_at(pobj, allow_coref=False)
                            if inner is not None:
                                return inner
        ref = self.entity_at(tok)
        if ref is not None:
            m = self.mention_at(tok) or next(
                (self.mention_at(c) for c in tok.children if self.mention_at(c)), None
            )
            if ref.type == EntityType.PLACE:
                if ref.id.startswith("name:"):  # a place name the linker left unlinked
                    return unique_place(ref.name) or ref
                return ref
            if m is not None and m.entity is not None and not _guessed(m.entity):
                return None  # the linker knows it as something else
            if namelike(tok) or (m is not None and m.label in _PLACE_LABELS):
                # a label-only guess ("person:lyman" here, "org:lyman" there) is keyed on
                # the gazetteer's only place of that name if there is one (another article
                # may have it linked), else on the name so that articles agree whatever the
                # NER said
                one_word = " " not in ref.name.strip()  # "Marinka", not "Veltra Foods"
                return (unique_place(ref.name) if one_word else None) or fallback_ref(
                    ref.name, "GPE", EntityType.PLACE)
            return None
        if allow_coref and tok.lower_ in ("it", "its"):
            return self.salient_place(tok, settlement=True)
        if allow_coref and lemma in self.lex.set("settlement_nouns"):
            det = [c for c in tok.children if c.dep_ == "det" and c.lower_ in ("the", "this")]
            if det:
                return self.salient_place(tok, settlement=True)
        return None

    def is_place_token(self, tok: Token) -> bool:
        m = self.mention_at(tok)
        if m is None:
            return False
        if m.entity is not None:
            return m.entity.type == EntityType.PLACE
        if m.label in _PLACE_LABELS:
            return True
        # The small NER model calls unknown towns PERSON or ORG: "in Valdera", "of Soledar"
        head = tok.head
        return tok.dep_ == "pobj" and head.lower_ in ("in", "of", "near", "from") and (
            head.head.lemma_.lower() in self.lex.set("place_nouns") or head.lower_ == "in"
        ) and m.label not in ("ORG",)

    def is_local_place(self, r: EntityRef) -> bool:
        if r.type != EntityType.PLACE:
            return False
        if r.rank is not None:
            return r.rank in (PlaceRank.CITY, PlaceRank.ADMIN1, PlaceRank.ADMIN2)
        return r.name.lower() not in _countries()

    def _place_mentions(self) -> list[tuple[int, EntityRef]]:
        out = []
        seen_mentions: set[int] = set()
        for tok in self.doc:
            m = self.mention_at(tok)
            if m is None or id(m) in seen_mentions:
                continue
            seen_mentions.add(id(m))
            if self.is_place_token(tok):
                ref = self.ref_of_mention(m)
                out.append((tok.i, ref.model_copy(update={"type": EntityType.PLACE})))
        return out

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

    def salient_person(self, before: Token) -> EntityRef | None:
        """"he" / "she": the person the article has named most often (then most recently)
        before `before`."""
        counts: Counter[str] = Counter()
        last: dict[str, tuple[int, EntityRef]] = {}
        seen: set[int] = set()
        for t in before.doc[: before.i]:
            m = self.mention_at(t)
            if m is None or id(m) in seen or m.label != "PERSON":
                continue
            seen.add(id(m))
            ref = self.ref_of_mention(m)
            if ref.type == EntityType.PERSON:
                counts[ref.id] += 1
                last[ref.id] = (t.i, ref)
        if not counts:
            return None
        best = max(counts, key=lambda k: (counts[k], last[k][0]))
        return last[best][1]

    def salient_place(self, before: Token, settlement: bool) -> EntityRef | None:
        """Most mentioned (then most recent) local place before `before`."""
        counts: Counter[str] = Counter()
        last: dict[str, tuple[int, EntityRef]] = {}
        spk_tokens: set[int] = set()
        for t in before.doc[: before.i]:
            if t.dep_ in ("nsubj",) and t.head.lemma_.lower() in self.lex.set("speech_verbs"):
                spk_tokens.update(w.i for w in t.subtree)
        # places that earlier sentences made claims about count twice: they are the topic
        items = self._place_mentions() + [p for p in self.claimed_places for _ in (0, 1)]
        for i, ref in sorted(items, key=lambda x: x[0]):
            if i >= before.i:
                break
            m = self.tok_mention.get(i)
            if m is not None and m.ambiguous:
                continue  # an ambiguous alias is no antecedent
            if i in spk_tokens:
                continue  # "the defence ministry in Moscow said"
            if settlement and not self._is_settlement(ref):
                continue
            counts[ref.id] += 1
            last[ref.id] = (i, ref)
        if not counts:
            return None
        best = max(counts, key=lambda k: (counts[k], not k.startswith("name:"), last[k][0]))
        return last[best][1]

    def _is_settlement(self, r: EntityRef) -> bool:
        if r.rank is not None:
            return r.rank == PlaceRank.CITY
        name = r.name.lower()
        return name not in _countries() and not any(
            w in name.split() for w in self.lex.set("region_nouns")
        )

    def proper_org(self, tok: Token) -> EntityRef | None:
        """A company name the NER split or mislabelled: a proper-noun phrase whose head is an
        organisation word ("Solano Telecom", with "Solano" tagged as a town)."""
        if tok.pos_ != "PROPN" or tok.lower_ not in self.lex.set("org_suffixes"):
            return None
        m = self.mention_at(tok)
        if (m is not None and m.label in ("ORG", "PERSON")) or tok.dep_ == "compound":
            return None  # the NER got it (ORG), or the word is inside a longer name
        left = name_start(tok)
        if left is tok:
            return None  # a lone "Bank" is no name
        return fallback_org(self.doc[left.i : tok.i + 1].text)

    def salient_org(self) -> EntityRef | None:
        return self.main_org

    def org_of_mention(self, m: Mention) -> EntityRef | None:
        """The organisation a mention names: linked ORG, or a label-only guess re-keyed as
        org:<name> ("Helix Pharma's" tagged PERSON -> org:helix-pharma)."""
        if m.entity is not None and m.entity.type == EntityType.ORG and not m.entity.id.startswith(
            "org:"
        ):
            return m.entity  # linked to a knowledge base
        if m.entity is not None and not _guessed(m.entity) and m.entity.type != EntityType.ORG:
            return None
        return fallback_org(m.text)

    # --- predicate context ---------------------------------------------------------

    def ancestors_in_clause(self, tok: Token) -> list[Token]:
        out = []
        cur = tok
        while cur.head.i != cur.i:
            cur = cur.head
            out.append(cur)
        return out

    def is_denial(self, tok: Token) -> bool:
        """"denied", "rejected", "ruled out" (phrasal: lemma + particle in the lexicon)."""
        lemma = tok.lemma_.lower()
        if lemma in self.lex.set("denial_verbs"):
            return True
        particles = {c.lower_ for c in tok.children if c.dep_ == "prt"}
        return any(f"{lemma} {p}" in self.lex.set("denial_phrasal") for p in particles)

    def speech_head(self, tok: Token) -> Token | None:
        speech = self.lex.set("speech_verbs")
        for anc in self.ancestors_in_clause(tok):
            if anc.lemma_.lower() in speech and anc.pos_ in ("VERB", "AUX"):
                return anc
        root = tok.sent.root
        if root.lemma_.lower() in speech and root.i != tok.i:
            return root
        for t in tok.sent:  # "..., the agency said" attached as parataxis
            if t.dep_ == "parataxis" and t.lemma_.lower() in speech:
                return t
        return None

    def speaker(self, tok: Token) -> Span | None:
        head = self.speech_head(tok)
        if head is not None:
            for c in head.children:
                if c.dep_ in ("nsubj", "nsubjpass") and not (c.i <= tok.i <= c.right_edge.i):
                    return self.doc[c.left_edge.i : c.right_edge.i + 1]
        for t in tok.sent:
            if t.lower_ == "according" and t.dep_ == "prep":
                for to in t.children:
                    for pobj in to.children:
                        if pobj.dep_ == "pobj":
                            return self.doc[pobj.left_edge.i : pobj.right_edge.i + 1]
        return None

    def polarity(self, pred: Token, noun_trigger: bool = False) -> Polarity:
        lex = self.lex
        chain = [pred, *self.ancestors_in_clause(pred)]
        # Denial: "denied that ...", "claims that X was captured were false"
        speech = lex.set("speech_verbs")
        for i, anc in enumerate(chain[1:], start=1):
            if self.is_denial(anc):
                return Polarity.DENIED
            if anc.lemma_.lower() in speech and anc.pos_ in ("VERB", "AUX"):
                break  # the nearest reporting verb owns the clause: "... and said X holds"
            below = chain[i - 1]
            # "claims that X had fallen were false", "claims of its capture were untrue"
            under_claim = below.dep_ in ("acl", "ccomp") or (
                below.dep_ == "prep" and below.lower_ in ("of", "about"))
            if anc.lemma_.lower() in lex.set("claim_nouns") and under_claim:
                gov = anc.head
                if any(c.dep_ in ("acomp", "attr") and c.lemma_.lower() in
                       lex.set("falsity_adjectives") for c in gov.children):  # fmt: skip
                    return Polarity.DENIED
        # Negation on the predicate or on the verbs it depends on through xcomp/acl
        negs = lex.set("negation_words")
        cur = pred
        steps = 0
        # "no" negates the predicate or a plan noun ("no plans to close"), not any noun on
        # the way up ("the video gives no hint as to where he was held")
        no_nouns = lex.set("plan_nouns") | lex.set("plan_markers")
        while True:
            no_det = cur is pred or cur.lemma_.lower() in no_nouns
            negated = any(
                c.dep_ == "neg" or (no_det and c.dep_ == "det" and c.lower_ == "no")
                for c in cur.children
            )
            # "has not only disrupted" is not a negation
            not_only = any(c.lower_ == "only" for c in cur.children if c.dep_ == "advmod")
            if negated and not not_only and not (noun_trigger and cur is pred):
                return Polarity.NEGATED
            if cur.dep_ in ("xcomp", "acl", "aux", "pcomp", "prep") and steps < 3:
                cur = cur.head
                steps += 1
                continue
            break
        if not noun_trigger and any(c.lower_ in negs and c.dep_ == "advmod"
                                    for c in pred.children):  # fmt: skip
            return Polarity.NEGATED
        return Polarity.ASSERTED

    def modality(self, pred: Token) -> Modality:
        lex = self.lex
        chain = [pred, *self.ancestors_in_clause(pred)]
        for t in chain[:4]:
            for c in t.children:
                if c.dep_ == "aux" and c.lower_ in lex.set("hedge_auxiliaries"):
                    return Modality.HEDGED
                if c.dep_ == "advmod" and c.lower_ in lex.set("hedge_adverbs"):
                    return Modality.HEDGED
            if t is not pred and t.lemma_.lower() in lex.set("hedge_verbs"):
                return Modality.HEDGED
        spk = self.speaker(pred)
        if spk is not None and any(t.lower_ in lex.set("hedge_sources") for t in spk):
            return Modality.HEDGED
        return Modality.FIRM

    def attribution(self, pred: Token) -> str | None:
        spk = self.speaker(pred)
        return clean_name(spk.text) if spk is not None else None

    def past_episode(self, pred: Token) -> bool:
        return modality.past_episode(pred, self.lex, self.article.published_at)

    def time_of(self, pred: Token) -> datetime:
        for c in pred.children:
            if c.dep_ == "prep" and c.lower_ in ("on",):
                for pobj in c.children:
                    if pobj.dep_ == "pobj" and pobj.ent_type_ == "DATE":
                        text = self.doc[pobj.left_edge.i : pobj.right_edge.i + 1].text
                        return state_time(text, self.article.published_at)
            if c.dep_ == "npadvmod" and c.ent_type_ == "DATE":
                return state_time(c.text, self.article.published_at)
        return self.article.published_at

    def make_claim(self, pred: Token, subject: EntityRef, relation: str,
                   noun_trigger: bool = False, polarity: Polarity | None = None,
                   time: datetime | None = None, **values: object) -> Claim:  # fmt: skip
        sent = pred.sent
        claim = Claim(
            article_id=self.article.id,
            source=self.article.source,
            published_at=self.article.published_at,
            store=self.article.store,
            subject=subject,
            relation=relation,
            polarity=polarity or self.polarity(pred, noun_trigger=noun_trigger),
            modality=self.modality(pred),
            attribution=self.attribution(pred),
            time=time or self.time_of(pred),
            sentence=sent.text.strip(),
            start=sent.start_char,
            end=sent.end_char,
            story=self.story,
            **values,  # type: ignore[arg-type]
        )
        if subject.type == EntityType.PLACE and relation in ("controlled_by", "located_in"):
            self.claimed_places.append((sent.start, subject))
        claim = claim.with_id()
        why = None if claim.polarity == Polarity.DENIED else modality.mood(pred, self.lex)
        if why is None and relation not in _TIMELESS and self.past_episode(pred):
            why = "dated to an earlier episode"
        if why is None and relation.split(":")[0] in _STATES and modality.irrealis(pred,
                                                                                   self.lex):
            why = "attempted or threatened, not reached"
        if why is not None:
            self.unasserted[claim.id] = why
        return claim

    # --- sides ---------------------------------------------------------------------

    def side_of(self, phrase: Token | Span | None, pred: Token | None = None,
                depth: int = 0) -> EntityRef | None:  # fmt: skip
        """The side of an armed agent: "Wagner fighters" -> Russia, "Ukrainian control"
        -> Ukraine, "his fighters" -> the speaker's side."""
        if phrase is None:
            return None
        span = (
            self.doc[phrase.left_edge.i : phrase.right_edge.i + 1]
            if isinstance(phrase, Token)
            else phrase
        )
        sides = self.lex.map("sides")
        generic = self.lex.set("generic_sides")
        # "Islamic State's Mozambique affiliate": the name without its possessive
        text = " " + span.text.lower().replace("’", "'").replace("'s ", " ") + " "
        found: str | None = None
        for key in sorted(sides, key=len, reverse=True):
            if " " in key and f" {key} " in text:
                found = sides[key]
                break
        if found is None:
            general: str | None = None
            for t in span:
                for form in (t.lower_, t.lemma_.lower()):
                    if form in sides:
                        if form in generic:
                            general = general or sides[form]
                        else:
                            found = found or sides[form]
            # a named armed group is its own side before the country it fights in
            # ("Sudan's paramilitary Rapid Support Forces" is not Sudan's army)
            group = self._armed_group(span) if found is None and general is None else None
            if group is not None:
                return EntityRef(id=entity_id("side", group), name=group, type=EntityType.ORG)
            if found is None:
                for t in span:
                    m = self.mention_at(t)
                    if m is not None and m.label in ("GPE", "NORP"):
                        found = name_key(clean_name(m.text))
                        break
            if found is None and depth == 0 and pred is not None and any(
                t.lower_ in ("his", "her", "their", "its", "it", "our", "we", "they", "he", "she")
                for t in span
            ):
                spk = self.speaker(pred)
                if spk is not None:
                    return self.side_of(spk, None, depth + 1)
            found = found or general
        if found is None:
            return None
        names = self.lex.map("side_names")
        return EntityRef(id=f"side:{found}", name=names.get(found, found.title()),
                         type=EntityType.ORG)  # fmt: skip

    def _armed_group(self, span: Span) -> str | None:
        """An organisation named as a force ("the Karen National Liberation Army", "the
        Euphrates Brigade") is a side of its own: its name."""
        forces = self.lex.set("force_nouns")
        # "the JNIM group", "the M23 rebels": the force word may stand beside the name
        force_words = any(t.lower_ in forces for t in span)
        for t in span:
            m = self.mention_at(t)
            if m is not None and m.label == "ORG" and (
                force_words or any(w.lower() in forces for w in m.text.split())
            ):
                return clean_name(m.text)
        return None


def name_start(tok: Token) -> Token:
    """The first word of the proper name `tok` ends: follows proper-noun compounds to the
    left ("Solano Telecom", "Norvik Energy")."""
    left = tok
    while True:
        comp = [c for c in left.children if c.dep_ == "compound" and c.pos_ == "PROPN"
                and c.i < left.i]  # fmt: skip
        if not comp:
            return left
        left = comp[0]


def np_text(tok: Token, drop_det: bool = True) -> str:
    """The words of the NP before and including its head: "snap parliamentary election"."""
    toks = [t for t in tok.subtree if t.i <= tok.i and t.dep_ not in ("punct",)]
    start = tok.i
    for t in reversed(toks):
        if t.i == start - 1:
            start = t.i
    words = [t for t in tok.doc[start : tok.i + 1]]
    if drop_det:
        words = [t for t in words if t.dep_ not in ("det", "poss", "case", "nummod", "quantmod")
                 and t.pos_ not in ("DET", "PRON", "NUM")]  # fmt: skip
    return " ".join(t.text for t in words)
