"""The daily table every report is drawn from: one row per day, offered/answered, per category."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Event:
    """A campaign or other dated event marked on the report (e.g. 事前告知メール配信)."""

    day: date
    channel: str
    note: str


@dataclass(frozen=True)
class DayRow:
    """One day. `None` means "not counted" (a `-` in the council's table), not zero."""

    day: date
    offered: int | None
    answered: int | None
    categories: dict[str, int | None] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)

    @property
    def answer_rate(self) -> float | None:
        """answered / offered, or None when either is unknown or nothing was offered."""
        if self.offered is None or self.answered is None or self.offered == 0:
            return None
        return self.answered / self.offered


@dataclass(frozen=True)
class DailyTable:
    """An incident's days in order, with its categories in display order."""

    incident: str
    incident_name: str
    categories: list[str]
    rows: list[DayRow]
    notes: list[str] = field(default_factory=list)
    """What the table left out and why (rows dated outside the plausible window)."""

    @property
    def events(self) -> list[Event]:
        return [e for r in self.rows for e in r.events]
