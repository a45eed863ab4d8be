"""Campaign message templates: parsed, checked, versioned, approved, rendered.

A template is plain text with five placeholders — ``{name}`` ``{items}`` ``{check_url}``
``{desk}`` ``{code}`` — and ``{{``/``}}`` for literal braces. Judgement calls:

- anything else in braces (an unknown name, ``{name.attr}``, ``{items[0]}``, a conversion or a
  format spec, an unclosed brace) is an error naming the file, line and column: a template is
  checked when it is drafted, never found wrong half-way through a send;
- a mail template's first line ``件名：…`` (or ``Subject: …``) is its subject; without one the
  subject is 【organisation】 and a fixed default;
- ``{check_url}`` is the incident's public self-check page, the same for everyone: a personal
  link would be a secret printed on a letter;
- ``{desk}`` is the main desk's label, phone and hours, read from the incident's contacts;
- an SMS is checked against `sms_max_chars` at draft time with worst-case values (every leaked
  item, a long name, the longest loaded code) and again per message at send time;
- drafting a text identical to the latest version of its channel reuses that version (approved
  or not); a changed text is a new draft; only an approved version is ever sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from breachdesk.auth.service import Actor, audited
from breachdesk.db import Database
from breachdesk.db.tables import Contact as ContactRow
from breachdesk.db.tables import Incident, NotifyTemplate, RemediationCode, utcnow
from breachdesk.errors import ConflictError, DocumentFormatError, InvalidInputError, NotFoundError
from breachdesk.kb.service import get_incident
from breachdesk.register.crypto import NONCE_BYTES
from breachdesk.register.items import ITEM_LABELS, item_label

CHANNELS = ("mail", "sms", "letter")
CHANNEL_LABELS = {"mail": "メール", "sms": "SMS", "letter": "郵送"}
PLACEHOLDERS = ("name", "items", "check_url", "desk", "code")
MAX_TEMPLATE_CHARS = 20_000
WORST_NAME = "あ" * 20
"""A long name for the SMS check at draft time (the real one is checked per message)."""
DEFAULT_CODE_CHARS = 40
"""The code length assumed at draft time when no code is loaded yet (a gift URL's length)."""
_TAG_BYTES = 16
_SUBJECT = re.compile(r"^\s*(?:件名|subject)\s*[:：]\s*(.*)$", re.IGNORECASE)
DEFAULT_SUBJECT = "【{organisation}】個人情報の漏えいに関するお知らせとお詫び"


@dataclass(frozen=True)
class Parsed:
    """A checked template: its subject (mail), body, and the placeholders it uses."""

    subject: str
    body: str
    fields: frozenset[str]


def _check_line(text: str, where: str, line: int) -> set[str]:
    found: set[str] = set()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "{":
            if text.startswith("{{", i):
                i += 2
                continue
            end = text.find("}", i)
            close = text.find("{", i + 1)
            if end < 0 or (0 <= close < end):
                raise DocumentFormatError(where, line, f"{i + 1}文字目の {{ が閉じていません")
            name = text[i + 1 : end]
            if name not in PLACEHOLDERS:
                known = " ".join("{" + p + "}" for p in PLACEHOLDERS)
                raise DocumentFormatError(
                    where,
                    line,
                    f"{i + 1}文字目の差し込み項目は使えません（使えるのは {known} です。"
                    "{ } そのものは {{ }} と書きます）",
                )
            found.add(name)
            i = end + 1
            continue
        if ch == "}":
            if text.startswith("}}", i):
                i += 2
                continue
            raise DocumentFormatError(where, line, f"{i + 1}文字目の }} に対応する {{ がありません")
        i += 1
    return found


def parse_template(text: str, channel: str, *, where: str) -> Parsed:
    """Check a template's text and split off a mail's subject line."""
    if channel not in CHANNELS:
        raise InvalidInputError(f"チャネルは {'・'.join(CHANNELS)} のいずれかです", where=where)
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if len(text) > MAX_TEMPLATE_CHARS:
        raise DocumentFormatError(
            where, None, f"本文は{MAX_TEMPLATE_CHARS:,}文字以内にしてください"
        )
    lines = text.split("\n")
    subject = ""
    first = 0
    if channel == "mail" and lines and (found := _SUBJECT.match(lines[0])):
        subject = found.group(1).strip()
        first = 1
    fields: set[str] = set()
    if subject:
        fields |= _check_line(subject, where, 1)
    for number, line in enumerate(lines[first:], start=first + 1):
        fields |= _check_line(line, where, number)
    body = "\n".join(lines[first:]).strip("\n")
    if not body.strip():
        raise DocumentFormatError(where, None, "本文がありません")
    return Parsed(subject, body + "\n", frozenset(fields))


def render(text: str, values: dict[str, str]) -> str:
    """Fill a checked template's placeholders (only the five; braces doubled are literal)."""
    return text.format_map(values)


@dataclass(frozen=True)
class IncidentValues:
    """What every message of an incident shares: the organisation, the page, the desk."""

    organisation: str
    check_url: str
    desk: str

    def default_subject(self) -> str:
        """A mail's subject when its template has no 件名 line."""
        return DEFAULT_SUBJECT.format(organisation=self.organisation)


def incident_values(s: Session, incident: Incident, public_base_url: str) -> IncidentValues:
    """The incident's shared values: its check page and its main desk's phone and hours."""
    row = s.scalar(
        select(ContactRow)
        .where(ContactRow.incident_id == incident.id)
        .order_by(ContactRow.position)
        .limit(1)
    )
    desk = ""
    if row is not None:
        data: dict[str, Any] = row.data
        desk = " ".join(str(data.get(k) or "") for k in ("label", "phone") if data.get(k))
        if data.get("hours_text"):
            desk += f"（{data['hours_text']}）"
    return IncidentValues(
        incident.organisation or incident.name,
        f"{public_base_url.rstrip('/')}/i/{incident.slug}/check",
        desk or "お問い合わせ窓口",
    )


def person_values(
    shared: IncidentValues, name: str, items: list[str], code: str | None
) -> dict[str, str]:
    """The placeholders' values for one person (their own name, items and code only)."""
    return {
        "name": name,
        "items": "、".join(item_label(i) for i in items),
        "check_url": shared.check_url,
        "desk": shared.desk,
        "code": code or "",
    }


def longest_code(s: Session, incident_id: int) -> int:
    """The longest loaded code of the incident, in bytes (its sealed length less the nonce and
    tag), without opening any."""
    longest = s.scalar(
        select(func.max(func.length(RemediationCode.code))).where(
            RemediationCode.incident_id == incident_id
        )
    )
    return int(longest) - NONCE_BYTES - _TAG_BYTES if longest else DEFAULT_CODE_CHARS


def check_sms_length(
    parsed: Parsed, shared: IncidentValues, code_chars: int, limit: int, *, where: str
) -> None:
    """Refuse an SMS template whose worst-case message exceeds the provider's limit."""
    worst = person_values(shared, WORST_NAME, list(ITEM_LABELS), "x" * code_chars)
    length = len(render(parsed.body, worst).strip())
    if length > limit:
        raise DocumentFormatError(
            where,
            None,
            f"SMS は最長の場合 {length} 文字になり、上限 {limit} 文字を超えます"
            "（漏えい項目がすべての方・長い氏名・最長のコードで計算）",
        )


@dataclass(frozen=True)
class TemplateView:
    id: int
    incident: str
    channel: str
    version: int
    subject: str
    body: str
    status: str
    created_by: str
    created_at: datetime
    approved_by: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "incident": self.incident,
            "channel": self.channel,
            "version": self.version,
            "subject": self.subject,
            "body": self.body,
            "status": self.status,
            "created_by": self.created_by,
            "approved_by": self.approved_by,
        }


def _view(row: NotifyTemplate, slug: str) -> TemplateView:
    return TemplateView(
        row.id,
        slug,
        row.channel,
        row.version,
        row.subject,
        row.body,
        row.status,
        row.created_by,
        row.created_at,
        row.approved_by,
    )


def draft_in(
    s: Session,
    incident: Incident,
    channel: str,
    text: str,
    *,
    by: Actor | None,
    public_base_url: str,
    sms_max_chars: int,
    where: str,
) -> NotifyTemplate:
    """Draft a template in the caller's transaction; the latest version when unchanged."""
    parsed = parse_template(text, channel, where=where)
    if channel == "sms":
        shared = incident_values(s, incident, public_base_url)
        check_sms_length(parsed, shared, longest_code(s, incident.id), sms_max_chars, where=where)
    latest = s.scalar(
        select(NotifyTemplate)
        .where(NotifyTemplate.incident_id == incident.id, NotifyTemplate.channel == channel)
        .order_by(NotifyTemplate.version.desc())
        .limit(1)
    )
    if latest is not None and (latest.subject, latest.body) == (parsed.subject, parsed.body):
        return latest
    row = NotifyTemplate(
        incident_id=incident.id,
        channel=channel,
        version=(latest.version + 1) if latest else 1,
        subject=parsed.subject,
        body=parsed.body,
        status="draft",
        created_by=by.name[:120] if by else "cli",
    )
    s.add(row)
    s.flush()
    audited(
        s, by, "notify.template.draft", f"{incident.slug}/{channel}/{row.version}", {"id": row.id}
    )
    return row


def draft_template(
    db: Database,
    slug: str,
    channel: str,
    text: str,
    *,
    by: Actor | None,
    public_base_url: str,
    sms_max_chars: int,
    where: str = "template",
) -> TemplateView:
    """Draft a new version of an incident's template for a channel (or find it unchanged)."""
    with db.transaction() as s:
        incident = get_incident(s, slug)
        row = draft_in(
            s,
            incident,
            channel,
            text,
            by=by,
            public_base_url=public_base_url,
            sms_max_chars=sms_max_chars,
            where=where,
        )
        return _view(row, slug)


def approve_in(s: Session, row: NotifyTemplate, slug: str, by: Actor | None) -> None:
    """Approve a draft in the caller's transaction (an approved one stays as it is)."""
    if row.status == "approved":
        return
    row.status = "approved"
    row.approved_by = by.name[:120] if by else "cli"
    row.approved_at = utcnow()
    audited(s, by, "notify.template.approve", f"{slug}/{row.channel}/{row.version}", {"id": row.id})


def approve_template(db: Database, template_id: int, *, by: Actor | None) -> TemplateView:
    """Approve a drafted template version (an admin's action; the edge checks the role)."""
    with db.transaction() as s:
        row = s.get(NotifyTemplate, template_id)
        if row is None:
            raise NotFoundError("template", str(template_id))
        incident = s.get(Incident, row.incident_id)
        slug = incident.slug if incident else "?"
        if row.status not in ("draft", "approved"):
            raise ConflictError(f"この版（{row.status}）は承認できません")
        approve_in(s, row, slug, by)
        return _view(row, slug)


def list_templates(db: Database, slug: str) -> list[TemplateView]:
    """Every version of the incident's templates, by channel and version."""
    with db.read() as s:
        incident = get_incident(s, slug)
        rows = s.scalars(
            select(NotifyTemplate)
            .where(NotifyTemplate.incident_id == incident.id)
            .order_by(NotifyTemplate.channel, NotifyTemplate.version)
        )
        return [_view(r, slug) for r in rows]


def get_template(s: Session, template_id: int) -> NotifyTemplate:
    row = s.get(NotifyTemplate, template_id)
    if row is None:
        raise NotFoundError("template", str(template_id))
    return row
