"""Reading the organisation's list of affected people (CSV in UTF-8 or CP932, or XLSX).

Columns are recognised by their header (Japanese or English, `HEADERS`), or named with
`--map 列名=field`; a mapping given once is saved with the incident's register and used by the
next import. A person's *key* is the first of customer number, mail, phone the list has; a
re-import updates the person with the same key, keeping the replaced record as history.

Rows are checked as they are read; every bad row is reported with its line, and one bad row
means nothing of the import is written (one transaction). Each personal value is encrypted
before it leaves this module; the clear values live only in memory, row by row.
"""

from __future__ import annotations

import io
import json
import time
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from breachdesk.auth import service as auth
from breachdesk.db import Database
from breachdesk.db.tables import RegisterImport, RegisterPerson, RegisterPersonVersion, utcnow
from breachdesk.errors import DocumentFormatError, InvalidInputError
from breachdesk.inquiries.calllog import csv_rows, decode_csv
from breachdesk.privacy.redact import redact
from breachdesk.register.blind import IDENTIFIERS, MAIL, fold, normalise
from breachdesk.register.bulk import BackgroundWrites, insert_people, refresh_statistics
from breachdesk.register.crypto import DataKey
from breachdesk.register.items import parse_items
from breachdesk.register.keys import Keyring, ensure_register

FIELDS = (
    "customer",
    "name",
    "kana",
    "mail",
    "phone",
    "postal",
    "birth",
    "payment",
    "card_brand",
    "card_last4",
    "period",
    "items",
)
HEADERS: dict[str, tuple[str, ...]] = {
    "customer": (
        "顧客番号",
        "会員番号",
        "注文番号",
        "お客様番号",
        "顧客ID",
        "会員ID",
        "受注番号",
        "customer",
        "customer number",
        "customer id",
        "member id",
        "order number",
        "order id",
    ),
    "name": ("氏名", "お名前", "名前", "name", "full name"),
    "kana": ("フリガナ", "ふりがな", "カナ", "氏名カナ", "kana"),
    "mail": ("メールアドレス", "メール", "Eメール", "mail", "email", "e-mail", "email address"),
    "phone": ("電話番号", "携帯電話番号", "電話", "TEL", "phone", "telephone", "phone number"),
    "postal": ("郵便番号", "〒", "postal code", "postal", "zip", "zip code", "postcode"),
    "birth": ("生年月日", "誕生日", "birth date", "birthdate", "date of birth", "birth"),
    "payment": ("決済方法", "支払方法", "お支払い方法", "支払い方法", "payment", "payment method"),
    "card_brand": ("カードブランド", "ブランド", "card brand", "brand"),
    "card_last4": ("カード下4桁", "カード番号下4桁", "下4桁", "card last4", "last4", "last four"),
    "period": ("対象期間", "期間", "注文日", "ご注文日", "利用日", "period", "order date", "dates"),
    "items": ("漏えい項目", "漏洩項目", "流出項目", "漏えいした項目", "leaked items", "items"),
}
BATCH = 5000
MAX_PROBLEMS = 50


class RegisterFormatError(DocumentFormatError):
    """Rows of an affected list are bad; `problems` lists them (up to 50), each with its line.

    Messages name the line and the column, never the value (it may be personal data)."""

    def __init__(self, path: str, problems: list[tuple[int, str]], total: int) -> None:
        self.problems = problems
        self.total = total
        lines = "; ".join(f"line {n}: {why}" for n, why in problems[:10])
        more = f" (and {total - 10} more)" if total > 10 else ""
        super().__init__(
            path, problems[0][0], f"{total} bad rows — {lines}{more}; nothing imported"
        )


@dataclass(frozen=True)
class RegisterImportResult:
    file_name: str
    rows: int
    added: int
    updated: int
    unchanged: int
    key: str  # the column people are matched by: customer, mail or phone


@dataclass(frozen=True)
class Progress:
    """How far an import is: rows read of about `total`, after `elapsed` seconds."""

    rows: int
    total: int | None
    elapsed: float

    @property
    def rate(self) -> float:
        return self.rows / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def remaining(self) -> float | None:
        if not self.total or self.rows == 0 or self.rate == 0:
            return None
        return max(self.total - self.rows, 0) / self.rate


ProgressCallback = Callable[[Progress], None]


def _header_key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "").replace("_", "")


_KNOWN = {_header_key(alias): field for field, aliases in HEADERS.items() for alias in aliases}


def parse_mapping(pairs: list[str]) -> dict[str, str]:
    """`列名=field` pairs as given on the command line or a form, checked."""
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, sep, field = pair.partition("=")
        if not sep or not header.strip() or field.strip() not in FIELDS:
            raise InvalidInputError(
                f"--map takes 列名=field with field one of {', '.join(FIELDS)}", where="map"
            )
        mapping[header.strip()] = field.strip()
    return mapping


def columns_of(header: list[str], mapping: Mapping[str, str]) -> dict[str, int]:
    """Which column holds which field: the mapping first, then recognised headers."""
    mapped = {_header_key(k): v for k, v in mapping.items()}
    found: dict[str, int] = {}
    for i, text in enumerate(header):
        key = _header_key(text)
        field = mapped.get(key) or _KNOWN.get(key)
        if field and field not in found:
            found[field] = i
    return found


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(path: Path, data: bytes) -> tuple[Iterator[tuple[int, list[str]]], int | None]:
    """The file's rows with their line numbers, and about how many there are."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise DocumentFormatError(str(path), None, "not a readable XLSX file") from exc
        sheet = book.worksheets[0]

        def sheet_rows() -> Iterator[tuple[int, list[str]]]:
            for n, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield n, [_cell(v) for v in row]

        return sheet_rows(), sheet.max_row
    text = decode_csv(path, data)
    first = text.split("\n", 1)[0]
    dialect = "excel-tab" if first.count("\t") > first.count(",") else "excel"
    return csv_rows(path, text, dialect=dialect), text.count("\n") or 1


def _numeric_repair(field: str, value: str) -> str:
    """Numbers that a spreadsheet stored as numbers lose their leading zeros; put them back."""
    if field == "phone" and value.isdigit() and len(value) in (9, 10) and value[0] != "0":
        return "0" + value
    if field == "postal" and value.isdigit() and len(value) < 7:
        return value.zfill(7)
    if field == "card_last4" and value.isdigit() and len(value) < 4:
        return value.zfill(4)
    return value


def parse_row(
    cells: list[str], columns: Mapping[str, int]
) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """A row's record (field → value as written, trimmed), its leaked items, and its
    identifiers normalised (kind → value, for the key and the blind indexes; each is
    normalised once, here).

    Raises ValueError naming the column (never the value) when a value is malformed."""
    record: dict[str, str] = {}
    width = len(cells)
    for field, index in columns.items():
        if field == "items" or index >= width:
            continue
        value = fold(cells[index])
        if value:
            record[field] = _numeric_repair(field, value)
    identifiers: dict[str, str] = {}
    for kind in IDENTIFIERS:
        if kind in record and (normal := normalise(kind, record[kind])):
            identifiers[kind] = normal
    if "mail" in record and not MAIL.fullmatch(record["mail"]):
        raise ValueError("mail: not a mail address")
    if "phone" in record and not 10 <= len(identifiers.get("phone", "")) <= 11:
        raise ValueError("phone: not a phone number of 10 or 11 digits")
    if "postal" in record and not normalise("postal", record["postal"]):
        raise ValueError("postal: not a 7-digit postal code")
    if "birth" in record and not normalise("birth", record["birth"]):
        raise ValueError("birth: not a date (1980-01-02, 1980/1/2, 19800102 or 1980年1月2日)")
    last4 = record.get("card_last4", "")
    if last4 and not (len(last4) == 4 and last4.isdigit()):
        raise ValueError("card_last4: not four digits")
    items_index = columns.get("items")
    items_cell = cells[items_index] if items_index is not None and items_index < width else ""
    return record, parse_items(items_cell), identifiers


def record_bytes(record: Mapping[str, str], items: list[str]) -> bytes:
    return json.dumps(
        {**record, "items": items}, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode()


def record_context(register_id: int, person_key: bytes) -> bytes:
    """What a record's encryption is bound to: its register and its person (no row swaps)."""
    return b"breachdesk person %d " % register_id + person_key


_INDEX_COLUMNS = tuple((kind, f"{kind}_ix") for kind in IDENTIFIERS)


def indexes(key: DataKey, identifiers: Mapping[str, str]) -> dict[str, bytes | None]:
    """The blind index columns of a row, from its normalised identifiers (`parse_row`)."""
    return {
        column: key.blind(kind, identifiers[kind]) if kind in identifiers else None
        for kind, column in _INDEX_COLUMNS
    }


def import_register(
    db: Database,
    keyring: Keyring,
    slug: str,
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    actor: str = "cli",
    address: str | None = None,
    file_name: str | None = None,
    progress: ProgressCallback | None = None,
    progress_every: int = 10_000,
    data: bytes | None = None,
) -> RegisterImportResult:
    """Import an affected list into the incident's register, all or nothing.

    `data` is the file's content when it is already in memory (an upload; `path` then only
    names its format), so that no copy of the list is left on disk. The file's name is free
    text (``山田様_090-1234-5678.csv``) and is kept, shown and audited redacted."""
    name = redact(file_name or path.name)
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DocumentFormatError(name, None, f"cannot read: {exc.strerror}") from exc
    rows, total = _rows(Path(name), data)
    del data
    started = time.perf_counter()
    with db.transaction() as s:
        register, key = ensure_register(s, slug, keyring)
        saved = dict((register.mapping or {}).get("columns", {}))
        given = dict(mapping or {})
        header_line, header = next(((n, r) for n, r in rows if any(c.strip() for c in r)), (0, []))
        if not header:
            raise DocumentFormatError(name, None, "the file is empty")
        columns = columns_of(header, {**saved, **given})
        key_kind = next((k for k in ("customer", "mail", "phone") if k in columns), None)
        if key_kind is None:
            wanted = "顧客番号 / メールアドレス / 電話番号 (or --map 列名=customer)"
            raise DocumentFormatError(name, header_line, f"no identifier column: expected {wanted}")
        existing = _existing(s, register.id)
        run = RegisterImport(register_id=register.id, file_name=name[:500], imported_by=actor)
        s.add(run)
        s.flush()
        counts = {"rows": 0, "added": 0, "updated": 0, "unchanged": 0}
        problems: list[tuple[int, str]] = []
        bad = 0
        seen: dict[bytes, int] = {}
        universe: set[str] = set()
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        now = utcnow()
        register_id, import_id = register.id, run.id
        # From here until the writes are done only the writer thread uses the session.
        with BackgroundWrites(s) as writes:
            for line, cells in rows:
                if not any(c.strip() for c in cells):
                    continue
                counts["rows"] += 1
                if progress is not None and counts["rows"] % progress_every == 0:
                    progress(Progress(counts["rows"], total, time.perf_counter() - started))
                try:
                    record, items, identifiers = parse_row(cells, columns)
                    key_value = identifiers.get(key_kind, "")
                    if not key_value:
                        raise ValueError(f"{key_kind}: empty (it is the key people are matched by)")
                    person_key = key.blind("key:" + key_kind, key_value)
                    if person_key in seen:
                        raise ValueError(f"{key_kind}: the same person as line {seen[person_key]}")
                    seen[person_key] = line
                except ValueError as exc:
                    bad += 1
                    if len(problems) < MAX_PROBLEMS:
                        problems.append((line, str(exc)))
                    continue
                if bad:
                    continue  # nothing will be written; keep reading to report every bad row
                universe.update(items)
                plain = record_bytes(record, items)
                digest = key.blind("digest", plain.decode())
                known = existing.get(person_key)
                if known is not None and known[1] == digest:
                    counts["unchanged"] += 1
                    continue
                row = {
                    "record": key.encrypt(plain, record_context(register_id, person_key)),
                    "digest": digest,
                    "items": items,
                    "updated_at": now,
                    **indexes(key, identifiers),
                }
                if known is None:
                    counts["added"] += 1
                    inserts.append(
                        {
                            "register_id": register_id,
                            "person_key": person_key,
                            "version": 1,
                            "created_at": now,
                            **row,
                        }
                    )
                else:
                    counts["updated"] += 1
                    updates.append({"id": known[0], **row})
                if len(inserts) >= BATCH:
                    writes.submit(partial(insert_people, s, inserts))
                    inserts = []
                if len(updates) >= BATCH:
                    writes.submit(partial(_update, s, updates, import_id, now))
                    updates = []
            if bad:
                raise RegisterFormatError(name, problems, bad)
            writes.submit(partial(insert_people, s, inserts))
            if updates:
                writes.submit(partial(_update, s, updates, import_id, now))
        refresh_statistics(s, counts["added"] + counts["updated"])
        known_items = list((register.mapping or {}).get("items", []))
        register.mapping = {
            "columns": {**saved, **{redact(k): v for k, v in given.items()}},
            "items": list(dict.fromkeys(known_items + sorted(universe))),
        }
        register.updated_at = now
        run.rows, run.added = counts["rows"], counts["added"]
        run.updated, run.unchanged = counts["updated"], counts["unchanged"]
        auth.record(s, actor, "register.import", slug, {"file": name, **counts}, address=address)
    if progress is not None:
        progress(Progress(counts["rows"], counts["rows"], time.perf_counter() - started))
    return RegisterImportResult(name, key=key_kind, **counts)


def _existing(s: Session, register_id: int) -> dict[bytes, tuple[int, bytes]]:
    """Person key → (row id, record digest) of the people already on the register."""
    rows = s.execute(
        select(RegisterPerson.person_key, RegisterPerson.id, RegisterPerson.digest).where(
            RegisterPerson.register_id == register_id
        )
    )
    return {bytes(k): (i, bytes(d)) for k, i, d in rows}


def _update(s: Session, updates: list[dict[str, Any]], import_id: int, now: datetime) -> None:
    """Keep each replaced record as a version, then write the new one."""
    ids = [u["id"] for u in updates]
    old = s.execute(
        select(
            RegisterPerson.id, RegisterPerson.version, RegisterPerson.record, RegisterPerson.items
        ).where(RegisterPerson.id.in_(ids))
    ).all()
    s.execute(
        insert(RegisterPersonVersion),
        [
            {
                "person_id": i,
                "version": v,
                "record": r,
                "items": it,
                "replaced_at": now,
                "replaced_by_import": import_id,
            }
            for i, v, r, it in old
        ],
    )
    versions = {i: v for i, v, _, _ in old}
    s.execute(update(RegisterPerson), [{**u, "version": versions[u["id"]] + 1} for u in updates])
