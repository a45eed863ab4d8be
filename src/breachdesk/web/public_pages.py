"""What an incident's help page shows besides the answer, kept per worker per knowledge-base
version: on the morning of a leak the page is opened far more often than the FAQ changes.

Reading the incident, every entry and the published scope, and grouping them into the page's
sections, took ~10 ms a view (SQL and ORM work); a view now asks the store only for the
incident's knowledge-base version, and that at most once per `BREACHDESK_KB_REFRESH_SECONDS`
(the answer engine's own staleness bound): an approval or an import shows on every worker's page
within that time. Only the parts that depend on the clock (the desks' open/closed status) or on
the request (the question and its answer) are computed per view.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from breachdesk.desk import Desk
from breachdesk.kb import service
from breachdesk.kb.service import EntryView, IncidentView
from breachdesk.web.public_views import (
    faq_groups,
    notice_blocks,
    source_labels,
    split_entries,
    summarise,
)


@dataclass(frozen=True)
class PageParts:
    """An incident's page parts at one knowledge-base version."""

    version: int
    incident: IncidentView
    entries: list[EntryView]
    static: dict[str, Any]
    """Template context that depends only on the knowledge base."""

    def entry(self, entry_id: str | None) -> EntryView | None:
        return next((e for e in self.entries if e.id == entry_id), None)


class PublicPages:
    """Page parts per incident, rebuilt when the incident's knowledge-base version moves."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.refresh_seconds = desk.settings.kb_refresh_seconds
        self._parts: dict[str, PageParts] = {}
        self._checked: dict[str, float] = {}
        self._lock = threading.Lock()

    def parts(self, slug: str) -> PageParts:
        """The incident's parts, current to within `refresh_seconds` (not found: NotFoundError)."""
        now = time.monotonic()
        cached = self._parts.get(slug)
        checked = self._checked.get(slug)
        if cached is not None and checked is not None and now - checked < self.refresh_seconds:
            return cached
        version = service.kb_version(self.desk.db, slug)
        if cached is None or cached.version != version:
            cached = self._build(slug, version)
        with self._lock:
            self._parts[slug] = cached
            self._checked[slug] = now
        return cached

    def _build(self, slug: str, version: int) -> PageParts:
        incident = self.desk.incident(slug)
        entries = self.desk.entries(slug)
        parts = split_entries(entries)
        static = {
            "summary": summarise(parts.notice + parts.faq),
            "notice": notice_blocks(parts.notice),
            "faq": faq_groups(parts.faq),
            "contact_entries": parts.contacts,
            "scope_periods": self.desk.published_scope(slug).periods(),
            "source_labels": source_labels(entries),
        }
        # Read after the parts: a change meanwhile shows at the next check, never half of one.
        return PageParts(min(version, incident.kb_version), incident, entries, static)
