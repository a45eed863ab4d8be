"""The tables, as SQLAlchemy 2 declarative models. Schema changes go through Alembic."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    organisation: Mapped[str | None] = mapped_column(String(300))
    kb_version: Mapped[int] = mapped_column(Integer, default=0)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    documents: Mapped[list[Document]] = relationship(back_populates="incident")


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (UniqueConstraint("incident_id", "file_name", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    format: Mapped[str] = mapped_column(String(32))
    encoding: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # What the importer read, as [kind, section, question, answer] rows, to show what changed
    # between two versions; who imported it ("cli" or a console user).
    content: Mapped[list[Any] | None] = mapped_column(JSON)
    imported_by: Mapped[str] = mapped_column(String(120), default="cli")

    incident: Mapped[Incident] = relationship(back_populates="documents")


class Entry(Base):
    """A stable knowledge-base entry; its text lives in `EntryVersion` rows."""

    __tablename__ = "entries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    # Retired by an editor (the console's 公開停止), not because the document dropped it: an
    # import then leaves it retired, even when the document still has (or has again) its
    # question, until an editor restores it.
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The inquiry category a question answered by this entry is counted under (Step 3).
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )

    versions: Mapped[list[EntryVersion]] = relationship(
        back_populates="entry", order_by="EntryVersion.version"
    )


class EntryVersion(Base):
    __tablename__ = "entry_versions"
    __table_args__ = (UniqueConstraint("entry_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    section: Mapped[str] = mapped_column(Text, default="")
    line_start: Mapped[int] = mapped_column(Integer, default=0)
    line_end: Mapped[int] = mapped_column(Integer, default=0)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="approved")
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Who wrote this version ("import" for an imported one) and who approved it, if anyone.
    created_by: Mapped[str] = mapped_column(String(120), default="import")
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str] = mapped_column(Text, default="")
    # Breach intents of this version: [{"intent": id, "p": confidence}], best first; classified
    # at import ("auto") or set by an editor (their name). None: not classified yet.
    intents: Mapped[list[Any] | None] = mapped_column(JSON)
    intents_by: Mapped[str | None] = mapped_column(String(120))

    entry: Mapped[Entry] = relationship(back_populates="versions")


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    entry_id: Mapped[str | None] = mapped_column(ForeignKey("entries.id", ondelete="SET NULL"))


# --- Step 2: console users, sessions, API tokens, audit; entry review; the public question log ---


class User(Base):
    """A console user. `role` is one of admin, editor, operator, viewer (see `auth.roles`)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class LoginSession(Base):
    """A console session. Only the SHA-256 of the cookie value is stored, never the value."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    """A token for automation, scoped to a role. Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class LoginAttempt(Base):
    """Every login attempt, for throttling across workers and servers."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    success: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class RateLimitBucket(Base):
    """One client address's public rate limit, shared by every worker and server
    (`limits.rate`): a keyed hash of the address, never the address, and the moment (Unix
    seconds) its bucket is full again. A row whose moment has passed says nothing; it is pruned."""

    __tablename__ = "rate_limits"

    bucket: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    tat: Mapped[float] = mapped_column(Float)


class AuditEvent(Base):
    """One console or API action: who, when, what, on what."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    address: Mapped[str | None] = mapped_column(String(64))


class EntryPhrasing(Base):
    """Another way people ask an entry's question, attached by an editor from the review queue."""

    __tablename__ = "entry_phrasings"
    __table_args__ = (UniqueConstraint("entry_id", "text"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PublicQuestion(Base):
    """A question asked on the public page or API, as answered (text redacted before storing).

    `entry_version` records exactly which approved text was shown. `review` is open, attached
    (to an entry as a phrasing), needs_entry, or dismissed. `outcome` is the engine's (answered,
    suggested, abstained); `suggested` lists the entries offered to choose from, and
    `chosen_entry_id` the one the person chose (a proposed phrasing of it). `group_key` is the
    question folded for grouping twins (`review.grouping.question_key`).
    """

    __tablename__ = "public_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    asked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    question: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(16), default="web")
    answered: Mapped[bool] = mapped_column(Boolean)
    entry_id: Mapped[str | None] = mapped_column(ForeignKey("entries.id", ondelete="SET NULL"))
    entry_version: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(default=0.0)
    candidates: Mapped[list[Any]] = mapped_column(JSON, default=list)
    review: Mapped[str] = mapped_column(String(16), default="open", index=True)
    reviewed_by: Mapped[str | None] = mapped_column(String(120))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[str] = mapped_column(String(16), default="abstained")
    suggested: Mapped[list[Any]] = mapped_column(JSON, default=list)
    chosen_entry_id: Mapped[str | None] = mapped_column(
        ForeignKey("entries.id", ondelete="SET NULL")
    )
    chosen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    group_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    # SHA-256 of the token issued with the answer: only its holder may vote on it or choose a
    # suggestion (ids are sequential). None for questions logged before tokens, or by tools.
    feedback_token_hash: Mapped[str | None] = mapped_column(String(64))


class IdBlock(Base):
    """The next id a worker may take a block from, per table (SQLite only: `db.ids`)."""

    __tablename__ = "id_blocks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_id: Mapped[int] = mapped_column(BigInteger)


class Feedback(Base):
    """A 役に立ちましたか？ vote on an answer that was shown."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("public_questions.id", ondelete="CASCADE"), unique=True
    )
    entry_id: Mapped[str | None] = mapped_column(
        ForeignKey("entries.id", ondelete="SET NULL"), index=True
    )
    entry_version: Mapped[int | None] = mapped_column(Integer)
    helpful: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# --- Step 3: the inquiry desk, campaigns, historical daily figures ---


class Category(Base):
    """An inquiry category of one incident (対象確認, 不正利用, …), in display order."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("incident_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Inquiry(Base):
    """One call, mail, web question… received by the desk. `note` is redacted before storing.

    `day` is the JST calendar day of `received_at`, stored so that daily reports group on an
    indexed column instead of converting time zones per row.
    """

    __tablename__ = "inquiries"
    # Covering indexes: the daily report (phone calls by day, outcome, category) and the list.
    __table_args__ = (
        Index("ix_inquiries_report", "incident_id", "channel", "day", "outcome", "category_id"),
        Index("ix_inquiries_recent", "incident_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    day: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    handled_by: Mapped[str | None] = mapped_column(String(120))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(
        ForeignKey("categories.id", ondelete="SET NULL")
    )
    fraud_report: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    entry_id: Mapped[str | None] = mapped_column(ForeignKey("entries.id", ondelete="SET NULL"))
    entry_version: Mapped[int | None] = mapped_column(Integer)
    public_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("public_questions.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(String(200), default="console")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class InquiryDailyCount(Base):
    """How many inquiries one (incident, channel, day, outcome, category) has: the daily report's
    counts, kept by database triggers on `inquiries` (migration 0012; `inquiries.counts`).

    `category_id` 0 stands for "no category" (a key column cannot be NULL and stay unique on
    both stores); it is not a foreign key, so a deleted category's counts move to 0 with its
    inquiries (ON DELETE SET NULL fires the update trigger).
    """

    __tablename__ = "inquiry_daily_counts"

    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    outcome: Mapped[str] = mapped_column(String(16), primary_key=True)
    category_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    n: Mapped[int] = mapped_column(BigInteger)


class InquiryCountChange(Base):
    """A change to `InquiryDailyCount` not yet folded into it (PostgreSQL only; empty on SQLite).

    PostgreSQL's triggers append here instead of updating a shared counter row, so concurrent
    writers never wait on each other's row locks; `inquiries.counts.fold_count_changes` moves
    them into the counts. The report adds both, so it is exact before and after a fold.
    """

    __tablename__ = "inquiry_count_changes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    incident_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(16))
    category_id: Mapped[int] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(BigInteger)


class DailyFigure(Base):
    """A day's desk totals kept elsewhere and imported (a council report's table). NULL = not counted."""

    __tablename__ = "daily_figures"
    __table_args__ = (UniqueConstraint("incident_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    offered: Mapped[int | None] = mapped_column(Integer)
    answered: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(500), default="")


class DailyCategoryFigure(Base):
    """An imported day's count for one category. NULL = not counted that day."""

    __tablename__ = "daily_category_figures"
    __table_args__ = (UniqueConstraint("incident_id", "day", "category_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    count: Mapped[int | None] = mapped_column(Integer)


class Campaign(Base):
    """A notification sent to affected people (mail, SMS, letter, web notice) on a day."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    sent_on: Mapped[date] = mapped_column(Date)
    audience: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    follows_campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL")
    )
    source: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignDelivery(Base):
    """One recipient's delivery result from the mail/SMS vendor's report."""

    __tablename__ = "campaign_deliveries"
    __table_args__ = (UniqueConstraint("campaign_id", "recipient"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    recipient: Mapped[str] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")


# --- Step 6: the affected-person register (encrypted; see register/ and docs/register.md) ---


class Register(Base):
    """An incident's affected register: its data key, wrapped by the master key, and the saved
    column mapping. `pending_*` holds the new wrap while a master-key rotation is under way."""

    __tablename__ = "registers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), unique=True
    )
    key_id: Mapped[str] = mapped_column(String(16))
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    pending_key_id: Mapped[str | None] = mapped_column(String(16))
    pending_wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RegisterPerson(Base):
    """One affected person: the record encrypted, found by blind indexes (keyed HMACs).

    `items` are the canonical names of the leaked items (no personal value), kept in clear for
    the counts; `digest` is a keyed HMAC of the record, to tell an unchanged re-import.
    """

    __tablename__ = "register_people"
    __table_args__ = (
        UniqueConstraint("register_id", "person_key"),
        Index("ix_register_people_mail", "register_id", "mail_ix"),
        Index("ix_register_people_phone", "register_id", "phone_ix"),
        Index("ix_register_people_customer", "register_id", "customer_ix"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id", ondelete="CASCADE"))
    person_key: Mapped[bytes] = mapped_column(LargeBinary(16))
    customer_ix: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    mail_ix: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    phone_ix: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    record: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[bytes] = mapped_column(LargeBinary(16))
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RegisterPersonVersion(Base):
    """A person's earlier record, kept (encrypted) when a re-import changed it."""

    __tablename__ = "register_person_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(
        ForeignKey("register_people.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    record: Mapped[bytes] = mapped_column(LargeBinary)
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)
    replaced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    replaced_by_import: Mapped[int | None] = mapped_column(
        ForeignKey("register_imports.id", ondelete="SET NULL")
    )


class RegisterImport(Base):
    """One import of the organisation's list: what it did and who did it."""

    __tablename__ = "register_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    register_id: Mapped[int] = mapped_column(
        ForeignKey("registers.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(String(500))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    imported_by: Mapped[str] = mapped_column(String(120), default="cli")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RegisterCheck(Base):
    """One public self-check, listed or not (the same row either way, for equal timing).

    `ident_ix` is the blind index of the identifier given, for the limits; a listed person with
    matching facts gets a link (`token_hash`, SHA-256 of the link's secret) or an SMS code
    (`code_hash`), single use, until `expires_at`.
    """

    __tablename__ = "register_checks"
    __table_args__ = (
        Index("ix_register_checks_ident", "register_id", "ident_ix", "at"),
        Index("ix_register_checks_address", "register_id", "address", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ident_ix: Mapped[bytes] = mapped_column(LargeBinary(16))
    address: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("register_people.id", ondelete="SET NULL")
    )
    channel: Mapped[str | None] = mapped_column(String(8))
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    code_attempts: Mapped[int] = mapped_column(Integer, default=0)


class RegisterCounter(Base):
    """A count per register, kind, subject and clock hour: the self-check's limits (checks per
    identifier, per client address, code tries per identifier; `subject` a keyed hash) and the
    aggregated record of the requests refused under them (`subject` a label such as
    ``check/limited``). Each use is one atomic upsert (`register.limits.bump`)."""

    __tablename__ = "register_counters"
    __table_args__ = (
        UniqueConstraint("register_id", "kind", "subject", "hour"),
        Index("ix_register_counters_hour", "register_id", "hour"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    register_id: Mapped[int] = mapped_column(ForeignKey("registers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    hour: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    count: Mapped[int] = mapped_column(Integer, default=0)


# --- Step 10: reaching the affected (notify/), remediation, callbacks ---


class NotifyTemplate(Base):
    """One version of a campaign's message text for a channel (mail, sms, letter).

    Drafted by an editor, approved by an admin; a campaign sends approved versions only. The
    text holds placeholders ({name} {items} {check_url} {desk} {code}), never a personal value.
    """

    __tablename__ = "notify_templates"
    __table_args__ = (UniqueConstraint("incident_id", "channel", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(8))
    version: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    created_by: Mapped[str] = mapped_column(String(120), default="cli")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CampaignPlan(Base):
    """A campaign planned from the register: its channel chain, audience, templates and pace.

    The `campaigns` row (same id) stays the campaign as the reports know it; this row holds
    what only a planned campaign has. `state`: planned → approved → sending → done."""

    __tablename__ = "campaign_plans"

    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(12), default="planned")
    chain: Mapped[list[Any]] = mapped_column(JSON, default=list)
    audience_kind: Mapped[str] = mapped_column(String(16), default="all")
    templates: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    max_calls_per_day: Mapped[int | None] = mapped_column(Integer)
    planned_by: Mapped[str] = mapped_column(String(120), default="cli")
    planned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(120))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CampaignDay(Base):
    """A planned campaign's sends on one day, and the calls forecast for that day."""

    __tablename__ = "campaign_days"
    __table_args__ = (UniqueConstraint("campaign_id", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    mail: Mapped[int] = mapped_column(Integer, default=0)
    sms: Mapped[int] = mapped_column(Integer, default=0)
    letter: Mapped[int] = mapped_column(Integer, default=0)
    forecast_calls: Mapped[float] = mapped_column(Float, default=0.0)


class CampaignMessage(Base):
    """One person of a planned campaign: the send queue and its outcome, per channel.

    `state`: pending (waits for `day`), sending (claimed by a sender: in flight), sent,
    unreachable (no channel left). `channel` is the one to try next; `mail`/`sms`/`letter`
    record each channel's outcome (sent, refused, bounced, skipped). No recipient is stored:
    the address is read from the encrypted register at send time."""

    __tablename__ = "campaign_messages"
    __table_args__ = (
        UniqueConstraint("campaign_id", "person_id"),
        Index("ix_campaign_messages_queue", "campaign_id", "state", "day", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("register_people.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str | None] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(12), default="pending")
    mail: Mapped[str | None] = mapped_column(String(8))
    sms: Mapped[str | None] = mapped_column(String(8))
    letter: Mapped[str | None] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RemediationCode(Base):
    """A compensation code (a QUO カード Pay code or URL), encrypted with the register's data
    key and found by a blind index; assigned to one person, later marked redeemed."""

    __tablename__ = "remediation_codes"
    __table_args__ = (
        UniqueConstraint("incident_id", "code_ix"),
        Index("ix_remediation_codes_person", "incident_id", "person_id"),
        Index("ix_remediation_codes_free", "incident_id", "assigned_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    code_ix: Mapped[bytes] = mapped_column(LargeBinary(16))
    code: Mapped[bytes] = mapped_column(LargeBinary)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("register_people.id", ondelete="SET NULL")
    )
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id", ondelete="SET NULL"))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    redeemed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReissueReport(Base):
    """A card company's report of reissued cards as of a day (affected cards, reissued)."""

    __tablename__ = "reissue_reports"
    __table_args__ = (UniqueConstraint("incident_id", "company", "as_of"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(
        ForeignKey("incidents.id", ondelete="CASCADE"), index=True
    )
    company: Mapped[str] = mapped_column(String(200))
    as_of: Mapped[date] = mapped_column(Date)
    cards: Mapped[int] = mapped_column(Integer)
    reissued: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(120), default="cli")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CallbackRequest(Base):
    """A person's request to be called (or mailed) back; contact and question encrypted with
    the incident's data key. `state`: open → done (with the inquiry it logged) or cancelled;
    `attempts` counts calls that reached nobody (the request stays open until the last)."""

    __tablename__ = "callback_requests"
    __table_args__ = (Index("ix_callback_requests_due", "incident_id", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    channel: Mapped[str] = mapped_column(String(8))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(12), default="open")
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by: Mapped[str | None] = mapped_column(String(120))
    inquiry_id: Mapped[int | None] = mapped_column(ForeignKey("inquiries.id", ondelete="SET NULL"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    attempted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
