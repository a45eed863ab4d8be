"""Planning a campaign from the register: audience, each person's first channel, the days.

One transaction writes the `campaigns` row (channel = the chain's first, sent_on = the start
day, audience = the people planned, source "plan"), its `campaign_plans` row, one
`campaign_days` row per send day with its forecast calls, and one `campaign_messages` row per
person (bulk: COPY on PostgreSQL, executemany on SQLite). Records are decrypted once, in id
order and in batches, to know which channels reach each person; nothing read is kept but the
person's id and first channel. Audiences:

- **all**: everyone on the register;
- **unreached**: nobody an earlier planned campaign of the incident reached (a message in state
  sent; a bounce puts it back to pending or unreachable, so sent means it arrived);
- **unredeemed**: people holding a compensation code that is not redeemed.

When a template of the chain uses ``{code}``, every reachable person gets a code now
(`notify.codes.assign_codes`), so a plan that lacks codes fails before anyone approves it.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, exists, func, select
from sqlalchemy.orm import Session

from breachdesk.auth.service import Actor, audited
from breachdesk.db import Database
from breachdesk.db.bulk import insert_plain
from breachdesk.db.tables import (
    Campaign,
    CampaignDay,
    CampaignMessage,
    CampaignPlan,
    Incident,
    NotifyTemplate,
    RegisterPerson,
    RemediationCode,
    utcnow,
)
from breachdesk.errors import ConflictError, InvalidInputError, NotFoundError
from breachdesk.inquiries.campaigns import list_campaigns
from breachdesk.inquiries.dates import check_day
from breachdesk.inquiries.desk_days import desk_days, open_hours
from breachdesk.kb.service import get_incident
from breachdesk.notify import codes
from breachdesk.notify.channels import next_channel
from breachdesk.notify.pace import PaceModel, PlannedDay, desk_capacity, pace_model, spread
from breachdesk.notify.templates import CHANNEL_LABELS, CHANNELS, approve_in, draft_in
from breachdesk.register.crypto import DataKey
from breachdesk.register.importer import record_context
from breachdesk.register.keys import Keyring, get_register
from breachdesk.reports.daily import daily_table
from breachdesk.reports.staffing import Assumptions

AUDIENCES = ("all", "unreached", "unredeemed")
READ_BATCH = 20_000
DECRYPT_BATCH = 1_000
MAX_CAP = 1_000_000


@dataclass(frozen=True)
class TemplateSource:
    """A template's text and where it came from (a file name, for error messages)."""

    text: str
    where: str


@dataclass(frozen=True)
class PlanView:
    campaign: int
    incident: str
    state: str
    chain: list[str]
    audience_kind: str
    people: int
    unreachable: int
    max_calls_per_day: int | None
    templates: dict[str, int]
    days: list[PlannedDay] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "campaign": self.campaign,
            "incident": self.incident,
            "state": self.state,
            "chain": self.chain,
            "audience": self.audience_kind,
            "people": self.people,
            "unreachable": self.unreachable,
            "max_calls_per_day": self.max_calls_per_day,
            "templates": self.templates,
            "days": [
                {
                    "date": d.day.isoformat(),
                    "mail": d.counts.get("mail", 0),
                    "sms": d.counts.get("sms", 0),
                    "letter": d.counts.get("letter", 0),
                    "forecast_calls": round(d.forecast_calls, 2),
                }
                for d in self.days
            ],
        }


def read_template_dir(folder: Path, chain: Sequence[str]) -> dict[str, TemplateSource]:
    """`mail.txt`, `sms.txt`, `letter.txt` of `folder` for the channels of `chain`."""
    found = {}
    for channel in chain:
        path = folder / f"{channel}.txt"
        if not path.is_file():
            raise InvalidInputError(
                f"{folder.name}/{channel}.txt がありません（チャネル {channel} の文面）",
                where="templates",
            )
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(
                f"{path.name} を UTF-8 として読めません", where="templates"
            ) from exc
        found[channel] = TemplateSource(text, path.name)
    return found


def check_chain(chain: Sequence[str]) -> list[str]:
    chain = [c.strip() for c in chain if c.strip()]
    if not chain or any(c not in CHANNELS for c in chain) or len(set(chain)) != len(chain):
        raise InvalidInputError(
            "チャネルの順は mail・sms・letter から重複なく選んでください（例 mail,sms,letter）",
            where="chain",
        )
    return chain


def _audience(kind: str, incident_id: int) -> ColumnElement[bool] | None:
    if kind == "all":
        return None
    if kind == "unreached":
        return ~exists(
            select(CampaignMessage.id)
            .join(Campaign, Campaign.id == CampaignMessage.campaign_id)
            .where(
                Campaign.incident_id == incident_id,
                CampaignMessage.person_id == RegisterPerson.id,
                CampaignMessage.state == "sent",
            )
        )
    if kind == "unredeemed":
        return exists(
            select(RemediationCode.id).where(
                RemediationCode.incident_id == incident_id,
                RemediationCode.person_id == RegisterPerson.id,
                RemediationCode.redeemed_at.is_(None),
            )
        )
    raise InvalidInputError(f"対象は {'・'.join(AUDIENCES)} のいずれかです", where="audience")


@dataclass
class Planned:
    """The planned people in id order: each one's id and the index of their first reachable
    channel in the chain (-1: none), kept as two flat arrays — 9 bytes a person, so ten million
    people take 90 MB where a list of tuples took over a gigabyte."""

    ids: array[int] = field(default_factory=lambda: array("q"))
    first: array[int] = field(default_factory=lambda: array("b"))

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self.ids, self.first, strict=True)


def _first_channels(
    s: Session, key: DataKey, register_id: int, chain: list[str], audience: Any
) -> Planned:
    """Each person of the audience with the index of their first reachable channel in
    `chain` (or -1), by id.

    A chain that starts with mail takes a person with a mail blind index at their word without
    decrypting them (most people of most registers: 1M plans in well under a minute); a value
    that is no address after all is skipped down the chain at send time."""
    out = Planned()
    last = 0
    index = {c: i for i, c in enumerate(chain)}
    mail_first = chain[0] == "mail"
    while True:
        query = (
            select(RegisterPerson.id, RegisterPerson.mail_ix.is_not(None))
            .where(RegisterPerson.register_id == register_id, RegisterPerson.id > last)
            .order_by(RegisterPerson.id)
            .limit(READ_BATCH)
        )
        if audience is not None:
            query = query.where(audience)
        rows = s.execute(query).all()
        if not rows:
            return out
        first: dict[int, int] = {p: 0 for p, has_mail in rows if mail_first and has_mail}
        unread = [p for p, _ in rows if p not in first]
        for start in range(0, len(unread), DECRYPT_BATCH):
            for person_id, person_key, record in s.execute(
                select(RegisterPerson.id, RegisterPerson.person_key, RegisterPerson.record).where(
                    RegisterPerson.id.in_(unread[start : start + DECRYPT_BATCH])
                )
            ):
                plain = key.decrypt(bytes(record), record_context(register_id, bytes(person_key)))
                channel, _ = next_channel(chain, json.loads(plain))
                first[person_id] = index[channel] if channel else -1
        out.ids.extend(p for p, _ in rows)
        out.first.extend(first[p] for p, _ in rows)
        last = rows[-1][0]


def _model(db: Database, slug: str, default_rate: float) -> PaceModel:
    table = daily_table(db, slug)
    audiences: dict[date, list[int]] = {}
    for c in list_campaigns(db, slug):
        if c.audience:
            audiences.setdefault(c.sent_on, []).append(c.audience)
    return pace_model(table, {d: sum(a) for d, a in audiences.items()}, default_rate)


def plan_campaign(
    db: Database,
    keyring: Keyring,
    slug: str,
    *,
    chain: Sequence[str],
    templates: Mapping[str, TemplateSource | int],
    start: date,
    audience: str = "all",
    max_calls_per_day: int | None = None,
    agents: int | None = None,
    by: Actor | None = None,
    public_base_url: str,
    sms_max_chars: int,
    calls_per_message: float,
) -> PlanView:
    """Plan a campaign (see the module docstring); nothing is sent until it is approved.

    `templates` gives each channel's text (drafted now, approved with the plan) or the id of an
    already approved version of the incident's template for that channel."""
    chain = check_chain(chain)
    check_day(start, where="start")
    if max_calls_per_day is not None and not 1 <= max_calls_per_day <= MAX_CAP:
        raise InvalidInputError(
            f"1日あたりの入電上限は 1〜{MAX_CAP:,} 件です", where="max_calls_per_day"
        )
    if agents is not None:
        if max_calls_per_day is not None:
            raise InvalidInputError(
                "入電上限とオペレーター人数は、どちらか一方だけ指定してください", where="agents"
            )
        # The staffing model's capacity: what `agents` answer a day at the target rate over
        # the desk's published hours (8 when it published none).
        hours = open_hours(db, slug) or Assumptions().hours_open
        max_calls_per_day = max(1, desk_capacity(agents, Assumptions(hours_open=hours)))
    missing = [c for c in chain if c not in templates]
    if missing:
        raise InvalidInputError(f"{'・'.join(missing)} の文面がありません", where="templates")
    model = _model(db, slug, calls_per_message)
    with db.transaction() as s:
        incident = get_incident(s, slug)
        condition = _audience(audience, incident.id)
        rows = {
            c: _approved(s, incident, c, source)
            if isinstance(source := templates[c], int)
            else draft_in(
                s,
                incident,
                c,
                source.text,
                by=by,
                public_base_url=public_base_url,
                sms_max_chars=sms_max_chars,
                where=source.where,
            )
            for c in chain
        }
        register = get_register(s, slug)
        key = keyring.data_key(register)
        people = _first_channels(s, key, register.id, chain, condition)
        if not people:
            raise InvalidInputError("この条件に当てはまる対象者がいません", where="audience")
        counts = {c: people.first.count(i) for i, c in enumerate(chain)}
        days = spread(model, counts, chain, start, max_calls_per_day, desk_open=desk_days(db, slug))
        campaign = Campaign(
            incident_id=incident.id,
            channel=chain[0],
            sent_on=start,
            audience=len(people),
            note=f"計画（{'→'.join(chain)}）",
            source="plan",
        )
        s.add(campaign)
        s.flush()
        s.add(
            CampaignPlan(
                campaign_id=campaign.id,
                state="planned",
                chain=chain,
                audience_kind=audience,
                templates={c: r.id for c, r in rows.items()},
                max_calls_per_day=max_calls_per_day,
                planned_by=by.name[:120] if by else "cli",
            )
        )
        for d in days:
            s.add(
                CampaignDay(
                    campaign_id=campaign.id,
                    day=d.day,
                    mail=d.counts.get("mail", 0),
                    sms=d.counts.get("sms", 0),
                    letter=d.counts.get("letter", 0),
                    forecast_calls=d.forecast_calls,
                )
            )
        s.flush()
        if any("{code}" in r.body or "{code}" in r.subject for r in rows.values()):
            reachable = array("q", (p for p, i in people if i >= 0))
            codes.assign_codes(s, incident.id, reachable, campaign.id, utcnow())
        insert_plain(
            s, "campaign_messages", _COLUMNS, _messages(campaign.id, chain, people, days, start)
        )
        unreachable = people.first.count(-1)
        audited(
            s,
            by,
            "campaign.plan",
            f"{slug}/{campaign.id}",
            {
                "chain": chain,
                "audience": audience,
                "people": len(people),
                "unreachable": unreachable,
                "days": len(days),
                "max_calls_per_day": max_calls_per_day,
                "agents": agents,
            },
        )
        return PlanView(
            campaign.id,
            slug,
            "planned",
            chain,
            audience,
            len(people),
            unreachable,
            max_calls_per_day,
            {c: r.id for c, r in rows.items()},
            days,
        )


def _approved(s: Session, incident: Incident, channel: str, template_id: int) -> NotifyTemplate:
    """An approved version of the incident's template for `channel`, by id (else refused)."""
    row = s.get(NotifyTemplate, template_id)
    if (
        row is None
        or row.incident_id != incident.id
        or row.channel != channel
        or row.status != "approved"
    ):
        raise InvalidInputError(
            f"{CHANNEL_LABELS[channel]}の文面 #{template_id} は承認済みの版ではありません",
            where="templates",
        )
    return row


_COLUMNS = (
    "campaign_id",
    "person_id",
    "day",
    "channel",
    "state",
    "mail",
    "sms",
    "letter",
    "attempts",
)


def _messages(
    campaign_id: int,
    chain: list[str],
    people: Planned,
    days: list[PlannedDay],
    start: date,
) -> Iterator[tuple[Any, ...]]:
    """One queue row per person: their first channel's day in id order, earlier channels of
    the chain skipped; nobody reachable → unreachable. Made as the COPY takes them, never all
    at once."""
    slots = {c: [(d.day, d.counts.get(c, 0)) for d in days if d.counts.get(c, 0)] for c in chain}
    position = {c: 0 for c in chain}
    used = {c: 0 for c in chain}
    for person_id, i in people:
        marks: dict[str, str | None] = {c: None for c in CHANNELS}
        if i < 0:
            for c in chain:
                marks[c] = "skipped"
            yield (
                campaign_id,
                person_id,
                start,
                None,
                "unreachable",
                marks["mail"],
                marks["sms"],
                marks["letter"],
                0,
            )
            continue
        channel = chain[i]
        for c in chain[:i]:
            marks[c] = "skipped"
        day, n = slots[channel][position[channel]]
        used[channel] += 1
        if used[channel] == n:
            position[channel] += 1
            used[channel] = 0
        yield (
            campaign_id,
            person_id,
            day,
            channel,
            "pending",
            marks["mail"],
            marks["sms"],
            marks["letter"],
            0,
        )


def _plan_row(s: Session, campaign_id: int) -> tuple[Campaign, CampaignPlan, Incident]:
    campaign = s.get(Campaign, campaign_id)
    plan = s.get(CampaignPlan, campaign_id)
    if campaign is None or plan is None:
        raise NotFoundError("planned campaign", str(campaign_id))
    incident = s.get(Incident, campaign.incident_id)
    assert incident is not None
    return campaign, plan, incident


def is_planned(db: Database, campaign_id: int) -> bool:
    """Whether a campaign was planned from the register (else it is a recorded one)."""
    with db.read() as s:
        return s.get(CampaignPlan, campaign_id) is not None


def _view(s: Session, campaign: Campaign, plan: CampaignPlan, incident: Incident) -> PlanView:
    days = [
        PlannedDay(d.day, {"mail": d.mail, "sms": d.sms, "letter": d.letter}, d.forecast_calls)
        for d in s.scalars(
            select(CampaignDay)
            .where(CampaignDay.campaign_id == campaign.id)
            .order_by(CampaignDay.day)
        )
    ]
    unreachable = s.scalar(
        select(func.count()).where(
            CampaignMessage.campaign_id == campaign.id, CampaignMessage.state == "unreachable"
        )
    )
    return PlanView(
        campaign.id,
        incident.slug,
        plan.state,
        list(plan.chain),
        plan.audience_kind,
        campaign.audience or 0,
        int(unreachable or 0),
        plan.max_calls_per_day,
        {str(k): int(v) for k, v in plan.templates.items()},
        days,
    )


def list_plans(db: Database, slug: str) -> list[PlanView]:
    """The incident's planned campaigns, newest first, each with its days and forecast."""
    with db.read() as s:
        incident = get_incident(s, slug)
        found = s.execute(
            select(Campaign, CampaignPlan)
            .join(CampaignPlan, CampaignPlan.campaign_id == Campaign.id)
            .where(Campaign.incident_id == incident.id)
            .order_by(Campaign.id.desc())
        ).all()
        return [_view(s, campaign, plan, incident) for campaign, plan in found]


def get_plan(db: Database, campaign_id: int) -> PlanView:
    """A planned campaign with its days and forecast."""
    with db.read() as s:
        return _view(s, *_plan_row(s, campaign_id))


def approve_plan(db: Database, campaign_id: int, *, by: Actor | None) -> PlanView:
    """Approve a plan and its draft templates, in one transaction (an admin's action)."""
    with db.transaction() as s:
        campaign, plan, incident = _plan_row(s, campaign_id)
        if plan.state != "planned":
            raise ConflictError(f"このキャンペーンは承認済みです（状態：{plan.state}）")
        for template_id in plan.templates.values():
            row = s.get(NotifyTemplate, int(template_id))
            if row is None:
                raise NotFoundError("template", str(template_id))
            approve_in(s, row, incident.slug, by)
        plan.state = "approved"
        plan.approved_by = by.name[:120] if by else "cli"
        plan.approved_at = utcnow()
        audited(s, by, "campaign.approve", f"{incident.slug}/{campaign.id}", {})
        return _view(s, campaign, plan, incident)
