"""The claim rules, one module per kind of relation. Each rule reads one sentence of an
article (`Rule`: context and sentence in, claims out); shared.nlp.claim_extraction runs
them in order (`RULES`) and adds the frame patterns of the relation registry.

  location.py    located_in: "X, a town in Y", "the city of X in Y", "Paris, Texas"
  schedule.py    held_in, scheduled_for: events held in a place, set for a date; HQs
  control.py     controlled_by: captured, held, withdrawn from, "under Russian control"
  quantities.py  quantity:<measure>: tolls, the killed, injured, evacuated of an event
  status.py      status (released, detained, dead, closed) and event:occur
  offices.py     office:<title>: who holds which office of an organisation or country
  business.py    event:<verb> (what an organisation plans or did) and deal values

The words the rules look for live in shared/data/claims/lexicon.yaml.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from spacy.tokens import Span

from shared.domain.claims import Claim
from shared.nlp.claim_context import ArticleContext

Rule = Callable[[ArticleContext, Span], Iterable[Claim]]


class Skip(Exception):
    """Raised by a rule to drop the rest of its claims for the sentence (a count that does
    not parse as a number)."""
