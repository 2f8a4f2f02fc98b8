"""office:<title>: who holds an office of an organisation or country ("X, the chief
executive of Y", "Y's CEO X", "X is CEO of Y", "Y named X its new chief executive").
"""

from __future__ import annotations

from collections.abc import Iterable

from spacy.tokens import Span, Token

from shared.domain.claims import Claim, Polarity
from shared.domain.entities import EntityRef, EntityType, Mention, PlaceRank
from shared.domain.ids import entity_id
from shared.nlp.claim_context import ArticleContext
from shared.nlp.deps import children, lemma_of, prep_objects
from shared.nlp.frames import subject_of
from shared.nlp.names import as_country, country_ref, fallback_org, is_label_guess


def rule_office(ctx: ArticleContext, sent: Span) -> Iterable[Claim]:
    """"Y chief executive X", "X, the chief executive of Y", "X, Y's CEO", "X is CEO of Y"."""
    seen: set[int] = set()
    # "its chief executive X", "profit rose, chief executive X said": the one organisation
    # the sentence names
    orgs = {o.id: (t.i, o) for t in sent for m2 in [ctx.mention_at(t)]
            if m2 is not None and m2.label == "ORG"
            for o in [ctx.org_of_mention(m2)] if o is not None}  # fmt: skip
    only = next(iter(orgs.values())) if len(orgs) == 1 else None
    for tok in sent:
        m = ctx.mention_at(tok)
        if m is None or (m.label == "ORG" and m.entity is not None
                         and is_label_guess(m.entity) and id(m) not in seen):
            found_name = _untagged_holder(ctx, tok)
            if found_name is None and m is not None:
                continue
            if m is not None:
                seen.add(id(m))
            if found_name is None:
                continue
            person, toks = found_name
        elif id(m) in seen:
            continue
        else:
            person = ctx.ref_of_mention(m)
            toks = [t for t in sent if ctx.mention_at(t) is m]
        if person.type != EntityType.PERSON:
            continue
        # the head token of the person's name
        head = next((t for t in toks if t.head not in toks), toks[-1])
        while head.dep_ == "compound" and head.head.pos_ == "PROPN" and head.head.i > head.i:
            # "Marcela Choque Huanca": the NER's name may stop short of the parse's head
            head = head.head
        if m is not None:
            seen.add(id(m))
        phrases: list[list[Token]] = []
        left = _own_title(ctx, list(ctx.doc[head.left_edge.i : toks[0].i]), m)
        if left:
            phrases.append(left)
            for prep in children(head, "prep"):  # "Foreign Minister X of Verenia"
                if prep.lower_ == "of":
                    phrases.append(left + list(prep.subtree))
        for a in children(head, "appos"):
            phrases.append(list(a.subtree))
        if head.dep_ == "appos":
            # "the mayor of Kraljevo, Milena Stojkovic": the parser may hang the name on
            # "Kraljevo"; the title is the noun above the "of" phrase
            top = head.head
            while top.dep_ == "pobj" and top.head.dep_ == "prep" and top.head.head.i != top.i:
                top = top.head.head
            phrases.append([t for t in top.subtree if t.i < head.i])
        # (never the holder's own name: "Peru's prime minister, Rosa Elena Salazar" with the
        # name tagged ORG is no office of an organisation "Rosa Elena Salazar")
        own_name = {t.i for t in toks}
        phrases = [[t for t in p if t.i not in own_name] for p in phrases]
        # (the title before the name or beside it is asserted whatever the sentence denies:
        # "Energy Minister X denied that ..." still names the minister)
        titled = len(phrases)
        if head.dep_ == "nsubj" and _holds_now(ctx, head.head):  # "X is/became CEO of Y"
            phrases += _office_complements(head.head)
        for rel in children(head, "relcl"):  # "X, who became chief executive of Y in 2023"
            if _holds_now(ctx, rel):
                phrases += _office_complements(rel)
        # the guess holds for an organisation named before the person ("profit rose, chief
        # executive X said"), not one in a later clause ("CEO Jeff Bewkes said ... who do
        # not subscribe to HBO": Bewkes heads HBO's parent)
        own = only[1] if only is not None and only[0] < head.i else None
        found, by_title = None, False
        for k, words in enumerate(phrases):
            found = _office_in(ctx, words, sentence_org=own)
            if found is not None:
                by_title = k < titled
                break
        if found is None:
            found = _appointment(ctx, head)
        if found is None and left:
            found, by_title = _bare_title(ctx, left), True
        if found is not None:
            org, title = found
            yield ctx.make_claim(head, org, f"office:{title}", object=person,
                                 polarity=Polarity.ASSERTED if by_title else None)


def _holds_now(ctx: ArticleContext, verb: Token) -> bool:
    """"X is / became / heads ...", not "X, who was finance minister until 2021"."""
    if lemma_of(verb) not in ctx.lex.set("office_holding_verbs"):
        return False
    # "X, who was finance minister", "who served as mayor from 2014 to 2022": a past term
    ended = lemma_of(verb) in ctx.lex.set("past_term_verbs") and verb.tag_ == "VBD"
    return not ended and not prep_objects(verb, "until", "till")


def _untagged_holder(ctx: ArticleContext, tok: Token) -> tuple[EntityRef, list[Token]] | None:
    """"Niger's Minister of Mines, Hamidou Garba Sani, said": a name the NER missed, in
    apposition to a title, is the title's holder (the name's head word only, once)."""
    if tok.pos_ != "PROPN" or tok.dep_ != "appos":
        return None
    titles = {k.split()[0] for k in ctx.lex.map("offices")} | {
        k.split()[-1] for k in ctx.lex.map("offices")}
    if tok.head.lower_ not in titles and tok.head.lemma_.lower() not in titles:
        return None
    names = [c for c in tok.children if c.dep_ in ("compound", "flat") and c.pos_ == "PROPN"]
    toks = sorted([*names, tok], key=lambda t: t.i)
    mention = ctx.mention_at(tok)
    if len(toks) < 2 or any(ctx.mention_at(t) is not mention for t in toks):
        return None  # a name the NER split, or one it linked as something else
    who = " ".join(t.text for t in toks)
    return EntityRef(id=entity_id("person", who), name=who, type=EntityType.PERSON), toks


def _own_title(ctx: ArticleContext, left: list[Token], person: object) -> list[Token]:
    """The words before a name that are its own title: not those of another person the
    parser hung on it ("Mayor Bill de Blasio and Police Commissioner William Bratton")."""
    cut = 0
    for k, t in enumerate(left):
        other = ctx.mention_at(t)
        if t.dep_ == "cc" or t.text in (",", ";") or (
                other is not None and other is not person and other.label == "PERSON"):
            cut = k + 1
    return left[cut:]


def _bare_title(ctx: ArticleContext, words: list[Token]) -> tuple[EntityRef, str] | None:
    """"Prime Minister X inaugurated ...", "Chief executive X said the company ...": a title
    without its organisation is the office of what the article is about: its country for a
    national office, its region or town for a local one, its company for a company's."""
    local = ctx.lex.set("local_offices")
    place_offices = ctx.lex.set("place_offices")
    candidates: list[tuple[EntityRef | None, frozenset[str] | None]] = []
    # "Governor X said" in a story about the Central Bank of Y: the bank's, not the city's
    org = ctx.salient_org() if _about_one_org(ctx) else None
    if org is not None:
        org_words = set(org.name.lower().split())
        candidates.append((org, frozenset(t for t, word in ctx.lex.pairs("org_place_titles")
                                          if word in org_words)))
    # only in a story about one country: "President Obama" in a story about Iraq is not
    # Iraq's president
    if ctx.main_country is not None and ctx.one_country:
        # a country's offices are keyed on the country ("Mali's prime minister" and "Prime
        # Minister X ... near Bamako")
        candidates.append((country_ref(*ctx.main_country), place_offices - local))
    main = ctx.main_place
    if main is not None and main.rank in (PlaceRank.ADMIN1, PlaceRank.CITY):
        candidates.append((main, local))
    # a company's title only where the sentence speaks of a company ("Chief executive X
    # said the company ..."), not "Chairman Dempsey said" in a story about ISIS
    company = ctx.lex.set("org_nouns") | {"its", "their", "our", "we"}
    if words and any(t.lower_ in company or lemma_of(t) in company for t in words[0].sent):
        candidates.append((ctx.salient_org(), None))
    elif _about_one_org(ctx):
        # "chief executive X said at a briefing": in a story about one company, its own
        candidates.append((ctx.salient_org(), None))
    for holder, titles in candidates:
        if holder is None:
            continue
        found = _office_in(ctx, words, default_org=holder)
        if found is None or found[0] is not holder:
            continue
        title = found[1]
        if (titles is not None and title in titles) or (titles is None and
                                                        title not in place_offices):
            return found
    return None


def _office_complements(verb: Token) -> list[list[Token]]:
    """The title phrases of "is/became CEO of Y", "serves as chief executive of Y"."""
    comps = children(verb, "attr", "oprd") + prep_objects(verb, "as")
    body = children(verb, "dobj")
    if body and prep_objects(verb, "as"):
        # "who heads the Central Bank of X as its governor": the title and what it heads
        return [list(c.subtree) + list(body[0].subtree) for c in prep_objects(verb, "as")]
    return [list(c.subtree) for c in comps]


def _appointment(ctx: ArticleContext, person: Token) -> tuple[EntityRef, str] | None:
    """"Y named/appointed X (as) its new chief executive", "X was named CEO of Y": the
    appointed person holds the office from then on ("new" is no obstacle here, unlike in
    "the new CEO" of an unnamed company). The organisation is in the title phrase or is the
    verb's subject."""
    verb = person.head
    if lemma_of(verb) not in ctx.lex.set("appointment_verbs") or person.dep_ not in (
        "dobj", "nsubjpass", "oprd"
    ):
        return None
    if children(verb, "neg"):
        return None
    # "named X chief executive, replacing Y, who retires in June": a handover in progress,
    # during which reports of Y as chief executive are no contradiction
    if any(lemma_of(t) in ctx.lex.set("handover_words") for t in verb.sent):
        return None
    subj = None if person.dep_ == "nsubjpass" else subject_of(verb)
    org: EntityRef | None = None
    if subj is not None:
        m = ctx.mention_at(subj)
        org = ctx.proper_org(subj) or (ctx.org_of_mention(m) if m is not None and
                                       m.label == "ORG" else None)  # fmt: skip
    for words in _office_complements(verb):
        found = _office_in(ctx, words, default_org=org, allow_new=True)
        if found is not None:
            return found
    return None


def _about_one_org(ctx: ArticleContext) -> bool:
    """The article's organisation is what it is about: named in its first sentence, and
    more often than any other organisation."""
    org = ctx.salient_org()
    if org is None:
        return False
    first = next(iter(ctx.doc.sents), None)
    return first is not None and any(
        (m := ctx.mention_at(t)) is not None and m.label == "ORG"
        and (o := ctx.org_of_mention(m)) is not None and o.id == org.id for t in first)


def _sole_head(ctx: ArticleContext, org: EntityRef, title: str) -> bool:
    """A title many hold in most bodies, held by one in a body of this kind ("the director
    of the Cybersecurity Agency"; lexicon `sole_shared_titles`)."""
    last = (org.name.split() or [""])[-1].lower()
    return org.type == EntityType.ORG and f"{title} {last}" in ctx.lex.set("sole_shared_titles")


def _office_in(ctx: ArticleContext, words: list[Token], default_org: EntityRef | None = None,
               allow_new: bool = False, sentence_org: EntityRef | None = None,
               ) -> tuple[EntityRef, str] | None:  # fmt: skip
    """(organisation, title) of a title phrase. `default_org` is the appointing organisation
    ("Acme named X its president"); `sentence_org` the one organisation the sentence names,
    a guess for a bare company title ("chief executive X said"), never for a country's."""
    offices = ctx.lex.map("offices")
    org: EntityRef | None = None
    org_ids: set[int] = set()
    place: tuple[EntityRef, set[int]] | None = None  # for the offices of a country or city
    for t in words:
        m = ctx.mention_at(t)
        if m is not None and place is None and m.label in ("GPE", "LOC"):
            ref = ctx.place_at(t, allow_coref=False)
            if ref is not None:
                place = (ref, {w.i for w in words if ctx.mention_at(w) is m})
        if m is None and org is None and t.pos_ == "PROPN" and t.dep_ in ("compound", "nmod"):
            # "Raja head coach X": the short name of a body the article named in full
            # (whatever the NER called it: "Raja Casablanca beat ..." is often a PERSON)
            full = _full_name(ctx, t)
            if full is not None:
                org, org_ids = fallback_org(full), {t.i}
                continue
        if m is not None and org is None and _appointer(ctx, m):
            continue  # "the Taliban-appointed governor of X": not the Taliban's governor
        if m is not None and org is None and m.label not in ("GPE", "LOC", "NORP", "DATE",
                                                             "PERSON"):  # fmt: skip
            org = ctx.org_of_mention(m) or _named_body(m)
            if org is not None:
                org_ids = {w.i for w in words if ctx.mention_at(w) is m}
    if org is not None and org_ids and _part_of_title(words, org_ids, offices):
        org, org_ids = None, set()  # "Interior Minister X" with "Interior" tagged ORG
    if org is None and any(t.lower_ in ("company", "firm", "group", "bank", "carrier")
                           and any(c.dep_ == "case" for c in t.children) for t in words):
        org = ctx.salient_org()  # "the company's CEO, X"
    by_place = org is None and place is not None
    if by_place and place is not None:
        org, org_ids = as_country(place[0]), place[1]
    elif org is None and default_org is not None and any(t.lower_ in ("its", "their") or
                                                         t.dep_ != "prep" for t in words):
        org = default_org  # "Acme named X as its chief executive"
    elif org is None:
        org = sentence_org
    if org is None:
        return None
    rest = [t.lower_ for t in words if t.i not in org_ids and t.pos_ not in ("DET", "PUNCT")
            and t.dep_ != "case"]  # fmt: skip
    text = " " + " ".join(rest) + " "
    former = ctx.lex.set("former_words") - ({"new", "incoming"} if allow_new else set())
    if any(w in former or w.split("-")[0] + "-" in former for w in rest):
        return None
    for key in sorted(offices, key=len, reverse=True):
        if f" {key} " in text:
            title = offices[key]
            if _sub_office(ctx, words, key, org_ids) or (
                    title in ctx.lex.set("shared_titles") and not _sole_head(ctx, org, title)):
                return None
            if by_place and title not in ctx.lex.set("place_offices"):
                # "a Kenyan trade official": no office of Kenya's; "the London-based
                # lender's chief executive": the lender's, when known
                # "Lappland's chief executive" (a region's name): the company of that name
                named = next(filter(None, (_full_name(ctx, t) for t in words
                                           if t.i in place[1])), None) if place else None
                if (default_org or sentence_org) is None and named is None:
                    return None
                org = default_org or sentence_org or fallback_org(str(named))
            country = _owning_country(ctx, words, org_ids)
            if country is not None and title in ctx.lex.set("place_offices"):
                return country, title  # "the coach of Ghana's Black Meteors": Ghana's coach
            if org is sentence_org and title in ctx.lex.set("place_offices") and not any(
                    lemma_of(t) in ctx.lex.set("org_nouns") for t in words):  # fmt: skip
                # "President Obama" in a sentence about ISIS; but "company president X"
                # is the sentence's company's
                return None
            if org is None:
                return None
            return org, title
    return None


def _part_of_title(words: list[Token], org_ids: set[int], offices: dict[str, str]) -> bool:
    """The organisation the NER found is a word of the title ("Interior" of "Interior
    Minister"): the title with it is an office, without it is none."""
    full = " " + " ".join(t.lower_ for t in words if t.pos_ not in ("DET", "PUNCT")) + " "
    rest = " " + " ".join(t.lower_ for t in words if t.i not in org_ids
                          and t.pos_ not in ("DET", "PUNCT")) + " "  # fmt: skip
    return any(f" {k} " in full for k in offices) and not any(f" {k} " in rest for k in offices)


def _owning_country(ctx: ArticleContext, words: list[Token],
                    org_ids: set[int]) -> EntityRef | None:  # fmt: skip
    """The country whose team or body the organisation is ("Ghana's Black Meteors")."""
    owners = [c for t in words if t.i in org_ids for c in t.children
              if c.dep_ == "poss" and c.i not in org_ids]  # fmt: skip
    for c in owners:
        ref = ctx.place_at(c, allow_coref=False)
        if ref is not None and ref.rank == PlaceRank.COUNTRY:
            return as_country(ref)
    return None


def _full_name(ctx: ArticleContext, word: Token) -> str | None:
    """The one longer name in the article that starts with this word, if any."""
    names = {" ".join(w) for m in ctx.mentions if m.label in ("ORG", "PERSON", "FAC")
             for w in [m.text.split()] if len(w) > 1 and w[0] == word.text}  # fmt: skip
    return next(iter(names)) if len(names) == 1 else None


def _named_body(m: Mention) -> EntityRef | None:
    """"the head coach of Raja Casablanca" (tagged a facility, linked to no place): what a
    title is "of" is the body whose office it is."""
    ent = m.entity
    if m.label == "FAC" and (ent is None or (ent.id.startswith("name:") and ent.rank is None)):
        return fallback_org(m.text)
    return None


def _appointer(ctx: ArticleContext, m: Mention) -> bool:
    """The mention is joined by a hyphen to a participle ("Taliban-appointed", "UN-backed"):
    who appointed or backs the office holder, not the office's organisation."""
    span = ctx.mention_span(m)
    doc = ctx.doc
    return span is not None and span.end + 1 < len(doc) and doc[span.end].text == "-" and (
        doc[span.end + 1].tag_ == "VBN")


def _sub_office(ctx: ArticleContext, words: list[Token], key: str, org_ids: set[int]) -> bool:
    """"head of marketing", "chief executive of its UK unit": the title is qualified by
    something other than the organisation, so it is one of many such offices."""
    last = key.split()[-1]
    # "chairman of the board" is the chair; "chief executive of the company" its chief;
    # "head coach of Peru's national team" the country's coach
    company = ctx.lex.set("whole_body_nouns")
    for t in words:
        if t.lower_ != last:
            continue
        for o in prep_objects(t, "of", "for", "at"):
            # "the coach of Ghana's Black Meteors": a name the organisation owns is itself
            owned = o.pos_ == "PROPN" and any(c.dep_ == "poss" and c.i in org_ids
                                              for c in o.children)  # fmt: skip
            if o.i not in org_ids and lemma_of(o) not in company and ctx.mention_at(o) is None \
                    and not owned:  # fmt: skip
                return True
    return False
