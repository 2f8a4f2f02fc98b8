"""Corrections to what the pinned spaCy model gets wrong on news, applied in its pipeline.

- ``claimwatch_line_breaks`` (a registered component, first in the pipeline): a line break
  ends a sentence;
- ``add_lemma_fixes``: spaCy's own attribute_ruler after the lemmatizer, with the verb forms
  the model lemmatizes wrong as data (``data/claims/lemma_fixes.json``), so that a rule keyed
  on "retake" reads "retook".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import srsly
from spacy.language import Language
from spacy.tokens import Doc

LEMMA_FIXES = Path(__file__).resolve().parent.parent / "data" / "claims" / "lemma_fixes.json"


def add_lemma_fixes(nlp: Language) -> None:
    """spaCy's own attribute_ruler after the lemmatizer, from lemma_fixes.json: verb forms
    the model lemmatizes wrong."""
    fixes = {k: v for k, v in srsly.read_json(LEMMA_FIXES).items() if not k.startswith("_")}
    after = "lemmatizer" if "lemmatizer" in nlp.pipe_names else None
    ruler: Any = nlp.add_pipe("attribute_ruler", name="claimwatch_lemma_fixes", after=after)
    for form, lemma in fixes.items():
        ruler.add(patterns=[[{"LOWER": form, "POS": "VERB"}]], attrs={"LEMMA": lemma})


@Language.component("claimwatch_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence. News bodies glue a tweet embed, a byline or a caption to
    the next paragraph with only a newline between them; parsed as one sentence, "Hala
    Gorani ... Original Story: U.S. President Barack Obama" made Gorani a president. The
    parser keeps boundaries set before it runs."""
    for tok in doc[:-1]:
        if "\n" in tok.whitespace_ or (tok.is_space and "\n" in tok.text):
            doc[tok.i + 1].is_sent_start = True
    return doc
