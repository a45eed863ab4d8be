"""Reading the organisation's list of affected people (CSV in UTF-8 or CP932, or XLSX).

Columns are recognised by their header (`register.columns`), or named with `--map 列名=項目`;
leaked items come from the vocabulary (`register.items`), with `--item ラベル=項目` for labels it
does not know. Mappings given once are saved with the incident's register and used by the next
import. A person's *key* is the first of customer number, mail, phone the list has; a re-import
updates the person with the same key, keeping the replaced record as history.

Rows are checked as they are read; every bad row is reported with its line and column (never
its value), and one bad row means nothing of the import is written (one transaction). Each
personal value is encrypted before it is written; the clear values live only in memory, batch by
batch — in this process, or for a large list in worker processes that receive the rows through
a pipe (`register.prepare`). A CSV file on disk is read as it is imported, never whole (a
ten-million-person list is 2 GB), after one pass in chunks that finds its encoding and counts
its lines. Imports of one register run one at a time (`claim`).
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from breachdesk.auth import service as auth
from breachdesk.db import Database
from breachdesk.db.tables import (
    Register,
    RegisterImport,
    RegisterPerson,
    RegisterPersonVersion,
    utcnow,
)
from breachdesk.errors import ConflictError, DocumentFormatError
from breachdesk.privacy.redact import redact
from breachdesk.register.bulk import (
    BackgroundWrites,
    NewPeople,
    insert_people,
    rebuild_indexes,
    refresh_statistics,
    suspend_indexes,
)
from breachdesk.register.columns import column_name, columns_of
from breachdesk.register.keys import Keyring, ensure_register
from breachdesk.register.prepare import (
    PreparedRow,
    RowRules,
    prepared,
    processes_for,
)
from breachdesk.register.prepare import record_context as record_context  # its callers' import
from breachdesk.spreadsheet import csv_file_encoding, csv_rows, decode_csv

log = logging.getLogger("breachdesk.register")

BATCH = 5000
MAX_PROBLEMS = 50


class RegisterFormatError(DocumentFormatError):
    """Rows of an affected list are bad; `problems` lists them (up to 50), each with its line.

    Messages name the line and the column, never the value (it may be personal data)."""

    def __init__(self, path: str, problems: list[tuple[int, str]], total: int) -> None:
        self.problems = problems
        self.total = total
        lines = "、".join(f"{n}行目：{why}" for n, why in problems[:10])
        more = f"（ほか {total - 10} 行）" if total > 10 else ""
        super().__init__(
            path,
            problems[0][0],
            f"誤りのある行が {total} 行あります — {lines}{more}。何も取り込んでいません",
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
    """The rows of a file in memory with their line numbers, and about how many there are."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise DocumentFormatError(str(path), None, "XLSX ファイルとして読めません") from exc
        sheet = book.worksheets[0]

        def sheet_rows() -> Iterator[tuple[int, list[str]]]:
            for n, row in enumerate(sheet.iter_rows(values_only=True), start=1):
                yield n, [_cell(v) for v in row]

        return sheet_rows(), sheet.max_row
    text = decode_csv(path, data)
    first = text.split("\n", 1)[0]
    dialect = "excel-tab" if first.count("\t") > first.count(",") else "excel"
    return csv_rows(path, text, dialect=dialect), text.count("\n") or 1


def _file_rows(path: Path, name: str) -> tuple[Iterator[tuple[int, list[str]]], int | None]:
    """The rows of a CSV file on disk, read as they are imported (a ten-million-person list is
    never whole in memory), and about how many there are."""
    try:
        encoding, lines = csv_file_encoding(path, name)
    except OSError as exc:
        raise DocumentFormatError(name, None, f"読めません（{_why(exc)}）") from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        with path.open(encoding=encoding, newline="") as stream:
            first = stream.readline()
            stream.seek(0)
            dialect = "excel-tab" if first.count("\t") > first.count(",") else "excel"
            yield from csv_rows(Path(name), stream, dialect=dialect)

    return rows(), lines or 1


def _batched(
    rows: Iterator[tuple[int, list[str]]], size: int
) -> Iterator[list[tuple[int, list[str]]]]:
    while batch := list(islice(rows, size)):
        yield batch


def import_register(
    db: Database,
    keyring: Keyring,
    slug: str,
    path: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    items: Mapping[str, str] | None = None,
    actor: str = "cli",
    address: str | None = None,
    file_name: str | None = None,
    progress: ProgressCallback | None = None,
    progress_every: int = 10_000,
    data: bytes | None = None,
) -> RegisterImportResult:
    """Import an affected list into the incident's register, all or nothing.

    `mapping` names columns (`columns.parse_mapping`); `items` maps the 漏えい項目 labels the
    vocabulary does not know (`items.item_mapping`). Both are saved with the register for the
    next import — the item labels only as keyed hashes. `data` is the file's content when it is
    already in memory (an upload; `path` then only names its format), so that no copy of the
    list is left on disk. The file's name is free text (``山田様_090-1234-5678.csv``) and is
    kept, shown and audited redacted.

    One import of a register at a time: the register's row is claimed first, so a second
    import waits for the first to commit (PostgreSQL), or for SQLite's lock up to its busy
    timeout, and is refused with a `ConflictError` when the wait fails."""
    name = redact(file_name or path.name)
    if data is None and path.suffix.lower() not in (".xlsx", ".xlsm"):
        rows, total = _file_rows(path, name)
    else:
        if data is None:
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise DocumentFormatError(name, None, f"読めません（{_why(exc)}）") from exc
        rows, total = _rows(Path(name), data)
        del data
    try:
        return _import(
            db,
            keyring,
            slug,
            name,
            rows,
            total,
            mapping,
            items,
            actor,
            address,
            progress,
            progress_every,
        )
    except (IntegrityError, OperationalError) as exc:
        if not _concurrent(exc):
            raise
        raise ConflictError(BUSY) from None  # the driver's message may carry key values


def _why(error: OSError) -> str:
    """Why a file could not be read, in Japanese for the common cases (the system's words
    otherwise)."""
    if isinstance(error, FileNotFoundError):
        return "ファイルがありません"
    if isinstance(error, PermissionError):
        return "読む権限がありません"
    if isinstance(error, IsADirectoryError):
        return "フォルダーです"
    return error.strerror or type(error).__name__


BUSY = (
    "この名簿には別の取り込みが同時に進んでいたため、取り込みませんでした。何も変更されていません。"
    "その取り込みが終わってから、もう一度取り込んでください"
)


def _concurrent(exc: DBAPIError) -> bool:
    """Whether a database error is another import's doing: the same people or the same new
    register inserted meanwhile, or the register's lock not granted in time."""
    if isinstance(exc, IntegrityError):
        return True
    text = str(exc.orig).lower()
    return "locked" in text or "lock timeout" in text or "deadlock" in text


def _import(
    db: Database,
    keyring: Keyring,
    slug: str,
    name: str,
    rows: Iterator[tuple[int, list[str]]],
    total: int | None,
    mapping: Mapping[str, str] | None,
    items: Mapping[str, str] | None,
    actor: str,
    address: str | None,
    progress: ProgressCallback | None,
    progress_every: int,
) -> RegisterImportResult:
    started = time.perf_counter()
    with db.transaction() as s:
        register, key = ensure_register(s, slug, keyring)
        claim(s, register)
        saved = dict((register.mapping or {}).get("columns", {}))
        given = dict(mapping or {})

        def label_hash(label: str) -> str:
            return key.blind("item-label", label).hex()

        item_labels = {
            **(register.mapping or {}).get("item_labels", {}),
            **{label_hash(label): target for label, target in (items or {}).items()},
        }
        header_line, header = next(((n, r) for n, r in rows if any(c.strip() for c in r)), (0, []))
        if not header:
            raise DocumentFormatError(name, None, "ファイルが空です")
        columns = columns_of(header, {**saved, **given})
        key_kind = next((k for k in ("customer", "mail", "phone") if k in columns), None)
        if key_kind is None:
            raise DocumentFormatError(
                name,
                header_line,
                "方を見分ける列がありません：顧客番号・メールアドレス・電話番号のいずれかの見出しの列"
                "が必要です（別の見出しなら --map 列名=顧客番号 などで対応づけてください）",
            )
        existing = _existing(s, register.id)
        run = RegisterImport(register_id=register.id, file_name=name[:500], imported_by=actor)
        s.add(run)
        s.flush()
        counts = {"rows": 0, "added": 0, "updated": 0, "unchanged": 0}
        problems: list[tuple[int, str]] = []
        bad = 0
        seen: dict[bytes, int] = {}  # person key → the line it was first on
        inserts: list[PreparedRow] = []
        updates: list[dict[str, Any]] = []
        now = utcnow()
        register_id, import_id = register.id, run.id
        key_column = column_name(key_kind, columns)
        rules = RowRules(key, register_id, columns, item_labels, key_kind, key_column)
        processes = processes_for(total)
        suspended = None if existing else suspend_indexes(s, total)
        # From here until the writes are done only the writer thread uses the session.
        with (
            BackgroundWrites(s) as writes,
            closing(prepared(rules, _batched(rows, BATCH), processes)) as batches,
        ):
            for batch in batches:
                before = counts["rows"]
                counts["rows"] += batch.rows
                if progress is not None:
                    elapsed = time.perf_counter() - started
                    step = progress_every
                    for mark in range((before // step + 1) * step, counts["rows"] + 1, step):
                        progress(Progress(mark, total, elapsed))
                found = list(batch.problems)
                bad += len(found)
                for row in batch.good:
                    first = seen.setdefault(row.person_key, row.line)
                    if first != row.line:
                        bad += 1
                        found.append((row.line, f"{key_column}：{first}行目と同じ方です"))
                        continue
                    if bad:
                        continue  # nothing will be written; keep reading to report every bad row
                    known = existing.get(row.person_key)
                    if known is None:
                        counts["added"] += 1
                        inserts.append(row)
                    elif known[1] == row.digest:
                        counts["unchanged"] += 1
                    else:
                        counts["updated"] += 1
                        updates.append(_changed(known[0], row, now))
                if found and len(problems) < MAX_PROBLEMS:
                    problems.extend(sorted(found)[: MAX_PROBLEMS - len(problems)])
                if len(inserts) >= BATCH:
                    writes.submit(partial(insert_people, s, NewPeople(register_id, now, inserts)))
                    inserts = []
                if len(updates) >= BATCH:
                    writes.submit(partial(_update, s, updates, import_id, now))
                    updates = []
            if bad:
                raise RegisterFormatError(name, problems, bad)
            writes.submit(partial(insert_people, s, NewPeople(register_id, now, inserts)))
            if updates:
                writes.submit(partial(_update, s, updates, import_id, now))
        del seen, existing
        written = time.perf_counter()
        rebuild_indexes(s, suspended)
        log.info(
            "register import: %d rows read, checked and written in %.1f s (%d worker processes)%s",
            counts["rows"],
            written - started,
            processes,
            f"; indexes built after the load in {time.perf_counter() - written:.1f} s"
            if suspended
            else "",
        )
        refresh_statistics(s, counts["added"] + counts["updated"])
        register.mapping = {
            "columns": {**saved, **{redact(k): v for k, v in given.items()}},
            "item_labels": item_labels,
        }
        register.updated_at = now
        run.rows, run.added = counts["rows"], counts["added"]
        run.updated, run.unchanged = counts["updated"], counts["unchanged"]
        auth.record(s, actor, "register.import", slug, {"file": name, **counts}, address=address)
    if progress is not None:
        progress(Progress(counts["rows"], counts["rows"], time.perf_counter() - started))
    return RegisterImportResult(name, key=key_kind, **counts)


def claim(s: Session, register: Register) -> None:
    """Take the register's row for this transaction (a row lock on PostgreSQL, the write lock
    on SQLite): a second import of the same register waits here until the first commits, and
    then reads the people the first one wrote."""
    s.execute(update(Register).where(Register.id == register.id).values(updated_at=utcnow()))


def _existing(s: Session, register_id: int) -> dict[bytes, tuple[int, bytes]]:
    """Person key → (row id, record digest) of the people already on the register."""
    rows = s.execute(
        select(RegisterPerson.person_key, RegisterPerson.id, RegisterPerson.digest).where(
            RegisterPerson.register_id == register_id
        )
    )
    return {bytes(k): (i, bytes(d)) for k, i, d in rows}


def _changed(person_id: int, row: PreparedRow, now: datetime) -> dict[str, Any]:
    """The new values of a person whose record changed, for `_update`."""
    return {
        "id": person_id,
        "record": row.record,
        "digest": row.digest,
        "items": list(row.items),
        "updated_at": now,
        "customer_ix": row.customer_ix,
        "mail_ix": row.mail_ix,
        "phone_ix": row.phone_ix,
    }


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
