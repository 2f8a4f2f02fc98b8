"""People and organisations for the linker: the alias tables under shared/data/entities/
(people.json, organizations.json) and the within-article coreference of their names (a
surname joins the full name mentioned in the same article; an acronym or a leading part
joins a longer organisation name).

Separate from place linking (linking.py, place_scoring.py): nothing here looks up places.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from spacy.tokens import Span

from shared.domain.entities import EntityRef, EntityType
from shared.domain.ids import entity_id
from shared.nlp.gazetteer import norm

ENTITY_DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "entities"

TITLES = frozenset({"mr", "mrs", "ms", "dr", "president", "prime", "minister", "governor",
                    "general", "gen", "sen", "senator", "rep", "king", "queen", "prince",
                    "sir", "lord", "pope", "mayor", "chancellor", "judge", "colonel", "lt",
                    "captain", "commander", "chief", "leader", "head"})


@dataclass
class AliasTable:
    """Known people and organisations: normalised alias -> EntityRef."""

    people: dict[str, EntityRef] = field(default_factory=dict)
    orgs: dict[str, EntityRef] = field(default_factory=dict)

    @classmethod
    def load(cls, data_dir: Path = ENTITY_DATA_DIR) -> AliasTable:
        t = cls()
        for fname, key, typ, target in (("people.json", "people", EntityType.PERSON, t.people),
                                        ("organizations.json", "organizations",
                                         EntityType.ORG, t.orgs)):
            path = data_dir / fname
            if not path.exists():
                continue
            for e in json.loads(path.read_text(encoding="utf-8")).get(key, []):
                ref = EntityRef(id=e["id"], name=e["name"], type=typ)
                for n in [e["name"], *e.get("aliases", [])]:
                    k = norm(n)
                    if k:
                        target.setdefault(k, ref)
        return t


@lru_cache(maxsize=2)
def default_aliases(data_dir: str | None = None) -> AliasTable:
    return AliasTable.load(Path(data_dir) if data_dir else ENTITY_DATA_DIR)


def strip_titles(text: str) -> str:
    words = text.split()
    while len(words) > 1 and norm(words[0]) in TITLES:
        words = words[1:]
    return " ".join(words)


def link_people_orgs(aliases: AliasTable, ents: Iterable[Span],
                     ) -> tuple[dict[int, EntityRef], dict[int, EntityRef]]:  # fmt: skip
    """The entity of each PERSON and ORG span, by start token."""
    ents = list(ents)
    people: dict[int, EntityRef] = {}
    orgs: dict[int, EntityRef] = {}
    full_names: list[tuple[list[str], EntityRef]] = []
    for e in ents:
        if e.label_ != "PERSON":
            continue
        name = strip_titles(e.text)
        ref = aliases.people.get(norm(name))
        toks = norm(name).split()
        if ref is None and len(toks) >= 2:
            ref = EntityRef(id=entity_id("person", name), name=name, type=EntityType.PERSON)
        if ref is not None and len(toks) >= 2:
            full_names.append((toks, ref))
    for e in ents:
        if e.label_ != "PERSON":
            continue
        name = strip_titles(e.text)
        k = norm(name)
        ref = aliases.people.get(k)
        if ref is None:
            toks = k.split()
            for ftoks, fref in full_names:
                if toks == ftoks or (len(toks) == 1 and toks[0] in (ftoks[-1], ftoks[0])):
                    ref = fref
                    break
        if ref is None:
            ref = EntityRef(id=entity_id("person", name), name=name, type=EntityType.PERSON)
        people[e.start] = ref
    long_orgs: list[tuple[str, EntityRef]] = []
    for e in ents:
        if e.label_ == "ORG":
            k = norm(e.text)
            ref = aliases.orgs.get(k) or EntityRef(
                id=entity_id("org", e.text), name=re.sub(r"^(?i:the)\s+", "", e.text),
                type=EntityType.ORG)
            if len(k.split()) >= 2:
                long_orgs.append((k, ref))
    for e in ents:
        if e.label_ != "ORG":
            continue
        k = norm(e.text)
        ref = aliases.orgs.get(k)
        if ref is None:
            for lk, lref in long_orgs:
                words = lk.split()
                initials = "".join(w[0] for w in words if w not in ("of", "and", "for"))
                if k != lk and (k == initials or lk.startswith(k + " ")):
                    ref = lref
                    break
        if ref is None:
            ref = EntityRef(id=entity_id("org", e.text),
                            name=re.sub(r"^(?i:the)\s+", "", e.text), type=EntityType.ORG)
        orgs[e.start] = ref
    return people, orgs

