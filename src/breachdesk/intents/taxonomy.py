"""The breach inquiry taxonomy and its example phrasings, as shipped package data.

`taxonomy.json` lists the intents (what an affected person wants to know after a leak), each
with a stable English id, a short Japanese label, a one-sentence Japanese description, the
inquiry category an operator would file it under (`inquiries.categories.DEFAULT_CATEGORIES`)
and, where it concerns data items, their keys (the keys of `kb.facts.ITEM_VOCABULARY`).
`phrasings/<id>.txt` holds one phrasing a line; blank lines and lines starting with `#` are
skipped. The SHA-256 of the parsed phrasings (not of the files, so a comment does not count)
names the data a set of weights was trained on.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable


@dataclass(frozen=True)
class Intent:
    """One thing affected people ask about."""

    id: str
    label: str
    description: str
    category: str
    items: tuple[str, ...] = ()


def _package() -> Traversable:
    return resources.files("breachdesk.intents")


@cache
def load_taxonomy() -> tuple[Intent, ...]:
    """The intents in taxonomy order (the order of the classifier's columns)."""
    raw = json.loads(_package().joinpath("taxonomy.json").read_text("utf-8"))
    return tuple(
        Intent(
            id=item["id"],
            label=item["label"],
            description=item["description"],
            category=item["category"],
            items=tuple(item.get("items", ())),
        )
        for item in raw["intents"]
    )


def intent_by_id() -> dict[str, Intent]:
    """The taxonomy keyed by intent id."""
    return {intent.id: intent for intent in load_taxonomy()}


def parse_phrasings(text: str) -> list[str]:
    """The phrasings of one file: stripped lines, without blanks and `#` comments."""
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def phrasing_file(intent_id: str) -> Traversable:
    """Where an intent's phrasings live inside the package."""
    return _package().joinpath("phrasings", f"{intent_id}.txt")


@cache
def load_phrasings() -> dict[str, tuple[str, ...]]:
    """Every intent's phrasings, in taxonomy order; an intent without a file has none."""
    out: dict[str, tuple[str, ...]] = {}
    for intent in load_taxonomy():
        source = phrasing_file(intent.id)
        out[intent.id] = (
            tuple(parse_phrasings(source.read_text("utf-8"))) if source.is_file() else ()
        )
    return out


def training_data(
    phrasings: dict[str, tuple[str, ...]] | None = None,
) -> tuple[list[str], list[int]]:
    """Texts and their intent column indices, duplicates (same text, same intent) dropped."""
    phrasings = load_phrasings() if phrasings is None else phrasings
    column = {intent.id: i for i, intent in enumerate(load_taxonomy())}
    texts: list[str] = []
    labels: list[int] = []
    seen: set[tuple[str, int]] = set()
    for intent_id, lines in phrasings.items():
        for line in lines:
            key = (line, column[intent_id])
            if key not in seen:
                seen.add(key)
                texts.append(line)
                labels.append(column[intent_id])
    return texts, labels


def data_sha256(phrasings: dict[str, tuple[str, ...]] | None = None) -> str:
    """SHA-256 of the training data (intent ids in order, each with its phrasings)."""
    phrasings = load_phrasings() if phrasings is None else phrasings
    canonical = json.dumps(
        [[intent_id, list(lines)] for intent_id, lines in phrasings.items()],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
