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

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of DESIGN.md's contract (`ask --json`, `ask --batch`, the API)."""
        data = asdict(self)
        data["score"] = round(self.score, 4)
        for c in data["candidates"]:
            c["score"] = round(c["score"], 4)
        return data
