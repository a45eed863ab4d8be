"""Where a planned campaign stands: counts per channel, and the people nobody could reach.

sent[ch] counts messages handed to the channel, including those later bounced; bounced[ch]
counts refusals at send time and bounces from the vendor's results. `pending` includes messages
in flight. `unreachable_people` lists, masked, the people no channel of the chain reached, for
the desk to call or write to by hand; reading it is audited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select

from breachdesk.auth.service import Actor, audited
from breachdesk.db import Database
from breachdesk.db.tables import Campaign, CampaignMessage, CampaignPlan, Incident, RegisterPerson
from breachdesk.errors import NotFoundError
from breachdesk.notify.templates import CHANNELS
from breachdesk.register.blind import mask
from breachdesk.register.importer import record_context
from breachdesk.register.keys import Keyring, get_register


@dataclass(frozen=True)
class CampaignStatus:
    campaign: int
    state: str
    people: int
    sent: dict[str, int]
    bounced: dict[str, int]
    pending: int
    unreachable: int

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "state": self.state,
            "people": self.people,
            "sent": self.sent,
            "bounced": self.bounced,
            "pending": self.pending,
            "unreachable": self.unreachable,
        }


def campaign_status(db: Database, campaign_id: int) -> CampaignStatus:
    """The campaign's counts, in one aggregate query."""
    m = CampaignMessage
    columns: list[Any] = [func.count()]
    for channel in CHANNELS:
        column = getattr(m, channel)
        columns.append(func.sum(case((column.in_(("sent", "bounced")), 1), else_=0)))
        columns.append(func.sum(case((column.in_(("refused", "bounced")), 1), else_=0)))
    columns.append(func.sum(case((m.state.in_(("pending", "sending")), 1), else_=0)))
    columns.append(func.sum(case((m.state == "unreachable", 1), else_=0)))
    with db.read() as s:
        plan = s.get(CampaignPlan, campaign_id)
        if plan is None:
            raise NotFoundError("planned campaign", str(campaign_id))
        state = plan.state
        row = [
            int(v or 0)
            for v in s.execute(select(*columns).where(m.campaign_id == campaign_id)).one()
        ]
    sent = {c: row[1 + 2 * i] for i, c in enumerate(CHANNELS)}
    bounced = {c: row[2 + 2 * i] for i, c in enumerate(CHANNELS) if c != "letter"}
    return CampaignStatus(campaign_id, state, row[0], sent, bounced, row[-2], row[-1])


@dataclass(frozen=True)
class UnreachablePerson:
    person: int
    masked: dict[str, str]
    outcome: dict[str, str]
    """Each channel of the chain and what happened on it (refused, bounced, skipped)."""


def unreachable_people(
    db: Database, keyring: Keyring, campaign_id: int, *, by: Actor | None, limit: int = 1000
) -> list[UnreachablePerson]:
    """The people no channel reached, masked, for the desk (audited)."""
    with db.transaction() as s:
        campaign = s.get(Campaign, campaign_id)
        plan = s.get(CampaignPlan, campaign_id)
        if campaign is None or plan is None:
            raise NotFoundError("planned campaign", str(campaign_id))
        incident = s.get(Incident, campaign.incident_id)
        assert incident is not None
        register = get_register(s, incident.slug)
        key = keyring.data_key(register)
        rows = s.execute(
            select(CampaignMessage, RegisterPerson.person_key, RegisterPerson.record)
            .join(RegisterPerson, RegisterPerson.id == CampaignMessage.person_id)
            .where(
                CampaignMessage.campaign_id == campaign_id, CampaignMessage.state == "unreachable"
            )
            .order_by(CampaignMessage.person_id)
            .limit(limit)
        ).all()
        out = []
        for message, person_key, sealed in rows:
            record = json.loads(
                key.decrypt(bytes(sealed), record_context(register.id, bytes(person_key)))
            )
            masked = {
                f: mask(f, str(record[f]))
                for f in ("name", "mail", "phone", "postal", "address")
                if record.get(f)
            }
            outcome = {c: getattr(message, c) or "" for c in plan.chain}
            out.append(UnreachablePerson(message.person_id, masked, outcome))
        audited(
            s, by, "campaign.unreachable", f"{incident.slug}/{campaign_id}", {"people": len(out)}
        )
        return out
