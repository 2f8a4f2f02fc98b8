"""Statements: what a report says of a named party, clause by clause, so that a report that
denies it meets it whatever the words. "PT Nusantara is in advanced talks to merge with
Garuda" and "Nusantara said it was not in talks with Garuda about a merger" share no verb
and no frame a relation pattern knows, but they say and unsay one thing of one party.

Each asserted clause whose subject is a named party (an organisation, a person, a place or
a state), and each denied or rejected clause that names one (its speaker and who denies it
included), becomes a `statement` claim keyed on each such party, whose value is the
clause's content words as stems (`state` = "w:<stems>|v:<verb stems>|n:<names>"): nouns, verbs and
adjectives, without names, numbers, function words and the words of reporting itself
(lexicon `statement_light_words`), each through the lexicon's word classes (`act_classes`:
merger and deal are one) and cut to five letters (negotiate and negotiations are one).

Whether two statements conflict is the `statement` judge's question (shared/domain/
contradiction.py): one asserted and the other negated or denied, sharing enough content. The
relation registry keys it on the party, one alert per sentence pair, within three days.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator

from spacy.tokens import Span, Token

from shared.domain.claims import Claim, Polarity
from shared.domain.entities import EntityRef, EntityType
from shared.domain.ids import name_key
from shared.nlp.claim_context import ArticleContext
from shared.nlp.names import as_country, clean_name, party_ref

STEM = 5
_CLAUSE_DEPS = ("ROOT", "ccomp", "conj", "xcomp", "acl", "relcl", "advcl", "pcomp")
# clauses that are part of the one above ("in talks to merge", "plans to cut"): not
# statements of their own
_INNER_DEPS = ("xcomp", "acl", "pcomp")
_CONTENT_POS = ("NOUN", "VERB", "ADJ")
# proper nouns that are no name of a thing ("on Tuesday", "in March")
_CALENDAR = frozenset(w.lower() for w in (*calendar.month_name, *calendar.month_abbr,
                                          *calendar.day_name, *calendar.day_abbr) if w)


def statement_claims(ctx: ArticleContext, sent: Span) -> Iterator[Claim]:
    rejects = _rejects(ctx, sent)
    states, framing = ctx.lex.set("state_nouns"), ctx.lex.set("framing_nouns")
    for head in sent:
        if head.pos_ not in ("VERB", "AUX") or head.dep_ not in _CLAUSE_DEPS:
            continue
        framed = head.head.lemma_.lower() in framing  # "the suggestion that it was staged"
        if _inner(head) and not (_is_reporting(ctx, head.head) or framed):
            continue  # read with the clause it completes
        if _is_reporting(ctx, head):
            continue  # "X said", "X denied": the clause they govern is the statement
        if not rejects and not any(ctx.mention_at(t) or t.lemma_.lower() in states
                                   for t in (sent.doc[i] for i in _subject_heads(head))):
            continue  # an assertion needs a named subject; a negation, a rejecting sentence
        if _wished(ctx, head) or ctx.past_episode(head):
            # "a reporter wants him to open a restaurant" says what someone wishes, "was
            # captured in 2012" an earlier episode: neither is what a denial now answers
            continue
        polarity = ctx.polarity(head)
        if polarity == Polarity.ASSERTED and _nothing(ctx, head):
            polarity = Polarity.NEGATED
        if polarity == Polarity.NEGATED and not (rejects and _answers(ctx, head)):
            # a plain "not" ("the audio does not capture the shots", "has not commented")
            # is no answer to another report, even from a named source (on real news: "X is
            # not special", "has not recruited fighters from ..."); a denial is ("said it
            # was not in talks, rejecting a media report", "calling the reports
            # incorrect"), not a "not" in a clause of purpose ("we make sure that it is not
            # falling into the wrong hands")
            continue
        own = _own_tokens(head, framing)
        parties = _parties(ctx, head, polarity, own)
        if not parties:
            continue
        content, verbs = _content(ctx, head, own)
        if len(content) < 2 or not verbs:
            continue
        names = _names(ctx, head, own)
        value = "|".join(["w:" + ",".join(sorted(content)), "v:" + ",".join(sorted(verbs)),
                          "n:" + ",".join(sorted(names)),
                          "r:" + ("1" if rejects else "")])
        for party in parties:
            yield ctx.make_claim(head, party, "statement", state=value, polarity=polarity)


def _rejects(ctx: ArticleContext, sent: Span) -> bool:
    """The sentence rejects something said: a denial verb, or a claim called false."""
    falsity = ctx.lex.set("falsity_adjectives")
    return any((t.pos_ == "VERB" and ctx.is_denial(t)) or (t.lower_ in falsity and t.pos_ == "ADJ")
               or t.lemma_.lower() in ("denial", "lie") for t in sent)


def _reporting_verb(ctx: ArticleContext, head: Token) -> Token | None:
    """The verb that reports or denies the clause: its head ("denied that ..."), or the verb
    of the noun it completes ("rejected reports that ...", "dismissed the claim that ...")."""
    up = head.head
    if up.pos_ == "NOUN" and up.dep_ in ("dobj", "nsubjpass", "pobj"):
        up = up.head.head if up.dep_ == "pobj" else up.head
    return up if up.i != head.i and _is_reporting(ctx, up) else None


def _wished(ctx: ArticleContext, head: Token) -> bool:
    """"X wants Y to open a restaurant", "hopes to win": a wish, said of no one as done."""
    wishes = ctx.lex.set("desire_verbs")
    return head.lemma_.lower() in wishes or (
        head.dep_ in ("ccomp", "xcomp") and head.head.lemma_.lower() in wishes)


def _answers(ctx: ArticleContext, head: Token) -> bool:
    """The negated clause is the sentence's own ("X was not in talks") or what a reporting
    or denial verb governs ("said it was not in talks"), not a clause deeper down."""
    top = head
    while top.dep_ == "conj" and top.head.i != top.i:
        top = top.head
    return top.dep_ == "ROOT" or _is_reporting(ctx, top.head)


def _nothing(ctx: ArticleContext, head: Token) -> bool:
    """"it had no plan to cut jobs", "there is no truce", "nobody was arrested"."""
    nobody = ctx.lex.set("negative_pronouns")
    for c in head.children:
        if c.dep_ in ("dobj", "attr", "nsubj", "nsubjpass") and (
                c.lower_ in nobody or any(d.dep_ == "det" and d.lower_ == "no"
                                          for d in c.children)):  # fmt: skip
            return True
    return False


def _is_reporting(ctx: ArticleContext, tok: Token) -> bool:
    lemma = tok.lemma_.lower()
    return lemma in ctx.lex.set("speech_verbs") or ctx.is_denial(tok)


def _inner(tok: Token) -> bool:
    """"in talks to merge", "plans to cut", "talks aimed at": completes the clause above."""
    return tok.dep_ in _INNER_DEPS or (
        tok.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children))


def _own_tokens(head: Token, framing: frozenset[str]) -> list[Token]:
    """The clause's words without the clauses it embeds (each is a statement of its own),
    nor what a framing noun frames ("bristled at the suggestion that the video was staged"
    says nothing of a staged video)."""
    out: list[Token] = []
    stack = [head]
    while stack:
        tok = stack.pop()
        out.append(tok)
        framed = tok.pos_ == "NOUN" and tok.lemma_.lower() in framing
        stack.extend(c for c in tok.children
                     if not (c.pos_ in ("VERB", "AUX") and c.dep_ in _CLAUSE_DEPS
                             and (framed or not _inner(c)))
                     and c.lower_ != "according")  # "according to X": attribution
    return out


def _names(ctx: ArticleContext, head: Token, own: list[Token]) -> frozenset[str]:
    """Name keys of what the clause names (outside its speaker): "flights to New York" and
    "flights to Manchester" are two statements, not one said and unsaid."""
    said = ctx.speaker_tokens(head)
    found: set[str] = set()
    for tok in own:
        if tok.i in said:
            continue
        m = ctx.mention_at(tok)
        if m is not None and m.label in ("ORG", "PERSON", "GPE", "LOC", "FAC", "NORP"):
            # by word: "PT Garuda Telekomindo" and "Garuda Telekomindo" are one name
            found.update(w for w in name_key(clean_name(m.text)).split("-") if len(w) > 2)
        elif tok.pos_ == "PROPN" and tok.lower_ not in _CALENDAR and len(tok.text) > 2:
            # a name the NER did not tag, or tagged wrongly ("Manchester next month": DATE)
            found.add(name_key(tok.text))
    return frozenset(found)


def _content(ctx: ArticleContext, head: Token,
             own: list[Token]) -> tuple[frozenset[str], frozenset[str]]:  # fmt: skip
    """The clause's content stems, and those of them that are its verbs (what it says was or
    was not done)."""
    light = ctx.lex.set("statement_light_words")
    classes = {**ctx.lex.map("act_classes"), **ctx.lex.map("statement_classes")}
    said = ctx.speaker_tokens(head)
    found: set[str] = set()
    verbs: set[str] = set()
    for tok in own:
        if tok.pos_ not in _CONTENT_POS or tok.i in said or tok.ent_type_:
            continue
        lemma = tok.lemma_.lower()
        if lemma in light or not lemma.isalpha() or len(lemma) < 3:
            continue
        pos = "noun" if tok.pos_ == "NOUN" else tok.pos_.lower()
        word = (classes.get(f"{lemma}/{pos}") or classes.get(lemma) or lemma)[:STEM]
        found.add(word)
        if tok.pos_ == "VERB" or lemma in classes or f"{lemma}/{pos}" in classes:
            verbs.add(word)
    return frozenset(found), frozenset(verbs)


def _parties(ctx: ArticleContext, head: Token, polarity: Polarity,
             own: list[Token]) -> list[EntityRef]:  # fmt: skip
    """The named parties of the clause (not its speaker); a speaker who denies or negates
    speaks of itself too ("Kaira said it had no plan to cut jobs")."""
    said = ctx.speaker_tokens(head)
    toks = [t for t in own if t.i not in said]
    if polarity == Polarity.ASSERTED:
        # an assertion is about its subject and object, not about what it names in passing
        # ("captured by the Lebanese army near the border with Syria"); it is compared under
        # its subject only (a denial names that party too: as its speaker or its subject)
        subjects = _subject_heads(head)
        toks = [t for t in toks if t.i in subjects]
    else:
        toks += [t for t in head.sent if t.i in said]
        denier = _reporting_verb(ctx, head)
        if denier is not None:
            # "Algeria's foreign ministry denied that it had recalled ...", "the board
            # rejected reports that the team would pull out": who denies
            toks += [t for c in denier.children if c.dep_ == "nsubj" for t in c.subtree]
    seen: dict[str, EntityRef] = {}
    for tok in toks:
        state = ctx.state_of(tok)
        if state is not None:
            seen.setdefault(state.id, state)
        if tok.pos_ == "PRON" and tok.lower_ in ("it", "its", "we", "our") and (
                tok.dep_ in ("nsubj", "nsubjpass", "poss")):  # fmt: skip
            if polarity == Polarity.ASSERTED:
                continue  # "it can survive for years": any "it" is no party to assert of
            org = ctx.salient_org()  # "Kaira said it had no plan to cut jobs"
            if org is not None:
                seen.setdefault(party_ref(org).id, party_ref(org))
            continue
        m = ctx.mention_at(tok)
        if m is None or m.label not in ("ORG", "PERSON", "GPE", "NORP"):
            continue
        ref = ctx.entity_at(tok)
        if ref is None:
            continue
        if ref.type in (EntityType.PERSON, EntityType.ORG):
            ref = party_ref(ref)
        elif ref.type == EntityType.PLACE:
            ref = as_country(ref)
        else:
            continue
        seen.setdefault(ref.id, ref)
    return list(seen.values())


def _subject_heads(head: Token) -> set[int]:
    """The head words of the clause's subject (or passive agent) and their conjuncts, with the
    words of their names: "Nusantara is in talks", not a name inside the subject's phrase
    ("discovered by the Catalina Sky Survey near Tucson")."""
    heads = [c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")]
    heads += [p for c in head.children if c.dep_ == "agent" for p in c.children
              if p.dep_ == "pobj"]  # fmt: skip
    heads += [c for h in heads for c in h.children if c.dep_ == "conj"]
    out = {h.i for h in heads}
    names = [c for h in heads for c in h.children if c.dep_ in ("compound", "flat", "appos")]
    out.update(t.i for t in [*names, *(c for n in names for c in n.children
                                       if c.dep_ in ("compound", "flat"))])
    return out
