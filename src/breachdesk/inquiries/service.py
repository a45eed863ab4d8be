"""Log and list inquiries: calls, mails, web questions, letters… received by the desk.

Free text is redacted before it is stored (`privacy.redact`); the original is never kept.
Every inquiry has a category: the one given, else the category of the entry that answered it,
else the one suggested from its note, else その他.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session

from breachdesk.auth.service import Actor, audited
from breachdesk.db import Database
from breachdesk.db.tables import Category, Entry, EntryVersion, Incident, Inquiry
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.inquiries.categories import (
    FRAUD,
    OTHER,
    add_category,
    category_by_name,
    ensure_categories,
)
from breachdesk.inquiries.dates import check_received
from breachdesk.kb.service import get_incident
from breachdesk.privacy.redact import redact

JST = ZoneInfo("Asia/Tokyo")
CHANNELS = ("phone", "mail", "web", "sms", "letter", "counter")
OUTCOMES = ("answered", "busy", "callback", "escalated")
MAX_NOTE = 4000

# Transparent keyword rules, checked in this order; the first category with a hit wins.
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "不審な連絡",
        (
            "不審",
            "詐欺",
            "フィッシング",
            "なりすまし",
            "怪しい",
            "偽の",
            "SMSが届",
            "電話がかかって",
        ),
    ),
    (
        "不正利用",
        ("身に覚えのない", "身に覚えが", "不正利用", "不正使用", "使われた", "請求が", "利用明細"),
    ),
    (
        "補償・QUOカードPay",
        ("QUO", "クオカード", "クオ・カード", "補償", "お詫び", "おわび", "返金", "賠償"),
    ),
    ("カード再発行・手数料", ("再発行", "手数料", "カード番号の変更", "カードを止め", "停止")),
    ("パスワード", ("パスワード", "ログイン", "ID")),
    ("退会・削除", ("退会", "削除", "解約", "消して")),
    (
        "漏えい項目",
        ("セキュリティコード", "有効期限", "項目", "何が漏", "どの情報", "住所", "氏名"),
    ),
    ("対象確認", ("対象", "該当", "含まれ", "私の", "自分の", "確認したい")),
)


@dataclass(frozen=True)
class InquiryInput:
    channel: str
    outcome: str
    received_at: datetime | None = None
    handled_by: str | None = None
    duration_seconds: int | None = None
    category: str | None = None
    fraud_report: bool = False
    note: str = ""
    entry: str | None = None
    source: str = "console"


@dataclass(frozen=True)
class InquiryView:
    id: int
    incident: str
    channel: str
    received_at: datetime
    day: date
    outcome: str
    handled_by: str | None
    duration_seconds: int | None
    category: str | None
    fraud_report: bool
    note: str
    entry: str | None
    entry_version: int | None


def as_jst(moment: datetime | None) -> datetime:
    """An aware datetime in JST (a naive one is taken to be JST already)."""
    if moment is None:
        return datetime.now(JST)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=JST)
    return moment.astimezone(JST)


def suggest_category(text: str) -> str | None:
    """The category the keyword rules give a note, or None when none applies."""
    folded = unicodedata.normalize("NFKC", text)
    for name, words in KEYWORDS:
        if any(w in folded for w in words):
            return name
    return None


def _entry_category(s: Session, incident: Incident, entry_id: str) -> tuple[int | None, int]:
    entry = s.get(Entry, entry_id)
    if entry is None or entry.incident_id != incident.id:
        raise NotFoundError("entry", entry_id)
    version = s.scalar(
        select(func.max(EntryVersion.version)).where(
            EntryVersion.entry_id == entry_id, EntryVersion.status == "approved"
        )
    )
    return entry.category_id, int(version or 0)


def _category_id(s: Session, incident: Incident, name: str | None) -> int:
    categories = ensure_categories(s, incident)
    if name is not None:
        return category_by_name(s, incident, name).id
    other = [c.id for c in categories if c.name == OTHER]
    return other[0] if other else categories[-1].id


def add_inquiry(s: Session, incident: Incident, data: InquiryInput) -> Inquiry:
    """Validate, redact and add one inquiry in the caller's transaction."""
    if data.channel not in CHANNELS:
        raise InvalidInputError(
            f"unknown channel {data.channel!r}; one of {', '.join(CHANNELS)}", where="channel"
        )
    if data.outcome not in OUTCOMES:
        raise InvalidInputError(
            f"unknown outcome {data.outcome!r}; one of {', '.join(OUTCOMES)}", where="outcome"
        )
    if data.duration_seconds is not None and not 0 <= data.duration_seconds <= 86_400:
        raise InvalidInputError("a duration is 0–86400 seconds", where="duration")
    if len(data.note) > MAX_NOTE:
        raise InvalidInputError(f"a note is at most {MAX_NOTE} characters", where="note")
    at = check_received(data.received_at)
    note = redact(data.note.strip())
    entry_version = None
    category_id: int | None = None
    entry = data.entry or None
    if entry:
        category_id, entry_version = _entry_category(s, incident, entry)
    if data.category is not None:
        category_id = _category_id(s, incident, data.category)
    elif category_id is None and (note or data.outcome != "busy"):
        # A busy call was never heard: it has no category unless one was given.
        category_id = _category_id(s, incident, suggest_category(note) if note else None)
    row = Inquiry(
        incident_id=incident.id,
        channel=data.channel,
        received_at=at,
        day=at.date(),
        outcome=data.outcome,
        handled_by=(data.handled_by or None),
        duration_seconds=data.duration_seconds,
        category_id=category_id,
        # Filing an inquiry under 不正利用 is a fraudulent-use report, whoever forgot the box.
        fraud_report=data.fraud_report or _is_fraud_category(s, category_id),
        note=note,
        entry_id=entry,
        entry_version=entry_version or None,
        source=data.source,
    )
    s.add(row)
    return row


def log_inquiry(
    db: Database, slug: str, data: InquiryInput, *, by: Actor | None = None
) -> InquiryView:
    """Log one inquiry (redacted) and return it as stored; with `by`, its `inquiry.log` audit
    row in the same transaction. Its `received_at` is a time a person gave for a call already
    received: one in the future is refused (`dates.check_received`, `typed`)."""
    check_received(data.received_at, typed=True)
    with db.transaction() as s:
        incident = get_incident(s, slug)
        row = add_inquiry(s, incident, data)
        s.flush()
        names = {c.id: c.name for c in ensure_categories(s, incident)}
        view = _view(slug, row, names)
        detail = {"channel": view.channel, "outcome": view.outcome}
        audited(s, by, "inquiry.log", f"{slug}/{view.id}", detail)
        return view


@dataclass(frozen=True)
class WebQuestion:
    """A question asked on the public page or API, to log as a `web` inquiry."""

    incident: Incident
    public_question_id: int
    received_at: datetime
    answered: bool
    entry_id: str | None
    entry_version: int | None


def log_web_questions(s: Session, questions: Sequence[WebQuestion]) -> None:
    """Log questions asked on the public page or API as `web` inquiries (caller's transaction),
    in one multi-row INSERT.

    Answered questions count as answered; an abstention counts as escalated, because the page
    sent the person to the desk. The category is the answering entry's, else その他.
    """
    if not questions:
        return
    entry_ids = {q.entry_id for q in questions if q.entry_id is not None}
    categories = (
        dict(s.execute(select(Entry.id, Entry.category_id).where(Entry.id.in_(entry_ids))).all())
        if entry_ids
        else {}
    )
    other: dict[int, int] = {}
    rows = []
    for q in questions:
        category_id = categories.get(q.entry_id) if q.entry_id is not None else None
        if category_id is None:
            if q.incident.id not in other:
                other[q.incident.id] = _category_id(s, q.incident, None)
            category_id = other[q.incident.id]
        at = as_jst(q.received_at)
        rows.append(
            {
                "incident_id": q.incident.id,
                "channel": "web",
                "received_at": at,
                "day": at.date(),
                "outcome": "answered" if q.answered else "escalated",
                "category_id": category_id,
                "fraud_report": False,
                "note": "",
                "entry_id": q.entry_id,
                "entry_version": q.entry_version,
                "public_question_id": q.public_question_id,
                "source": "web",
            }
        )
    s.execute(insert(cast(Table, Inquiry.__table__)), rows)  # Core: no ORM bulk machinery


def _is_fraud_category(s: Session, category_id: int | None) -> bool:
    if category_id is None:
        return False
    category = s.get(Category, category_id)
    return category is not None and category.name == FRAUD


def list_inquiries(
    db: Database,
    slug: str,
    *,
    day: date | None = None,
    limit: int = 50,
    offset: int = 0,
    channels: Collection[str] | None = None,
    exclude_channels: Collection[str] | None = None,
) -> tuple[list[InquiryView], int]:
    """Inquiries newest first, optionally of one day and only (or all but) some channels, with
    the total for paging."""
    with db.read() as s:
        incident = get_incident(s, slug)
        where = [Inquiry.incident_id == incident.id]
        if day is not None:
            where.append(Inquiry.day == day)
        if channels is not None:
            where.append(Inquiry.channel.in_(list(channels)))
        if exclude_channels:
            where.append(Inquiry.channel.not_in(list(exclude_channels)))
        total = s.scalar(select(func.count()).select_from(Inquiry).where(*where)) or 0
        names = {c.id: c.name for c in ensure_categories(s, incident)}
        rows = s.scalars(
            select(Inquiry)
            .where(*where)
            .order_by(Inquiry.received_at.desc(), Inquiry.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [_view(slug, r, names) for r in rows], int(total)


def category_names(db: Database, slug: str) -> list[str]:
    """The incident's inquiry categories in order (the default set is created the first time
    they are asked for)."""
    with db.transaction() as s:
        return [c.name for c in ensure_categories(s, get_incident(s, slug))]


def new_category(db: Database, slug: str, name: str, *, by: Actor | None = None) -> list[str]:
    """Add an inquiry category at the end of the incident's list (`category.add`); returns the
    list."""
    with db.transaction() as s:
        incident = get_incident(s, slug)
        category = add_category(s, incident, name)
        audited(s, by, "category.add", slug, {"category": category.name})
        return [c.name for c in ensure_categories(s, incident)]


def set_entry_category(db: Database, slug: str, entry_id: str, category: str | None) -> None:
    """Map a knowledge-base entry to a category (None clears it)."""
    with db.transaction() as s:
        incident = get_incident(s, slug)
        entry = s.get(Entry, entry_id)
        if entry is None or entry.incident_id != incident.id:
            raise NotFoundError("entry", entry_id)
        entry.category_id = None if category is None else category_by_name(s, incident, category).id


def entry_categories(db: Database, slug: str) -> dict[str, str]:
    """Entry id → category name, for the entries that have one."""
    with db.read() as s:
        incident = get_incident(s, slug)
        rows = s.execute(
            select(Entry.id, Category.name)
            .join(Category, Category.id == Entry.category_id)
            .where(Entry.incident_id == incident.id)
        )
        return {eid: name for eid, name in rows}


_SPACES = re.compile(r"\s+")


def _view(slug: str, r: Inquiry, names: dict[int, str]) -> InquiryView:
    received = r.received_at if r.received_at.tzinfo else r.received_at.replace(tzinfo=JST)
    return InquiryView(
        r.id,
        slug,
        r.channel,
        received.astimezone(JST),
        r.day,
        r.outcome,
        r.handled_by,
        r.duration_seconds,
        names.get(r.category_id) if r.category_id is not None else None,
        r.fraud_report,
        _SPACES.sub(" ", r.note),
        r.entry_id,
        r.entry_version,
    )


def map_new_entries(db: Database, slug: str) -> int:
    """Give every entry without a category the one its question suggests; returns how many.

    An import does this in its own transaction (`map_entry_categories`); an editor's mapping is
    never overwritten.
    """
    with db.transaction() as s:
        return map_entry_categories(s, get_incident(s, slug))


def map_entry_categories(s: Session, incident: Incident) -> int:
    """`map_new_entries` in the caller's transaction: every active Q&A entry without a category
    gets the one its newest approved question suggests, so that web questions answered by it
    are categorised from the start. Idempotent: a re-import repairs what a crash left out."""
    ids = {c.name: c.id for c in ensure_categories(s, incident)}
    newest = (
        select(EntryVersion.entry_id, func.max(EntryVersion.version).label("v"))
        .join(Entry, Entry.id == EntryVersion.entry_id)
        .where(Entry.incident_id == incident.id, EntryVersion.status == "approved")
        .group_by(EntryVersion.entry_id)
        .subquery()
    )
    rows = s.execute(
        select(Entry, EntryVersion.question)
        .join(newest, newest.c.entry_id == Entry.id)
        .join(
            EntryVersion, (EntryVersion.entry_id == Entry.id) & (EntryVersion.version == newest.c.v)
        )
        .where(
            Entry.incident_id == incident.id,
            Entry.category_id.is_(None),
            Entry.kind == "qa",
            Entry.retired.is_(False),
        )
    ).all()
    changed = 0
    for entry, question in rows:
        name = suggest_category(question)
        if name in ids:
            entry.category_id = ids[name]
            changed += 1
    return changed
