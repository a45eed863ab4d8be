"""Sending an approved campaign: claim a batch, send it, mark it — resumable and paced.

The queue is `campaign_messages`. A sender claims up to `BATCH` pending rows whose day has come
with ONE statement (``UPDATE … SET state='sending', attempts=attempts+1, claimed_at=now WHERE
id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n) AND state='pending' RETURNING …``), so two
senders never hold the same row; sends each; then marks the batch sent in one statement (and
moves each refused person down the chain) in one transaction. While a batch is in flight a
heartbeat thread renews its `claimed_at` every second.

Resuming after a `kill -9`: rows left in `sending` whose claim is older than the lease
(`claim_timeout`, 5 s: five missed heartbeats) were in flight at the kill; they are put back
to pending, resent, and counted (`SendResult.resent`): at most one batch arrives twice, nothing
is lost. Rows claimed more recently belong to a live sender and are waited for.

A permanent refusal (SMTP 5xx, SMS provider 4xx, an SMS longer than `sms_max_chars`, a channel
whose address vanished from the record) marks that channel `refused` and moves the person to
the next channel of the chain that reaches them, same day; none left → unreachable. A transient
failure (`TransportError`) marks what was sent, puts the rest of the batch back, and stops.
Letters are appended to the print file and fsynced before they are marked. The log gets counts
only; each message is rendered from its own person's record and code.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import Table, case, func, select, update
from sqlalchemy.orm import Session

from breachdesk.auth.service import Actor, audited
from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.db.tables import (
    Campaign,
    CampaignMessage,
    CampaignPlan,
    Incident,
    NotifyTemplate,
    RegisterPerson,
    utcnow,
)
from breachdesk.errors import BreachdeskError, ConflictError, InvalidInputError, NotFoundError
from breachdesk.kb.contacts import JST
from breachdesk.notify import codes
from breachdesk.notify.channels import next_channel, recipient
from breachdesk.notify.templates import IncidentValues, incident_values, person_values, render
from breachdesk.notify.transport import (
    HttpSmsSession,
    LetterFile,
    Refused,
    SmtpSession,
    TransportError,
)
from breachdesk.register.crypto import DataKey
from breachdesk.register.importer import record_context
from breachdesk.register.keys import Keyring, get_register

log = logging.getLogger("breachdesk.notify")
BATCH = 50
HEARTBEAT_SECONDS = 1.0
CLAIM_TIMEOUT = 5.0
_MESSAGES = cast(Table, CampaignMessage.__table__)


class Transport(Protocol):
    @property
    def configured(self) -> bool: ...

    def send(self, to: str, subject: str, text: str) -> None: ...

    def close(self) -> None: ...


@dataclass
class Transports:
    """The senders of mail and SMS (tests pass their own)."""

    mail: Transport | None = None
    sms: Transport | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Transports:
        return cls(SmtpSession(settings), HttpSmsSession(settings))


@dataclass
class SendResult:
    campaign: int
    sent: dict[str, int] = field(default_factory=lambda: {"mail": 0, "sms": 0, "letter": 0})
    refused: dict[str, int] = field(default_factory=lambda: {"mail": 0, "sms": 0, "letter": 0})
    unreachable: int = 0
    resent: int = 0
    """Messages found in flight from an interrupted send and sent again (may arrive twice)."""
    pending: int = 0
    """Messages still waiting (a later day, or a channel not configured for this run)."""
    unsent: dict[str, int] = field(default_factory=dict)
    """Messages due by `through` left waiting because their channel cannot send in this run
    (no SMTP server or SMS provider configured, no letters file given), by channel."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Plan:
    campaign_id: int
    slug: str
    incident_id: int
    register_id: int
    chain: list[str]
    templates: dict[str, NotifyTemplate]
    shared: IncidentValues
    uses_code: bool


def _load(s: Session, campaign_id: int, public_base_url: str) -> _Plan:
    campaign = s.get(Campaign, campaign_id)
    plan = s.get(CampaignPlan, campaign_id)
    if campaign is None or plan is None:
        raise NotFoundError("planned campaign", str(campaign_id))
    if plan.state not in ("approved", "sending", "done"):
        raise ConflictError(
            "このキャンペーンはまだ承認されていません（管理者が `breachdesk campaign approve` "
            "で承認してから送信します）"
        )
    incident = s.get(Incident, campaign.incident_id)
    assert incident is not None
    templates = {}
    for channel, template_id in plan.templates.items():
        row = s.get(NotifyTemplate, int(template_id))
        if row is None or row.status != "approved":
            raise ConflictError(f"{channel} の文面が承認されていません")
        templates[channel] = row
    register = get_register(s, incident.slug)
    return _Plan(
        campaign_id,
        incident.slug,
        incident.id,
        register.id,
        list(plan.chain),
        templates,
        incident_values(s, incident, public_base_url),
        any("{code}" in t.body or "{code}" in t.subject for t in templates.values()),
    )


def claim(
    s: Session, campaign_id: int, through: date, channels: Sequence[str], n: int, now: datetime
) -> list[tuple[int, int, str]]:
    """Claim up to `n` pending messages due by `through` on `channels`, earliest day first:
    ONE statement. Returns (message id, person id, channel), by id."""
    due = (
        select(_MESSAGES.c.id)
        .where(
            _MESSAGES.c.campaign_id == campaign_id,
            _MESSAGES.c.state == "pending",
            _MESSAGES.c.day <= through,
            _MESSAGES.c.channel.in_(list(channels)),
        )
        # (day, id) is the queue index's own order after (campaign_id, state): the first n
        # rows are read straight off the index. ORDER BY id alone made both engines sort every
        # pending row due by `through` at each claim (0.2 s a batch at 1,000,000 people).
        .order_by(_MESSAGES.c.day, _MESSAGES.c.id)
        .limit(n)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(_MESSAGES)
        .where(_MESSAGES.c.id.in_(due.scalar_subquery()), _MESSAGES.c.state == "pending")
        .values(state="sending", attempts=_MESSAGES.c.attempts + 1, claimed_at=now)
        .returning(_MESSAGES.c.id, _MESSAGES.c.person_id, _MESSAGES.c.channel)
    )
    return sorted((i, p, c) for i, p, c in s.execute(statement))


def recover(s: Session, campaign_id: int, stale_before: datetime) -> int:
    """Put back to pending the messages whose sender stopped heartbeating (killed mid-batch)."""
    result = s.execute(
        update(_MESSAGES)
        .where(
            _MESSAGES.c.campaign_id == campaign_id,
            _MESSAGES.c.state == "sending",
            _MESSAGES.c.claimed_at < stale_before,
        )
        .values(state="pending")
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_sent(s: Session, ids: Sequence[int], now: datetime) -> None:
    """Mark claimed messages sent on the channel each was sent on: one statement."""
    if not ids:
        return
    channel = _MESSAGES.c.channel
    s.execute(
        update(_MESSAGES)
        .where(_MESSAGES.c.id.in_(list(ids)), _MESSAGES.c.state == "sending")
        .values(
            state="sent",
            sent_at=now,
            mail=case((channel == "mail", "sent"), else_=_MESSAGES.c.mail),
            sms=case((channel == "sms", "sent"), else_=_MESSAGES.c.sms),
            letter=case((channel == "letter", "sent"), else_=_MESSAGES.c.letter),
        )
    )


def release(s: Session, ids: Sequence[int]) -> None:
    """Give claimed messages back to the queue (a transient failure stopped the batch)."""
    if ids:
        s.execute(
            update(_MESSAGES)
            .where(_MESSAGES.c.id.in_(list(ids)), _MESSAGES.c.state == "sending")
            .values(state="pending")
        )


def move_down(
    s: Session, message_id: int, chain: list[str], record: dict[str, Any], channel: str, mark: str
) -> str | None:
    """Mark `channel` (refused/bounced/skipped) and move the person to the next channel of the
    chain that reaches them (state pending, same day), or unreachable. The new channel."""
    following, skipped = next_channel(chain, record, after=channel)
    values: dict[str, Any] = {channel: mark, **dict.fromkeys(skipped, "skipped")}
    values["channel"] = following
    values["state"] = "pending" if following else "unreachable"
    s.execute(update(_MESSAGES).where(_MESSAGES.c.id == message_id).values(**values))
    return following


class _Heartbeat:
    """Renews the claim of the batch in flight every second, from its own thread."""

    def __init__(self, db: Database, interval: float) -> None:
        self.db = db
        self.interval = interval
        self.ids: list[int] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="notify-heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def hold(self, ids: list[int]) -> None:
        with self._lock:
            self.ids = list(ids)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                ids = list(self.ids)
            if not ids:
                continue
            try:
                with self.db.transaction() as s:
                    s.execute(
                        update(_MESSAGES)
                        .where(_MESSAGES.c.id.in_(ids), _MESSAGES.c.state == "sending")
                        .values(claimed_at=utcnow())
                    )
            except Exception:  # a missed beat only shortens the lease; the send goes on
                log.warning("campaign send: heartbeat failed", exc_info=False)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class _Pacer:
    def __init__(self, per_minute: int, sleep: Callable[[float], None]) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.sleep = sleep
        self.next = time.monotonic()

    def wait(self) -> None:
        if not self.interval:
            return
        now = time.monotonic()
        if self.next > now:
            self.sleep(self.next - now)
        self.next = max(self.next, now) + self.interval


def _records(
    s: Session, key: DataKey, register_id: int, person_ids: Sequence[int]
) -> dict[int, dict[str, Any]]:
    # The register is checked on the rows, not in the WHERE: given `register_id = ?` too,
    # SQLite walked a whole register's (register_id, …) index instead of the primary key
    # (0.14 s a batch of 50 at 1,000,000 people).
    rows = s.execute(
        select(
            RegisterPerson.id,
            RegisterPerson.register_id,
            RegisterPerson.person_key,
            RegisterPerson.record,
        ).where(RegisterPerson.id.in_(list(person_ids)))
    )
    return {
        i: json.loads(key.decrypt(bytes(r), record_context(register_id, bytes(k))))
        for i, owner, k, r in rows
        if owner == register_id
    }


def _postal(value: str) -> str:
    return f"{value[:3]}-{value[3:]}" if len(value) == 7 else value


def send_campaign(
    db: Database,
    keyring: Keyring,
    settings: Settings,
    campaign_id: int,
    *,
    through: date | None = None,
    letters_out: Path | None = None,
    letters_encoding: str = "utf-8",
    pace: int | None = None,
    transports: Transports | None = None,
    by: Actor | None = None,
    claim_timeout: float = CLAIM_TIMEOUT,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """Send the approved campaign's messages due by `through` (default today, JST)."""
    through = through or datetime.now(JST).date()
    per_minute = settings.notify_pace_per_minute if pace is None else pace
    if per_minute < 0:
        raise InvalidInputError("送信ペースは 0 以上です（0 は制限なし）", where="pace")
    transports = transports or Transports.from_settings(settings)
    letters = LetterFile(letters_out, letters_encoding) if letters_out else None
    with db.transaction() as s:
        plan = _load(s, campaign_id, settings.public_base_url)
        key = keyring.data_key(get_register(s, plan.slug))
        row = s.get(CampaignPlan, campaign_id)
        assert row is not None
        row.state = "sending"
        audited(
            s, by, "campaign.send", f"{plan.slug}/{campaign_id}", {"through": through.isoformat()}
        )
    available = [
        c
        for c in plan.chain
        if (c == "mail" and transports.mail is not None and transports.mail.configured)
        or (c == "sms" and transports.sms is not None and transports.sms.configured)
        or (c == "letter" and letters is not None)
    ]
    result = SendResult(campaign_id)
    batch_size = BATCH if per_minute <= 0 else max(1, min(BATCH, per_minute // 12))
    pacer = _Pacer(per_minute, sleep)
    try:
        with _Heartbeat(db, HEARTBEAT_SECONDS) as heartbeat:
            while available:
                now = utcnow()
                with db.transaction() as s:
                    result.resent += recover(s, campaign_id, now - timedelta(seconds=claim_timeout))
                    batch = claim(s, campaign_id, through, available, batch_size, now)
                if not batch:
                    if not _in_flight(db, campaign_id):
                        break
                    sleep(min(1.0, claim_timeout / 2))  # another sender's batch, or a killed one's
                    continue
                heartbeat.hold([m for m, _, _ in batch])
                _send_batch(db, key, plan, settings, batch, transports, letters, pacer, result)
                heartbeat.hold([])
    finally:
        for transport in (transports.mail, transports.sms):
            if transport is not None:
                transport.close()
        if letters is not None:
            letters.close()
    with db.transaction() as s:
        left = s.scalar(
            select(func.count()).where(
                CampaignMessage.campaign_id == campaign_id,
                CampaignMessage.state.in_(("pending", "sending")),
            )
        )
        result.pending = int(left or 0)
        result.unsent = {
            str(channel): int(n)
            for channel, n in s.execute(
                select(CampaignMessage.channel, func.count())
                .where(
                    CampaignMessage.campaign_id == campaign_id,
                    CampaignMessage.state == "pending",
                    CampaignMessage.day <= through,
                    CampaignMessage.channel.not_in(available),
                )
                .group_by(CampaignMessage.channel)
            )
            if channel is not None
        }
        row = s.get(CampaignPlan, campaign_id)
        if row is not None and not result.pending:
            row.state = "done"
        detail = {
            "campaign": result.campaign,
            "sent": result.sent,
            "refused": result.refused,
            "unreachable": result.unreachable,
            "resent": result.resent,
            "pending": result.pending,
            "unsent": result.unsent,
        }
        audited(s, by, "campaign.sent", f"{plan.slug}/{campaign_id}", detail)
    log.info(
        "campaign %s: sent %s, refused %s, unreachable %d, resent %d, pending %d",
        campaign_id,
        result.sent,
        result.refused,
        result.unreachable,
        result.resent,
        result.pending,
    )
    return result


def _in_flight(db: Database, campaign_id: int) -> bool:
    with db.read() as s:
        return bool(
            s.scalar(
                select(func.count()).where(
                    CampaignMessage.campaign_id == campaign_id, CampaignMessage.state == "sending"
                )
            )
        )


def _send_batch(
    db: Database,
    key: DataKey,
    plan: _Plan,
    settings: Settings,
    batch: list[tuple[int, int, str]],
    transports: Transports,
    letters: LetterFile | None,
    pacer: _Pacer,
    result: SendResult,
) -> None:
    with db.read() as s:
        records = _records(s, key, plan.register_id, [p for _, p, _ in batch])
        person_codes = (
            codes.codes_of(s, key, plan.register_id, plan.incident_id, list(records))
            if plan.uses_code
            else {}
        )
    sent: list[int] = []
    moved: list[tuple[int, int, str, str]] = []  # message, person, channel, mark
    letter_rows: list[bytes] = []
    letter_ids: list[int] = []
    failure: BreachdeskError | None = None
    done = 0
    for message_id, person_id, channel in batch:
        record = records.get(person_id)
        to = recipient(channel, record) if record is not None else None
        if record is None or to is None:
            moved.append((message_id, person_id, channel, "skipped"))
            done += 1
            continue
        template = plan.templates[channel]
        values = person_values(
            plan.shared,
            str(record.get("name") or ""),
            list(record.get("items") or []),
            person_codes.get(person_id),
        )
        text = render(template.body, values)
        try:
            if channel == "letter":
                assert letters is not None
                letter_rows.append(
                    letters.encode(
                        person_id, _postal(to), str(record.get("address", "")), values["name"], text
                    )
                )
                letter_ids.append(message_id)
            elif channel == "sms" and len(text.strip()) > settings.sms_max_chars:
                raise Refused("too long")
            else:
                transport = transports.mail if channel == "mail" else transports.sms
                assert transport is not None
                pacer.wait()
                subject = (
                    (
                        render(template.subject, values)
                        if template.subject
                        else plan.shared.default_subject()
                    )
                    if channel == "mail"
                    else ""
                )
                transport.send(to, subject, text.strip() if channel == "sms" else text)
                sent.append(message_id)
        except Refused:
            moved.append((message_id, person_id, channel, "refused"))
        except (TransportError, InvalidInputError) as exc:
            failure = exc
            break
        done += 1
    if letter_rows and letters is not None:
        letters.write(letter_rows)  # durable before any of them counts as sent
        sent.extend(letter_ids)
    rest = [m for m, _, _ in batch[done:]]
    now = utcnow()
    with db.transaction() as s:
        mark_sent(s, sent, now)
        for message_id, person_id, channel, mark in moved:
            following = move_down(
                s, message_id, plan.chain, records.get(person_id) or {}, channel, mark
            )
            if mark == "refused":
                result.refused[channel] += 1
            if following is None:
                result.unreachable += 1
        release(s, rest)
    by_id = {m: c for m, _, c in batch}
    for message_id in sent:
        result.sent[by_id[message_id]] += 1
    if failure is not None:
        raise failure
