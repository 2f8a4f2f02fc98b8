"""The article context the claim rules build claims with: `ArticleContext.make_claim` and
the polarity, modality, attribution and time of the predicate a claim is read from.

`ArticleContext` is layered, each layer in its own module and built on the one before:
  mentions.py     ArticleMentions  mentions, entities, places and organisations at tokens
  salience.py     ArticleSalience  the article's main place, area, organisation and story
  coreference.py  Coreference      "he", "it", "the city": the antecedent; place_at
  attribution.py  Attribution      the reporting verb and speaker of a clause, denials
  sides.py        Sides            the side of an armed agent
  claim_context   ArticleContext   polarity, modality, time; make_claim
so that the rules keep one object (`ctx`) while each concern can be read on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from spacy.tokens import Doc, Span, Token

from shared.domain.claims import Claim, Modality, Polarity
from shared.domain.entities import EntityRef, EntityType
from shared.domain.timeexpr import resolve, state_time
from shared.nlp import modality
from shared.nlp.article import ArticleInfo, ArticleLike
from shared.nlp.deps import verb_phrases
from shared.nlp.names import (
    clean_name,
    country_of_name,
    country_ref,
    fallback_org,
    fallback_ref,
)
from shared.nlp.sides import Sides

# the article types and fallback ids, imported from here before the split
__all__ = ["ArticleContext", "ArticleInfo", "ArticleLike", "fallback_org", "fallback_ref"]

# relations whose truth does not depend on when they were told (where a town lies)
_TIMELESS = frozenset({"located_in"})
# relations that state how things are (not what someone plans or does)
_STATES = frozenset({"status", "controlled_by", "quantity"})


@dataclass
class ArticleContext(Sides):
    """Everything a rule asks of an article, and `make_claim`."""

    # claims read from clauses the report does not assert (a question, a hoax, ...): the
    # rules still build them, for `claimwatch explain`, but they are not stored or compared
    unasserted: dict[str, str] = field(default_factory=dict)
    anchors: dict[str, EntityRef] = field(default_factory=dict)  # event id -> its place
    # events whose place a phrase of the text names ("an outbreak in Larkana"), not only the
    # story's main place: only these are placed by their toll (claim_extraction)
    stated_anchors: set[str] = field(default_factory=set)
    ages: dict[str, int | None] = field(default_factory=dict)  # surname -> age in the text
    # incident class -> the first target the article names ("convoy"), for later sentences
    # that name the incident alone ("the ambush took place near Diffa")
    incident_targets: dict[str, str] = field(default_factory=dict)
    placed_incidents: set[str] = field(default_factory=set)  # incident keys given a place
    # count claim id -> the one past day its sentence dates it to ("killed three ... on
    # Saturday, 12 April"), which dates the incident the count tells (claim_extraction)
    stated_days: dict[str, date] = field(default_factory=dict)
    word_forms: dict[int, tuple[str, ...]] = field(default_factory=dict)  # token -> its forms
    share_sentences: dict[int, bool] = field(default_factory=dict)  # sentence start -> has a share

    def polarity(self, pred: Token, noun_trigger: bool = False) -> Polarity:
        lex = self.lex
        chain = [pred, *self.ancestors_in_clause(pred)]
        # Denial: "denied that ...", "claims that X was captured were false"
        speech = lex.set("speech_verbs")
        for i, anc in enumerate(chain[1:], start=1):
            below = chain[i - 1]
            # "denied the report and provided a photo of him": the second verb is the
            # denier's own act, beside the denial, not under it
            beside = below.dep_ == "conj" and below.pos_ in ("VERB", "AUX")
            if self.is_denial(anc) and not beside:
                return Polarity.DENIED
            if anc.lemma_.lower() in speech and anc.pos_ in ("VERB", "AUX"):
                break  # the nearest reporting verb owns the clause: "... and said X holds"
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
            # "had not signed any agreement to buy a stake": the plan noun's verb negates
            planned = cur.dep_ == "dobj" and cur.lemma_.lower() in no_nouns
            if (cur.dep_ in ("xcomp", "acl", "aux", "pcomp", "prep") or planned) and steps < 3:
                cur = cur.head
                steps += 1
                continue
            break
        if not noun_trigger and any(c.lower_ in negs and c.dep_ == "advmod"
                                    for c in pred.children):  # fmt: skip
            return Polarity.NEGATED
        if any(c.lower_ == "longer" and any(d.lower_ == "no" for d in c.children)
               for c in pred.children):  # "it no longer controlled the capital"
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

    def past_episode(self, pred: Token) -> bool:
        return modality.past_episode(pred, self.lex, self.article.published_at)

    def other_sense(self, verb: Token) -> bool:
        """The verb with a particle that makes it another verb, which tells no state and no
        plan: "the storm closed in on the coast" (lexicon `other_sense_phrases`)."""
        return bool(verb_phrases(verb) & self.lex.set("other_sense_phrases"))

    def time_of(self, pred: Token) -> datetime:
        for c in pred.children:
            if c.dep_ == "prep" and c.lower_ in ("on",):
                for pobj in c.children:
                    if pobj.dep_ == "pobj" and pobj.ent_type_ == "DATE":
                        text = self.doc[pobj.left_edge.i : pobj.right_edge.i + 1].text
                        return state_time(text, self.article.published_at)
            if c.dep_ == "npadvmod" and c.ent_type_ == "DATE":
                return state_time(c.text, self.article.published_at)
            if c.dep_ == "prep" and c.lower_ in ("in", "for", "during", "over"):
                end = self._period_end(c)
                if end is not None:
                    return state_time(end, self.article.published_at)
        return self.article.published_at

    def stated_day(self, sent: Span) -> date | None:
        """The one past day a sentence dates what it tells to ("on Saturday, 12 April", "on
        Monday"), within a fortnight before publication; None when it names none or several
        (a background date beside the event's own)."""
        published = self.article.published_at.date()
        days: set[date] = set()
        speech = self.lex.set("speech_verbs")
        for ent in sent.ents:
            root = ent.root
            on = root.dep_ == "pobj" and root.head.lower_ == "on"
            if ent.label_ != "DATE" or not (on or root.dep_ == "npadvmod"):
                continue
            verb = root.head.head if on else root.head
            if verb.lemma_.lower() in speech:
                continue  # "said on Tuesday": when it was told, not when it happened
            when = resolve(ent.text, self.article.published_at)
            if when is None or not when.is_day:
                continue
            if not published - timedelta(days=14) <= when.start <= published:
                return None  # a date out of the news: the sentence tells of another time
            days.add(when.start)
        return days.pop() if len(days) == 1 else None

    def _period_end(self, prep: Token) -> str | None:
        """"in the week to Sept. 15", "for the week ending September 15": a count for a
        closed period holds as of its last day, however late it is reported."""
        for pobj in (c for c in prep.children if c.dep_ == "pobj"):
            if pobj.lemma_.lower() not in self.lex.set("period_nouns"):
                continue
            for t in pobj.subtree:
                if t.lower_ in ("to", "ending", "ended", "through", "until"):
                    date = [d for d in t.subtree if d.ent_type_ == "DATE" and d.i > t.i]
                    if date:
                        return self.doc[date[0].i : date[-1].i + 1].text
        return None

    def state_of(self, tok: Token) -> EntityRef | None:
        """A country when the word is its state: "the government intends to sell" (the story's
        country), "the Ministry of Mines denied" (the story's), "the Pakistan Cricket Board"
        (the country it is named for). A denial by a ministry answers a report of what the
        country does."""
        states = self.lex.set("state_nouns")
        main = self.main_country
        if tok.pos_ == "NOUN" and tok.lemma_.lower() in states and not any(
                c.pos_ == "PROPN" for c in tok.children):  # fmt: skip
            return country_ref(*main) if main is not None else None
        m = self.mention_at(tok)
        if m is None or m.label != "ORG":
            return None
        span = self.mention_span(m)
        if span is not None and tok.i != span.start:
            return None  # not the organisation's first word (each is read once)
        words = clean_name(m.text).split()
        if not words:
            return None
        if words[0].lower() in states or words[-1].lower() in states:
            # "the Ministry of Mines", "Ecuador's Energy Ministry"
            return country_ref(*main) if main is not None else None
        companies = self.lex.set("org_nouns")
        if any(w.lower() in companies or w.lower().removesuffix("s") in companies for w in words):
            return None  # "Pakistan International Airlines" is a company, not the state
        return country_of_name(words[0])

    def age_of(self, name: str) -> int | None:
        """The age the article gives a person: "Quispe, 51, was taken", "Davit Lomidze, a
        34-year-old activist". Read once per surname."""
        surname = name.split()[-1].lower() if name.split() else ""
        if surname not in self.ages:
            self.ages[surname] = _age_after(self.doc, surname)
        return self.ages[surname]

    def make_claim(self, pred: Token, subject: EntityRef, relation: str,
                   noun_trigger: bool = False, polarity: Polarity | None = None,
                   time: datetime | None = None, **values: object) -> Claim:  # fmt: skip
        sent = pred.sent
        if subject.type == EntityType.PERSON and subject.born is None:
            age = self.age_of(subject.name)
            if age is not None:
                subject = subject.model_copy(update={"born": self.article.published_at.year - age})
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
        if relation.startswith("quantity:"):
            day = self.stated_day(sent)
            if day is not None:
                self.stated_days[claim.id] = day
        why = None if claim.polarity == Polarity.DENIED else modality.mood(pred, self.lex)
        if why is None and relation not in _TIMELESS and self.past_episode(pred):
            why = "dated to an earlier episode"
        # (a deal's value is the deal's whether it is done or agreed: "signed an agreement
        # to buy X for $1 billion")
        if why is None and relation.split(":")[0] in _STATES and relation != "quantity:value" \
                and modality.irrealis(pred, self.lex):  # fmt: skip
            why = "attempted or threatened, not reached"
        if why is not None:
            self.unasserted[claim.id] = why
        return claim


def _age_after(doc: Doc, surname: str) -> int | None:
    """A number between commas, or "a NN-year-old", right after a name ending in surname."""
    for tok in doc:
        if tok.lower_ != surname or tok.i + 2 >= len(doc) or doc[tok.i + 1].text != ",":
            continue
        after = doc[tok.i + 2 : tok.i + 5]
        if len(after) >= 2 and after[0].like_num and after[1].text in (",", ")"):
            return _plausible_age(after[0].text)
        if len(after) == 3 and after[0].lower_ in ("a", "an") and after[1].like_num \
                and after[2].text == "-":  # fmt: skip
            return _plausible_age(after[1].text)
    return None


def _plausible_age(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) < 111 else None
