"""A template rendered for a real person of the register, with that person's values masked.

The editor sees what the message will look like — its length, where the items and the code
fall — without reading anyone's data: the name, the items' person and the code are masked
(`blind.mask`; a code shows only its last two characters). Reading a person for a preview is
audited like any register read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from breachdesk.auth.service import Actor, audited
from breachdesk.db import Database
from breachdesk.db.tables import Incident, RegisterPerson
from breachdesk.errors import NotFoundError
from breachdesk.notify import codes
from breachdesk.notify.templates import get_template, incident_values, person_values, render
from breachdesk.register.blind import mask, mask_tail
from breachdesk.register.importer import record_context
from breachdesk.register.keys import Keyring, get_register


@dataclass(frozen=True)
class Preview:
    template: int
    channel: str
    person: int
    subject: str
    text: str
    chars: int


def preview_template(
    db: Database,
    keyring: Keyring,
    template_id: int,
    *,
    person_id: int | None,
    public_base_url: str,
    by: Actor | None,
) -> Preview:
    """Render template `template_id` for `person_id` (default: the register's first person)."""
    with db.transaction() as s:
        template = get_template(s, template_id)
        incident = s.get(Incident, template.incident_id)
        assert incident is not None
        register = get_register(s, incident.slug)
        key = keyring.data_key(register)
        query = select(RegisterPerson).where(RegisterPerson.register_id == register.id)
        if person_id is not None:
            query = query.where(RegisterPerson.id == person_id)
        person = s.scalars(query.order_by(RegisterPerson.id).limit(1)).first()
        if person is None:
            raise NotFoundError("person", str(person_id) if person_id is not None else "-")
        record = json.loads(
            key.decrypt(bytes(person.record), record_context(register.id, bytes(person.person_key)))
        )
        code = codes.codes_of(s, key, register.id, incident.id, [person.id]).get(person.id)
        shared = incident_values(s, incident, public_base_url)
        values = person_values(
            shared,
            mask("name", str(record.get("name") or "")),
            list(record.get("items") or []),
            mask_tail(code) if code else "（補償コード）",
        )
        text = render(template.body, values)
        if template.channel == "sms":
            text = text.strip()
        subject = (
            render(template.subject, values)
            if template.subject
            else (shared.default_subject() if template.channel == "mail" else "")
        )
        audited(
            s,
            by,
            "notify.template.preview",
            f"register/{incident.slug}/{person.id}",
            {"template": template.id},
        )
        return Preview(template.id, template.channel, person.id, subject, text, len(text))
