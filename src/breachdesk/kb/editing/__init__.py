"""Editing the knowledge base from the console and the API, one module per concern.

`entries` (an entry's history, what is served), `drafts` (saving edits, stale-edit refusal),
`publishing` (approve, reject, withdraw), `intents`, `phrasings`, `documents` (versions and
their diffs), `incidents` (create, rename). Callers import the names from here.
"""

from breachdesk.kb.editing.documents import (
    DocumentView,
    EntryChange,
    document_changes,
    list_documents,
)
from breachdesk.kb.editing.drafts import (
    MAX_ANSWER,
    MAX_QUESTION,
    create_entry,
    propose_intents,
    propose_version,
)
from breachdesk.kb.editing.entries import (
    EntryDetail,
    VersionView,
    entry_detail,
    newest_version,
    pending_drafts,
)
from breachdesk.kb.editing.incidents import create_incident, update_incident
from breachdesk.kb.editing.intents import (
    MAX_INTENTS,
    IntentMark,
    check_intents,
    store_classified_intents,
)
from breachdesk.kb.editing.phrasings import add_phrasing, phrasings
from breachdesk.kb.editing.publishing import approve_version, reject_version, set_retired

__all__ = [
    "MAX_ANSWER",
    "MAX_INTENTS",
    "MAX_QUESTION",
    "DocumentView",
    "EntryChange",
    "EntryDetail",
    "IntentMark",
    "VersionView",
    "add_phrasing",
    "approve_version",
    "check_intents",
    "create_entry",
    "create_incident",
    "document_changes",
    "entry_detail",
    "list_documents",
    "newest_version",
    "pending_drafts",
    "phrasings",
    "propose_intents",
    "propose_version",
    "reject_version",
    "set_retired",
    "store_classified_intents",
    "update_incident",
]
