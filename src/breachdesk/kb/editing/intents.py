"""Breach intents (`breachdesk.intents`) on entry versions: the classifier's and an editor's.

The classifier stores its top three with their probabilities (`intents_by` = "auto"); an
editor's correction is a new draft like a text edit, holding the text it started from and the
chosen intents, each at confidence 1.0 (the editor is sure), with `intents_by` naming the
editor. A later text edit carries an editor's intents over, so approving a reworded answer does
not let the classifier undo the correction; the classifier's own intents are carried only while
the text they were read from is unchanged (else the version has none, and the index classifies
the new text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from breachdesk.db import Database
from breachdesk.db.tables import Entry, EntryVersion
from breachdesk.errors import InvalidInputError
from breachdesk.intents.taxonomy import intent_by_id
from breachdesk.kb.service import AUTO_INTENTS, get_incident

EDITOR_P = 1.0  # an editor's intent is certain
MAX_INTENTS = 10  # an entry matching every intent would be evidence for nothing


@dataclass(frozen=True)
class IntentMark:
    """One intent of an entry version and how sure whoever set it is."""

    intent: str
    p: float


def check_intents(intents: Sequence[str]) -> list[str]:
    """Intent ids checked against the taxonomy, duplicates dropped, in the order given.

    An unknown id or more than `MAX_INTENTS` is an `InvalidInputError` (where="intents");
    an empty list is allowed: none of the taxonomy fits the entry."""
    known = intent_by_id()
    unknown = [i for i in intents if i not in known]
    if unknown:
        names = ", ".join(repr(i[:60]) for i in unknown[:5])
        raise InvalidInputError(
            f"unknown intent {names}: an intent is one of the {len(known)} ids of the "
            "breach-inquiry taxonomy (GET /api/v1/intents)",
            where="intents",
        )
    chosen = list(dict.fromkeys(intents))
    if len(chosen) > MAX_INTENTS:
        raise InvalidInputError(
            f"an entry has at most {MAX_INTENTS} intents ({len(chosen)} given)", where="intents"
        )
    return chosen


def carried_intents(
    start: EntryVersion | None, q: str, a: str, section: str
) -> tuple[list[dict[str, Any]] | None, str | None]:
    """What a text edit keeps of the intents of the version it starts from: an editor's always,
    the classifier's only for the same text (its reading of other words would be stale)."""
    if start is None or start.intents is None:
        return None, None
    if start.intents_by not in (None, AUTO_INTENTS):
        return list(start.intents), start.intents_by
    if (start.question, start.answer, start.section) == (q, a, section):
        return list(start.intents), start.intents_by
    return None, None


def intent_marks(stored: list[Any] | None) -> tuple[IntentMark, ...] | None:
    """A version's stored intents (`[{"intent", "p"}]`) as marks; None when not classified."""
    if stored is None:
        return None
    return tuple(IntentMark(str(i["intent"]), float(i["p"])) for i in stored)


def store_classified_intents(
    db: Database, slug: str, intents: dict[tuple[str, int], list[dict[str, Any]]]
) -> int:
    """Store intents the classifier gave entry versions that have none yet (`by` = "auto").

    Keyed by (entry id, version); a version that already has intents — classified earlier or
    set by an editor — is left as it is. Returns how many versions were classified.
    """
    if not intents:
        return 0
    stored = 0
    with db.transaction() as s:
        incident = get_incident(s, slug)
        rows = s.scalars(
            select(EntryVersion)
            .join(Entry, Entry.id == EntryVersion.entry_id)
            .where(
                Entry.incident_id == incident.id,
                EntryVersion.intents.is_(None),
                EntryVersion.entry_id.in_({entry for entry, _ in intents}),
            )
        )
        for v in rows:
            found = intents.get((v.entry_id, v.version))
            if found is not None:
                v.intents, v.intents_by = found, AUTO_INTENTS
                stored += 1
    return stored
