"""The `Answer` object: what every face (CLI, API, page) returns for a question."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class DeskCard:
    """The contact desk shown with every answer and with every abstention."""

    label: str | None
    phone: str | None
    hours: str | None
    mail: str | None
    open_now: bool | None


@dataclass(frozen=True)
class Candidate:
    entry: str
    question: str
    score: float


@dataclass(frozen=True)
class Suggestion:
    """An approved entry offered for the person to choose when the engine is not sure enough to
    answer: its question and its approved answer text, verbatim (a client shows it on a click)."""

    entry: str
    question: str
    answer: str
    section: str | None = None


ANSWERED = "answered"
SUGGESTED = "suggested"
ABSTAINED = "abstained"


@dataclass(frozen=True)
class Answer:
    """An approved answer returned verbatim, or an abstention (`answered` false, `answer` None)."""

    incident: str
    question: str
    answered: bool
    answer: str | None
    matched_question: str | None
    entry: str | None
    entry_version: int | None
    section: str | None
    source: str | None
    score: float
    candidates: list[Candidate] = field(default_factory=list)
    contact: DeskCard | None = None
    # `answered`, `suggested` (up to three approved entries to choose from) or `abstained`.
    outcome: str = ABSTAINED
    suggestions: list[Suggestion] = field(default_factory=list)
    # The question's most likely breach intent (`breachdesk.intents` taxonomy id, e.g.
    # `am_i_affected`), when the intent model is sure enough; None otherwise.
    intent: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of DESIGN.md's contract (`ask --json`, `ask --batch`, the API)."""
        data = asdict(self)
        data["outcome"] = ANSWERED if self.answered else self.outcome
        data["score"] = round(self.score, 4)
        for c in data["candidates"]:
            c["score"] = round(c["score"], 4)
        return data
