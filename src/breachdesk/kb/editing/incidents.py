"""Creating an incident from the console or the API, and renaming it."""

from __future__ import annotations

from sqlalchemy import select

from breachdesk.auth.service import Actor, audited
from breachdesk.db import Database
from breachdesk.db.tables import Incident
from breachdesk.errors import ConflictError, InvalidInputError
from breachdesk.kb.service import check_slug, get_incident


def create_incident(
    db: Database,
    slug: str,
    name: str,
    organisation: str | None = None,
    *,
    by: Actor | None = None,
) -> None:
    """Create an empty incident (documents are then uploaded into it); with `by`, its
    `incident.create` audit row in the same transaction."""
    check_slug(slug)
    title = name.strip()
    if not title or len(title) > 300:
        raise InvalidInputError("an incident name is 1–300 characters", where="name")
    with db.transaction() as s:
        if s.scalar(select(Incident.id).where(Incident.slug == slug)) is not None:
            raise ConflictError(f"incident {slug!r} already exists")
        s.add(Incident(slug=slug, name=title, organisation=organisation or None, facts={}))
        audited(s, by, "incident.create", slug, {"name": title})


def update_incident(
    db: Database, slug: str, *, name: str, organisation: str | None, by: Actor | None = None
) -> None:
    """Rename an incident or change its organisation; with `by`, its `incident.update` audit
    row in the same transaction."""
    title = name.strip()
    if not title or len(title) > 300:
        raise InvalidInputError("an incident name is 1–300 characters", where="name")
    with db.transaction() as s:
        incident = get_incident(s, slug)
        incident.name = title
        incident.organisation = organisation or None
        audited(s, by, "incident.update", slug, {"name": title})
