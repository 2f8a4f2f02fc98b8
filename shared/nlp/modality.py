"""Is a clause asserted by the report, and when does it hold?

`mood(tok, lex, published_at)` says why the clause of `tok` is not an assertion of the
report (a question, a condition, what a speaker could not confirm, what a story, rumour,
post or hoax said, what people believe), or None when it is one. Claims are made only from
asserted clauses: on real news most wrong alerts came from claims read out of such frames
("a fake news story claiming that X was found dead" stored as "X is dead").

`past_episode(tok, lex, published_at)` says whether the clause is dated to an earlier
episode ("in 1990, ... a conference in Sofia", "was freed six weeks later"), which says
nothing about the state at the time of the report.

The words live in shared/data/claims/lexicon.yaml (framing section); polarity (negated,
denied) and hedging stay in ArticleContext, which asks these functions first.
"""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

from spacy.tokens import Token

from shared.domain.timeexpr import MONTHS
from shared.nlp.claim_lexicon import Lexicon
from shared.nlp.deps import to_infinitive, verb_phrases

QUESTION = "question"
CONDITIONAL = "conditional"
UNCONFIRMED = "unconfirmed"
FRAMED = "framed"  # what a story, rumour, post, website or hoax says
BELIEF = "belief"
HEADLINE = "headline"


def clause_chain(tok: Token) -> list[Token]:
    """tok and the heads above it up to the sentence root."""
    out = [tok]
    cur = tok
    while cur.head.i != cur.i and len(out) < 40:
        cur = cur.head
        out.append(cur)
    return out


def _lemma(tok: Token) -> str:
    return tok.lemma_.lower()


def _negated(tok: Token, lex: Lexicon) -> bool:
    negs = lex.set("negation_words")
    return any(c.dep_ == "neg" or (c.dep_ in ("advmod", "det") and c.lower_ in negs)
               for c in tok.children)  # fmt: skip


def _is_question(tok: Token) -> bool:
    text = tok.sent.text.rstrip(" \"'”’)")
    return text.endswith("?")


def _conditional(chain: list[Token], lex: Lexicon) -> bool:
    marks = lex.set("conditional_marks")
    return any(c.dep_ == "mark" and c.lower_ in marks for t in chain for c in t.children)


def _unconfirmed(chain: list[Token], lex: Lexicon) -> bool:
    """"I cannot confirm that ...", "could not independently verify the report of ...",
    "he did not say that the group had agreed": what a speaker did not affirm."""
    affirm = lex.set("confirm_verbs") | lex.set("speech_verbs")
    return any(_lemma(t) in affirm and _negated(t, lex) for t in chain[1:])


def _owned(noun: Token, lex: Lexicon) -> bool:
    """"Russia's claim", "a UN report", "a police report": a framing noun with an owner is
    an attributed statement, not hearsay ("media reports", "internet rumours" are)."""
    hearsay = lex.set("framing_speakers")
    return any(c.dep_ in ("poss", "compound", "nmod") and (
        c.pos_ == "PROPN" or c.ent_type_ or (c.pos_ == "NOUN" and c.lemma_.lower() not in hearsay)
    ) for c in noun.children)  # fmt: skip


def _speech_subjects(verb: Token) -> list[Token]:
    """Who speaks through a reporting verb: its subject, or for a participle the noun or
    subject it hangs on ("the false report claiming that ...", "an article has started
    circulating, claiming that ...")."""
    subj = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
    if not subj and verb.dep_ == "acl":
        return [verb.head]
    if not subj and verb.dep_ in ("xcomp", "advcl", "conj") and verb.head.i != verb.i:
        return [c for c in verb.head.children if c.dep_ in ("nsubj", "nsubjpass")]
    return subj


def _framed(chain: list[Token], lex: Lexicon) -> bool:
    """Under a framing noun ("a story claiming that ...", "rumours that ...", "reports of
    his capture") or said by one ("unconfirmed reports say ...")."""
    nouns, speakers = lex.set("framing_nouns"), lex.set("framing_speakers")
    speech = lex.set("speech_verbs")
    # (the parser sometimes makes the framing noun the subject of the framed verb: "a
    # report that X had died turned out to be false" with "died" as the root)
    if any(c.dep_ == "nsubj" and c.lower_ in nouns and not _owned(c, lex) and c.i < chain[0].i
           for c in chain[0].children if c.pos_ == "NOUN"):  # fmt: skip
        return True
    for below, t in pairwise(chain):
        if t.pos_ in ("NOUN", "PROPN") and (t.lower_ in nouns or _lemma(t) in nouns) and (
            below.dep_ in ("acl", "relcl", "ccomp", "prep", "appos")
        ) and not _owned(t, lex):
            return True
        # "reports had suggested that X may ...": hearsay that suggests, like one that says
        hearsay_verb = _lemma(t) in speech or _lemma(t) in lex.set("hedge_verbs")
        if t.pos_ in ("VERB", "AUX") and hearsay_verb:
            subj = _speech_subjects(t)
            if any((s.lower_ in speakers or _lemma(s) in speakers) and not _owned(s, lex)
                   for s in subj):  # fmt: skip
                return True
            # "It states that ...", "it mentions X was arrested": a document told of by a
            # pronoun (the hoax a story is about), not a source speaking
            if _lemma(t) in lex.set("document_verbs") and any(
                    s.lower_ in ("it", "this") for s in subj):  # fmt: skip
                return True
            if _lemma(t) in speech:
                break  # the nearest reporting verb owns the clause
    return False


def _according_to_hearsay(tok: Token, lex: Lexicon) -> bool:
    """"according to unconfirmed reports", "according to a new report spreading online"."""
    nouns = lex.set("framing_speakers")
    for t in tok.sent:
        if t.lower_ == "according":
            for o in (o for to in t.children for o in to.children if o.dep_ == "pobj"):
                if (o.lower_ in nouns or _lemma(o) in nouns) and not _owned(o, lex):
                    return True
    return False


def _headline(tok: Token) -> bool:
    """A headline or a title quoted in the text ("Who Cried 'Macaulay Culkin Is Dead.'"):
    every word capitalised. It names a story; it does not tell one."""
    words = [t for t in tok.sent if t.is_alpha and len(t) > 3]
    return len(words) >= 3 and all(t.is_title or t.is_upper for t in words)


def _hypothetical(chain: list[Token], lex: Lexicon) -> bool:
    """"If her death is confirmed, she would be the fourth American to die": a clause
    beside an "if" clause, under "would"."""
    marks = lex.set("conditional_marks")
    for t in chain:
        would = any(c.dep_ == "aux" and c.lower_ in ("would", "'d") for c in t.children)
        if would and any(c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in marks
                                                   for m in c.children)
                         for c in t.children):  # fmt: skip
            return True
    return False


def irrealis(tok: Token, lex: Lexicon) -> bool:
    """"a raid that attempted to free Somers", "the operation to free him", "threatened to
    cut off": the state was tried, sought or threatened, not reached; "after rebels seized
    control of it": a background episode, not the state at the time of the report. Plans
    are claims of their own (the negation rule reads them), so this is asked only for
    states."""
    verbs = lex.set("irrealis_verbs")
    chain = clause_chain(tok)
    # (not "pushed back the attackers": a phrase that tells a deed done)
    done = lex.set("realis_phrases")
    if any(_lemma(t) in verbs and not (verb_phrases(t) & done) for t in chain[1:4]):
        return True
    # "the operation to free Mr Somers", "troops moved in to free them": an infinitive
    # under a noun or of purpose tells what is meant or possible, not what is
    if any(t.dep_ in ("acl", "advcl") and to_infinitive(t) for t in chain[:3]):
        return True
    marks = lex.set("background_marks")
    return any(t.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in marks
                                         for c in t.children) for t in chain[:3])  # fmt: skip


def _belief(chain: list[Token], lex: Lexicon) -> bool:
    beliefs = lex.set("belief_verbs")
    return any(_lemma(t) in beliefs for t in chain[1:])


def _hoax(tok: Token, lex: Lexicon) -> bool:
    """A hoax word in the sentence ("a fake news story claiming that X was found dead"),
    except one a side clause uses to dismiss others' claims ("Diapaga remains under our
    control, dismissing what it called fabricated claims"): the speaker's own clause stands."""
    hoax = lex.set("hoax_words")
    denials = lex.set("denial_verbs")
    chain = {t.i for t in (tok, *tok.ancestors)}
    dismissed = {t.i for d in tok.sent if _lemma(d) in denials and d.i not in chain
                 and d.dep_ in ("advcl", "conj") for t in d.subtree}  # fmt: skip
    return any((t.lower_ in hoax or _lemma(t) in hoax) and t.i not in dismissed for t in tok.sent)


def mood(tok: Token, lex: Lexicon) -> str | None:
    """Why the clause of `tok` is not asserted by the report, or None."""
    if _is_question(tok):
        return QUESTION
    if _headline(tok):
        return HEADLINE
    chain = clause_chain(tok)
    if _conditional(chain, lex) or _hypothetical(chain, lex):
        return CONDITIONAL
    if _unconfirmed(chain, lex):
        return UNCONFIRMED
    if _belief(chain, lex):
        return BELIEF
    if _hoax(tok, lex) or _framed(chain, lex) or _according_to_hearsay(tok, lex):
        return FRAMED
    return None


def past_episode(tok: Token, lex: Lexicon, published_at: datetime) -> bool:
    """The clause's own date puts it in an earlier episode, or it goes on telling the earlier
    episode the sentence before dated ("was held in Libya in 2011. He was released after 45
    days")."""
    return _dated_earlier(tok, lex, published_at) or _episode_goes_on(tok, lex, published_at)


def _episode_goes_on(tok: Token, lex: Lexicon, published_at: datetime) -> bool:
    """A past-tense clause with a pronoun subject and no date of its own, right after a
    sentence dated to an earlier episode, tells that episode on."""
    sent = tok.sent
    if sent.start == 0 or tok.tag_ not in ("VBD", "VBN"):
        return False
    if any(c.dep_ == "aux" and c.tag_ in ("VBZ", "VBP") for c in tok.children):
        return False  # "he has been released": the present of the report
    subject = next((c for c in tok.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None or subject.pos_ != "PRON":
        return False
    if any(t.ent_type_ in ("DATE", "TIME") and t.lower_ in lex.set("report_time_words")
           for t in sent):  # fmt: skip
        return False  # "He was released on Monday": dated to the report
    before = tok.doc[sent.start - 1].sent
    return any(_dated_earlier(t, lex, published_at) for t in before
               if t.pos_ in ("VERB", "AUX") and t.dep_ in ("ROOT", "conj"))


def _dated_earlier(tok: Token, lex: Lexicon, published_at: datetime) -> bool:
    """A clause dated to an earlier episode of a story, not to the report: "was freed six
    weeks later", "was detained in 2011", "had once held the town", "in 1990, ... gathered
    for a conference in Sofia". Coordinated verbs share the date."""
    words = lex.set("narrative_time_words")
    offsets, units = lex.set("narrative_offset_words"), lex.set("narrative_units")
    year = published_at.year
    verbs = [t for t in clause_chain(tok) if t.pos_ in ("VERB", "AUX")][:2] or [tok]
    verbs += [c for v in list(verbs) for c in v.children if c.dep_ == "conj"]
    verbs += [v.head for v in list(verbs) if v.dep_ == "conj"]
    if tok not in verbs:
        verbs.append(tok)
    for c in (c for v in verbs for c in v.children):
        if c.dep_ in ("advmod", "npadvmod"):
            sub = list(c.subtree)
            if any(t.lower_ in words for t in sub):
                return True
            # "six weeks later", "two years ago"; not "later on Tuesday", "hours ago", nor a
            # comparison ("down 18% from a year earlier")
            compared = any(t.lower_ in ("from", "than", "compared", "versus") for t in sub)
            # ("said on Friday, a day after addressing Congress": dated by another event,
            # not told from an earlier time)
            anchored = any(t.lower_ in ("before", "after") and any(t.children) for t in sub)
            if not (compared or anchored) and any(t.lower_ in offsets for t in sub) and any(
                _lemma(t) in units for t in sub
            ):
                return True
        if c.dep_ == "prep" and c.lower_ in ("in", "during", "since"):
            for pobj in c.children:
                # "in 2011", "in February 2013": a year before the report's
                years = [t for t in pobj.subtree if t.ent_type_ == "DATE" and t.text.isdigit()
                         and len(t.text) == 4]  # fmt: skip
                if pobj.dep_ == "pobj" and any(int(t.text) < year for t in years):
                    return True
                # "In March, landslides killed 20" in a December report: a month two or more
                # before the report's, told in the past tense, is an earlier episode
                if pobj.dep_ == "pobj" and not years and _past_tense(verbs[0], lex):
                    month = MONTHS.get(pobj.lower_)
                    if month is not None and (published_at.month - month) % 12 > 1:
                        return True
    return False


def _past_tense(verb: Token, lex: Lexicon) -> bool:
    """"killed", "had killed", "was killed"; not "will be held", "is to be held"."""
    aux = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if any(c.lower_ in lex.set("future_auxiliaries") or c.tag_ == "TO" for c in aux):
        return False
    return verb.tag_ == "VBD" or (verb.tag_ == "VBN" and any(c.tag_ in ("VBD", "VBZ", "VBP")
                                                             for c in aux))  # fmt: skip


