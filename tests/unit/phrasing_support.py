"""What the wire-phrasing tests share: the shipped pipeline (real spaCy, lexicon and
gazetteer) and the claims it reads from one invented report."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.domain.claims import Claim
from shared.domain.entities import Mention
from shared.nlp.claim_extraction import ArticleInfo, read_claims

WHEN = datetime(2025, 9, 20, 11, tzinfo=UTC)


@pytest.fixture(scope="module")
def nlp() -> Any:
    from shared.nlp.pipeline import build_nlp

    return build_nlp()


def mentions(nlp: Any, text: str) -> list[Mention]:
    from shared.nlp.pipeline import link_doc

    return link_doc(nlp, text)[1]


def claims(nlp: Any, text: str, when: datetime = WHEN, article: str = "a1") -> list[Claim]:
    from shared.nlp.pipeline import link_doc

    doc, found = link_doc(nlp, text)
    info = ArticleInfo(id=article, source="Wire", published_at=when)
    return read_claims(doc, found, info).claims


def of(cs: list[Claim], prefix: str) -> list[Claim]:
    """The claims whose relation starts with `prefix`."""
    return [c for c in cs if c.relation.startswith(prefix)]
