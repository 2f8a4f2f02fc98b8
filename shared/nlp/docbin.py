"""Carry a spaCy parse between services, so each article is parsed once."""

from __future__ import annotations

import base64

from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

# What the claim extractor reads; vectors and user data stay behind.
_ATTRS = [
    "ORTH",
    "LEMMA",
    "POS",
    "TAG",
    "DEP",
    "HEAD",
    "ENT_IOB",
    "ENT_TYPE",
    "ENT_KB_ID",
    "SENT_START",
    "MORPH",
    "SPACY",
]


def encode_doc(doc: Doc) -> str:
    return base64.b64encode(DocBin(attrs=_ATTRS, docs=[doc]).to_bytes()).decode("ascii")


def decode_doc(data: str, vocab: Vocab) -> Doc:
    docs = list(DocBin().from_bytes(base64.b64decode(data)).get_docs(vocab))
    if len(docs) != 1:
        raise ValueError(f"expected one document in the parse, found {len(docs)}")
    return docs[0]
