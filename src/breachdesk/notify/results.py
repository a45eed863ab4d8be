"""The vendor's delivery results for a planned campaign: bounces move people down the chain.

Each result row's recipient (a mail address or a phone number) is matched to the campaign's
people through the register's blind indexes (`mail_ix`, `phone_ix`); nothing of the file is
stored, so no recipient is kept in clear (the `campaign_deliveries` table is for recorded
campaigns only). A bounce marks the channel the message went out on `bounced` and puts the
person on the next channel of the chain that reaches them (pending, due today), else
unreachable. All rows or none: a row matching nobody the campaign sent to on that channel fails
the file, naming its line. Importing the same file again changes nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select, update

from breachdesk.auth.service import Actor, audited
from breachdesk.db import Database
from breachdesk.db.tables import Campaign, CampaignMessage, CampaignPlan, Incident, RegisterPerson
from breachdesk.errors import DocumentFormatError, NotFoundError
from breachdesk.inquiries.campaigns import import_delivery_results, read_results
from breachdesk.kb.contacts import JST
from breachdesk.notify.send import move_down
from breachdesk.register.blind import normalise
from breachdesk.register.importer import record_context
from breachdesk.register.keys import Keyring, get_register

_LOOKUP = 500


@dataclass(frozen=True)
class ResultsImport:
    delivered: int
    bounced: int
    moved: int
    """Bounced people put on a next channel (the rest of the bounced are now unreachable)."""


def import_results(
    db: Database,
    keyring: Keyring,
    campaign_id: int,
    path: Path,
    *,
    name: str | None = None,
    by: Actor | None = None,
    today: date | None = None,
) -> ResultsImport:
    """Import a results file: a planned campaign's moves people down the chain; a recorded
    campaign's goes to `inquiries.campaigns.import_delivery_results` as before."""
    with db.read() as s:
        planned = s.get(CampaignPlan, campaign_id) is not None
    if not planned:
        delivered, bounced = import_delivery_results(db, campaign_id, path, name=name, by=by)
        return ResultsImport(delivered, bounced, 0)
    label = Path(name) if name else path
    rows = read_results(label, path.read_bytes())
    day = today or datetime.now(JST).date()
    with db.transaction() as s:
        campaign = s.get(Campaign, campaign_id)
        plan = s.get(CampaignPlan, campaign_id)
        if campaign is None or plan is None:
            raise NotFoundError("campaign", str(campaign_id))
        incident = s.get(Incident, campaign.incident_id)
        assert incident is not None
        register = get_register(s, incident.slug)
        key = keyring.data_key(register)
        chain = list(plan.chain)
        # Each row's channel and blind index; then the people each index finds.
        wanted: list[tuple[int, str, bytes, str]] = []
        for line, recipient, status, _ in rows:
            kind = "mail" if "@" in recipient else "phone"
            wanted.append(
                (
                    line,
                    "mail" if kind == "mail" else "sms",
                    key.blind(kind, normalise(kind, recipient)),
                    status,
                )
            )
        people: dict[tuple[str, bytes], list[int]] = {}
        for kind, channel in (("mail", "mail"), ("phone", "sms")):
            column = getattr(RegisterPerson, f"{kind}_ix")
            ixs = sorted({ix for _, ch, ix, _ in wanted if ch == channel})
            for start in range(0, len(ixs), _LOOKUP):
                for person_id, ix in s.execute(
                    select(RegisterPerson.id, column).where(
                        RegisterPerson.register_id == register.id,
                        column.in_(ixs[start : start + _LOOKUP]),
                    )
                ):
                    people.setdefault((channel, bytes(ix)), []).append(person_id)
        messages = (
            {
                m.person_id: m
                for m in s.scalars(
                    select(CampaignMessage).where(
                        CampaignMessage.campaign_id == campaign_id,
                        CampaignMessage.person_id.in_(
                            sorted({p for found in people.values() for p in found})
                        ),
                    )
                )
            }
            if people
            else {}
        )
        problems: list[str] = []
        bounces: list[tuple[int, str]] = []
        delivered = 0
        for line, channel, ix, status in wanted:
            found = [
                messages[p]
                for p in people.get((channel, ix), [])
                if p in messages and getattr(messages[p], channel) in ("sent", "bounced")
            ]
            if not found:
                problems.append(f"line {line}: このキャンペーンで送った宛先に見つかりません")
            elif status == "bounced":
                bounces += [(m.id, channel) for m in found if getattr(m, channel) == "sent"]
            else:
                delivered += 1
        if problems:
            raise DocumentFormatError(
                str(label),
                None,
                f"{len(problems)} 行を照合できません — " + "; ".join(problems[:10]),
            )
        by_id = {m.id: m for m in messages.values()}
        moved = 0
        for message_id, channel in sorted(set(bounces)):
            message = by_id[message_id]
            person = s.get(RegisterPerson, message.person_id)
            record = (
                json.loads(
                    key.decrypt(
                        bytes(person.record), record_context(register.id, bytes(person.person_key))
                    )
                )
                if person is not None
                else {}
            )
            if move_down(s, message_id, chain, record, channel, "bounced") is not None:
                s.execute(
                    update(CampaignMessage).where(CampaignMessage.id == message_id).values(day=day)
                )
                moved += 1
        if moved and plan.state == "done":
            plan.state = "sending"
        bounced = len({m for m, _ in bounces})
        audited(
            s,
            by,
            "campaign.results",
            f"{incident.slug}/{campaign_id}",
            {"file": label.name, "delivered": delivered, "bounced": bounced, "moved": moved},
        )
    return ResultsImport(delivered, bounced, moved)
