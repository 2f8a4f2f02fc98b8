"""Statements: what a report says of a named party, clause by clause, so that a report that
denies it meets it whatever the words. "PT Nusantara is in advanced talks to merge with
Garuda" and "Nusantara said it was not in talks with Garuda about a merger" share no verb
and no frame a relation pattern knows, but they say and unsay one thing of one party.

Each asserted, negated or denied clause that names a party (an organisation, a person or a
place, not its speaker) becomes a `statement` claim keyed on each party, whose value is the
clause's content words as stems (`state` = "w:<stem>,<stem>,..."): nouns, verbs and
adjectives, without names, numbers, function words and the words of reporting itself
(lexicon `statement_light_words`), each through the lexicon's word classes (`act_classes`:
merger and deal are one) and cut to five letters (negotiate and negotiations are one).

Whether two statements conflict is the `statement` judge's question (shared/domain/
contradiction.py): one asserted and the other negated or denied, sharing enough content. The
relation registry keys it on the party, one alert per sentence pair, within three days.
"""

from __future__ import annotations

from collections.abc import Iterator

from spacy.tokens import Span, Token

from shared.domain.claims import Claim, Polarity
from shared.domain.entities import EntityRef, EntityType
from shared.nlp.claim_context import ArticleContext
from shared.nlp.names import as_country, party_ref

STEM = 5
_CLAUSE_DEPS = ("ROOT", "ccomp", "conj", "xcomp", "acl", "relcl", "advcl", "pcomp")
# clauses that are part of the one above ("in talks to merge", "plans to cut"): not
# statements of their own
_INNER_DEPS = ("xcomp", "acl", "pcomp")
_CONTENT_POS = ("NOUN", "VERB", "ADJ")


def stems(words: str) -> frozenset[str]:
    """The stems of a statement's value ("w:talk,merge" -> {"talk", "merge"})."""
    return frozenset(w for w in words.removeprefix("w:").split(",") if w)


def statement_claims(ctx: ArticleContext, sent: Span) -> Iterator[Claim]:
    for head in sent:
        if head.pos_ not in ("VERB", "AUX") or head.dep_ not in _CLAUSE_DEPS:
            continue
        if _inner(head) and not _is_reporting(ctx, head.head):
            continue  # read with the clause it completes
        if _is_reporting(ctx, head):
            continue  # "X said", "X denied": the clause they govern is the statement
        polarity = ctx.polarity(head)
        content = _content(ctx, head)
        if len(content) < 2:
            continue
        value = "w:" + ",".join(sorted(content))
        for party in _parties(ctx, head, polarity):
            yield ctx.make_claim(head, party, "statement", state=value, polarity=polarity)


def _is_reporting(ctx: ArticleContext, tok: Token) -> bool:
    lemma = tok.lemma_.lower()
    return lemma in ctx.lex.set("speech_verbs") or ctx.is_denial(tok)


def _inner(tok: Token) -> bool:
    """"in talks to merge", "plans to cut", "talks aimed at": completes the clause above."""
    return tok.dep_ in _INNER_DEPS or (
        tok.dep_ == "advcl" and any(c.dep_ == "aux" and c.lower_ == "to" for c in tok.children))


def _own_tokens(head: Token) -> list[Token]:
    """The clause's words without the clauses it embeds (each is a statement of its own)."""
    out: list[Token] = []
    stack = [head]
    while stack:
        tok = stack.pop()
        out.append(tok)
        stack.extend(c for c in tok.children
                     if not (c.pos_ in ("VERB", "AUX") and c.dep_ in _CLAUSE_DEPS
                             and not _inner(c))
                     and c.lower_ != "according")  # "according to X": attribution
    return out


def _content(ctx: ArticleContext, head: Token) -> frozenset[str]:
    light = ctx.lex.set("statement_light_words")
    classes = ctx.lex.map("act_classes")
    said = ctx.speaker_tokens(head)
    found: set[str] = set()
    for tok in _own_tokens(head):
        if tok.pos_ not in _CONTENT_POS or tok.i in said or tok.ent_type_:
            continue
        lemma = tok.lemma_.lower()
        if lemma in light or not lemma.isalpha() or len(lemma) < 3:
            continue
        pos = "noun" if tok.pos_ == "NOUN" else tok.pos_.lower()
        word = classes.get(f"{lemma}/{pos}") or classes.get(lemma) or lemma
        found.add(word[:STEM])
    return frozenset(found)


def _parties(ctx: ArticleContext, head: Token, polarity: Polarity) -> list[EntityRef]:
    """The named parties of the clause (not its speaker); a speaker who denies or negates
    speaks of itself too ("Kaira said it had no plan to cut jobs")."""
    said = ctx.speaker_tokens(head)
    toks = [t for t in _own_tokens(head) if t.i not in said]
    if polarity != Polarity.ASSERTED:
        toks += [t for t in head.sent if t.i in said]
    seen: dict[str, EntityRef] = {}
    for tok in toks:
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
