"""Import a phone system's call log (CSV or XLSX, one row per call) as inquiries.

Headers are matched flexibly, in Japanese or English. Every bad row is reported (file, line,
what is wrong) and nothing is imported unless every row is good; the whole file goes in one
transaction. A file already imported (same content) is refused, so figures never double.
Notes are redacted before they are stored.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from breachdesk.auth.service import Actor, audited
from breachdesk.db import Database
from breachdesk.db.tables import Inquiry
from breachdesk.errors import (
    BreachdeskError,
    ConflictError,
    DocumentFormatError,
    InvalidInputError,
)
from breachdesk.inquiries.categories import ensure_categories
from breachdesk.inquiries.day_input import parse_moment
from breachdesk.inquiries.service import InquiryInput, add_inquiry
from breachdesk.kb.service import get_incident
from breachdesk.spreadsheet import csv_rows, decode_csv

MAX_ERRORS = 50
COLUMNS: dict[str, tuple[str, ...]] = {
    "received_at": (
        "日時",
        "着信日時",
        "受付日時",
        "開始日時",
        "received_at",
        "datetime",
        "time",
        "date",
    ),
    "outcome": ("結果", "応答", "応答結果", "outcome", "result", "status"),
    "duration": ("通話時間", "通話秒数", "duration", "seconds", "talk_time"),
    "agent": ("担当", "担当者", "オペレーター", "agent", "operator", "handled_by"),
    "category": ("分類", "カテゴリ", "カテゴリー", "category"),
    "fraud": ("不正利用", "不正", "fraud", "fraud_report"),
    "note": ("メモ", "内容", "備考", "note", "notes", "memo"),
    "channel": ("回線", "チャネル", "channel"),
}
OUTCOME_WORDS: dict[str, tuple[str, ...]] = {
    "answered": ("応答", "対応済", "完了", "answered", "connected", "ok"),
    "busy": ("話中", "放棄", "不応答", "あふれ", "busy", "abandoned", "missed", "no answer"),
    "callback": ("折返し", "折り返し", "callback", "call back"),
    "escalated": ("エスカレ", "転送", "escalated", "transferred"),
}
TRUE_WORDS = ("○", "〇", "1", "yes", "true", "y", "有", "あり", "はい")
FALSE_WORDS = ("", "×", "0", "no", "false", "n", "無", "なし", "いいえ", "-")
COLUMN_NAMES = {"received_at": "日時", "outcome": "結果"}
CHANNEL_WORDS = {"電話": "phone", "phone": "phone", "メール": "mail", "mail": "mail", "sms": "sms"}


class CallLogError(DocumentFormatError):
    """Some rows of a call log are bad; `problems` lists every one (up to 50)."""

    def __init__(self, path: str, problems: list[tuple[int, str]]) -> None:
        self.problems = problems
        lines = "; ".join(f"line {n}: {why}" for n, why in problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__(path, problems[0][0], f"{len(problems)} bad rows — {lines}{more}")


@dataclass(frozen=True)
class CallLogResult:
    file_name: str
    calls: int
    answered: int
    busy: int
    other: int


def _key(header: str) -> str:
    return unicodedata.normalize("NFKC", header).strip().lower().replace(" ", "")


def _columns(headers: list[str], path: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, header in enumerate(headers):
        key = _key(header)
        for name, aliases in COLUMNS.items():
            if name not in found and key in {_key(a) for a in aliases}:
                found[name] = i
    for required in ("received_at", "outcome"):
        if required not in found:
            wanted = " / ".join(COLUMNS[required][:3])
            raise DocumentFormatError(
                path, 1, f"{COLUMN_NAMES[required]}の列がありません（見出しは {wanted} のいずれか）"
            )
    return found


def _rows(path: Path, data: bytes) -> Iterator[tuple[int, list[str]]]:
    """The rows of a call log; `path` names the file in messages and gives its extension."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise DocumentFormatError(str(path), None, f"not a readable XLSX file: {exc}") from exc
        sheet = book.worksheets[0]
        for n, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield n, ["" if v is None else _cell(v) for v in row]
        return
    text = decode_csv(path, data)
    dialect = (
        "excel-tab"
        if text.split("\n", 1)[0].count("\t") > text.split("\n", 1)[0].count(",")
        else "excel"
    )
    yield from csv_rows(path, text, dialect=dialect)


def _cell(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def parse_datetime(text: str) -> datetime:
    """`2022-07-29 10:15`, `2022/7/29 10:15:30`, `2022年7月29日 10時15分`, ISO with an offset;
    naive = JST (`inquiries.day_input.parse_moment`, the parser of every typed moment)."""
    try:
        return parse_moment(text)
    except InvalidInputError as exc:
        raise ValueError(exc.reason) from None


def parse_duration(text: str) -> int | None:
    """Seconds, or H:MM:SS / M:SS."""
    value = unicodedata.normalize("NFKC", text).strip()
    if not value:
        return None
    if re.fullmatch(r"\d+", value):
        return int(value)
    match = re.fullmatch(r"(?:(\d+):)?(\d{1,2}):(\d{2})", value)
    if not match:
        raise ValueError(f"通話時間「{text}」を読めません（秒数か 0:03:10 の形）")
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def parse_outcome(text: str) -> str:
    value = unicodedata.normalize("NFKC", text).strip().lower()
    for outcome, words in OUTCOME_WORDS.items():
        if any(value.startswith(w.lower()) for w in words):
            return outcome
    raise ValueError(f"結果「{text}」が分かりません（応答／話中／放棄／折返し／エスカレ）")


def parse_flag(text: str) -> bool:
    value = unicodedata.normalize("NFKC", text).strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ValueError(f"「{text}」は有無として読めません（○／×、あり／なし）")


def import_call_log(
    db: Database,
    slug: str,
    path: Path,
    *,
    name: str | None = None,
    by: Actor | None = None,
) -> CallLogResult:
    """Import every call of a log file, all or nothing. `name` is the name the file is known
    by (an upload's own name, which messages show) when `path` is only where it was saved;
    with `by`, the `calls.import` audit row is written in the import's transaction (both or
    neither)."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    path = Path(name) if name else path  # from here on, only a label and its extension
    source = f"calllog:{path.name}:{digest[:16]}"
    rows = list(_rows(path, data))
    if not rows:
        raise DocumentFormatError(str(path), None, "ファイルが空です")
    columns = _columns(rows[0][1], str(path))
    problems: list[tuple[int, str]] = []
    calls: list[tuple[int, InquiryInput]] = []

    def get(row: list[str], name: str) -> str:
        i = columns.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    for line, row in rows[1:]:
        if not any(cell.strip() for cell in row):
            continue
        try:
            channel = CHANNEL_WORDS.get(_key(get(row, "channel")), "phone")
            calls.append(
                (
                    line,
                    InquiryInput(
                        channel=channel,
                        outcome=parse_outcome(get(row, "outcome")),
                        received_at=parse_datetime(get(row, "received_at")),
                        handled_by=get(row, "agent") or None,
                        duration_seconds=parse_duration(get(row, "duration")),
                        category=get(row, "category") or None,
                        fraud_report=parse_flag(get(row, "fraud")),
                        note=get(row, "note"),
                        source=source,
                    ),
                )
            )
        except ValueError as exc:
            problems.append((line, str(exc)))
        if len(problems) >= MAX_ERRORS:
            break
    if not calls and not problems:
        raise DocumentFormatError(str(path), None, "通話の行がありません")
    with db.transaction() as s:
        incident = get_incident(s, slug)
        done = s.scalar(
            select(Inquiry.id)
            .where(Inquiry.incident_id == incident.id, Inquiry.source == source)
            .limit(1)
        )
        if done is not None:
            raise ConflictError(f"{path.name} は取り込み済みです（同じ内容のファイル）")
        ensure_categories(s, incident)
        for line, call in calls:
            try:
                add_inquiry(s, incident, call)
            except BreachdeskError as exc:  # unknown category, bad duration…
                problems.append((line, str(exc)))
        if problems:
            raise CallLogError(str(path), sorted(problems)[:MAX_ERRORS])
        outcomes = [c.outcome for _, c in calls]
        answered, busy = outcomes.count("answered"), outcomes.count("busy")
        result = CallLogResult(path.name, len(calls), answered, busy, len(calls) - answered - busy)
        audited(s, by, "calls.import", slug, {"file": result.file_name, "calls": result.calls})
    return result
