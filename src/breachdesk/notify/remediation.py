"""Remediation: compensation codes loaded and redeemed, card companies' reissue reports, and the
figures the CLI, the reports and the dashboard show.

A vendor's list of codes (QUO カード Pay codes or gift URLs) is loaded all or nothing, each code
sealed with the register's data key (`notify.codes`); its redemption report is matched by the
codes' blind index, so the stock is never decrypted to read it. A code is personal data: no
message names one, only the file's lines.

Each card company reports, from time to time, how many of the affected cards it has reissued as
of a day. The rate is taken over each company's latest report; its history, day by day, sums for
each reported day every company's latest report as of then (a company that has not reported yet
counts nothing).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Select, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from breachdesk.auth.service import Actor, audited
from breachdesk.db import Database
from breachdesk.db.tables import Register, ReissueReport, RemediationCode
from breachdesk.db.upsert import upsert
from breachdesk.errors import ConflictError, DocumentFormatError, InvalidInputError
from breachdesk.inquiries.dates import JST, check_day
from breachdesk.inquiries.day_input import parse_day, parse_moment
from breachdesk.notify.codes import BATCH, code_ix, normalise_code, seal_code
from breachdesk.register.keys import Keyring, find_register, incident_id
from breachdesk.reports.remediation import (
    CodeCounts,
    CompanyReissue,
    ReissueFigure,
    RemediationStats,
    latest_by_company,
    reissue_history,
)
from breachdesk.spreadsheet import csv_rows, decode_csv

CODE_COLUMNS = (
    "code",
    "コード",
    "ギフトコード",
    "ギフトURL",
    "URL",
    "ギフトカードURL",
    "ギフト券URL",
    "クーポンコード",
    "引換コード",
    "giftcode",
    "gifturl",
)
"""Headers of the column that holds the codes (compared folded: NFKC, lower case, no blanks)."""
STATUS_COLUMNS = ("status", "状態", "ステータス", "利用状況", "利用状態", "交換状況")
NOT_REDEEMED = ("未使用", "未利用", "未交換", "未", "unused", "unredeemed", "notredeemed", "no")
"""Statuses of a redemption report's row that say the code was NOT redeemed (others do)."""
WHEN_COLUMNS = ("redeemed_at", "redeemedat", "利用日", "利用日時", "交換日", "交換日時", "使用日")
MAX_CODE = 1000
"""The longest code accepted (a gift URL with its token is well under it)."""
MAX_COMPANY = 200
MAX_CARDS = 1_000_000_000
TOLERATED_UNKNOWN = 5
"""Unknown codes a redemption report may carry (a typo, a code of a test) before it is refused:
more than this and more than one row in a thousand, and it is likely another incident's."""
_CODES = cast(Table, RemediationCode.__table__)
_REPORTS = cast(Table, ReissueReport.__table__)
NO_REGISTER = (
    "この事故には対象者名簿がありません。補償コードは名簿のデータキーで暗号化して保存するため、"
    "先に `breachdesk register import` で名簿を取り込んでください"
)
SHOWN_LINES = 10


# --- reading a vendor's file ------------------------------------------------------------------


def _fold(header: str) -> str:
    return "".join(unicodedata.normalize("NFKC", header).lower().split()).replace("_", "")


def _find(header: list[str], names: Iterable[str]) -> int | None:
    folded = [_fold(h) for h in header]
    for name in names:
        if _fold(name) in folded:
            return folded.index(_fold(name))
    return None


def _lines(lines: Sequence[int]) -> str:
    shown = "、".join(f"{n} 行目" for n in lines[:SHOWN_LINES])
    return shown + (f" ほか {len(lines) - SHOWN_LINES} 行" if len(lines) > SHOWN_LINES else "")


@dataclass(frozen=True)
class CodeRow:
    """One code of a vendor's file: its line, the code, and (a redemption report) its status
    and moment."""

    line: int
    code: str
    redeemed: bool = True
    when: datetime | None = None


def read_code_rows(path: Path, data: bytes) -> list[CodeRow]:
    """The codes of a file: one a line, or a CSV whose header names the code column (`code`,
    `コード`, `ギフトコード`, `URL` …; other columns are ignored, except a redemption report's
    status and date). UTF-8 (BOM or not) or CP932. A bad line is a DocumentFormatError naming
    the line, never the value."""
    rows = [(n, r) for n, r in csv_rows(path, decode_csv(path, data)) if any(c.strip() for c in r)]
    if not rows:
        raise DocumentFormatError(str(path), None, "コードが1件もありません")
    header = rows[0][1]
    column = _find(header, CODE_COLUMNS)
    status = when = None
    if column is not None:
        status, when = _find(header, STATUS_COLUMNS), _find(header, WHEN_COLUMNS)
        rows = rows[1:]
    elif any(sum(1 for c in r if c.strip()) > 1 for _, r in rows):
        raise DocumentFormatError(
            str(path),
            1,
            "コードの列が見つかりません（1行に1コードとするか、見出しに "
            + " / ".join(CODE_COLUMNS[:4])
            + " のいずれかを置いてください）",
        )
    else:
        column = next(i for i, c in enumerate(header) if c.strip())
    out: list[CodeRow] = []
    problems: list[str] = []
    for line, row in rows:
        cell = row[column] if column < len(row) else ""
        code = normalise_code(cell)
        if not code:
            problems.append(f"{line} 行目: コードが空です")
            continue
        if len(code) > MAX_CODE:
            problems.append(f"{line} 行目: コードが長すぎます（{MAX_CODE} 文字まで）")
            continue
        if any(unicodedata.category(ch) in ("Cc", "Cf") for ch in code):
            problems.append(f"{line} 行目: コードに制御文字が含まれています")
            continue
        redeemed, moment = True, None
        if status is not None and status < len(row):
            redeemed = _fold(row[status]) not in {_fold(w) for w in NOT_REDEEMED}
        if when is not None and when < len(row) and row[when].strip():
            moment = _moment(row[when])
            if moment is None:
                problems.append(f"{line} 行目: 利用日時が読めません")
                continue
        out.append(CodeRow(line, code, redeemed, moment))
    if problems:
        raise DocumentFormatError(
            str(path), None, f"{len(problems)} 行に問題があります — " + "; ".join(problems[:10])
        )
    if not out:
        raise DocumentFormatError(str(path), None, "コードが1件もありません")
    return out


def _moment(text: str) -> datetime | None:
    """A report's moment (naive = JST; a bare day is its JST midnight), in UTC: SQLite keeps
    a moment without its offset, so every stored moment is UTC."""
    try:
        return parse_moment(text).astimezone(UTC)
    except InvalidInputError:
        pass
    try:
        return datetime.combine(parse_day(text), datetime.min.time(), JST).astimezone(UTC)
    except InvalidInputError:
        return None


def _read(path: Path, data: bytes | None, name: str | None) -> tuple[str, list[CodeRow]]:
    label = name or path.name
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise DocumentFormatError(label, None, f"読めません（{exc.strerror}）") from exc
    return label, read_code_rows(Path(label), data)


def _register(s: Session, slug: str) -> Register:
    register = find_register(s, slug)
    if register is None:
        incident_id(s, slug)  # NotFoundError when the incident itself is unknown
        raise InvalidInputError(NO_REGISTER)
    return register


def _known(s: Session, incident: int, ixs: Sequence[bytes]) -> set[bytes]:
    known: set[bytes] = set()
    for start in range(0, len(ixs), BATCH):
        known.update(
            s.scalars(
                select(RemediationCode.code_ix).where(
                    RemediationCode.incident_id == incident,
                    RemediationCode.code_ix.in_(ixs[start : start + BATCH]),
                )
            )
        )
    return known


# --- loading codes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CodesLoaded:
    loaded: int
    """Codes this file added."""
    total: int
    """The incident's codes now."""


def load_codes(
    db: Database,
    keyring: Keyring,
    slug: str,
    path: Path,
    *,
    data: bytes | None = None,
    name: str | None = None,
    by: Actor | None = None,
    now: datetime | None = None,
) -> CodesLoaded:
    """Load a vendor's list of compensation codes into the incident, all or nothing.

    A code twice in the file, or already loaded, is a DocumentFormatError naming its lines. The
    codes are sealed with the register's data key (an incident without a register is an
    InvalidInputError); the `remediation.codes` audit row carries the count only."""
    label, rows = _read(path, data, name)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    try:
        with db.transaction() as s:
            register = _register(s, slug)
            key = keyring.data_key(register)
            ixs = [code_ix(key, row.code) for row in rows]
            first: dict[bytes, int] = {}
            twice: list[str] = []
            for row, ix in zip(rows, ixs, strict=True):
                if ix in first:
                    twice.append(f"{row.line} 行目（{first[ix]} 行目と同じ）")
                else:
                    first[ix] = row.line
            if twice:
                raise DocumentFormatError(
                    label,
                    None,
                    f"同じコードが {len(twice)} 行あります: " + "、".join(twice[:SHOWN_LINES]),
                )
            known = _known(s, register.incident_id, ixs)
            if known:
                lines = [row.line for row, ix in zip(rows, ixs, strict=True) if ix in known]
                raise DocumentFormatError(
                    label,
                    None,
                    f"すでに読み込まれているコードが {len(lines)} 件あります: {_lines(lines)}"
                    "（何も読み込んでいません）",
                )
            values = [
                {
                    "incident_id": register.incident_id,
                    "code_ix": ix,
                    "code": seal_code(key, register.id, ix, row.code),
                    "loaded_at": moment,
                }
                for row, ix in zip(rows, ixs, strict=True)
            ]
            for start in range(0, len(values), 10 * BATCH):
                s.execute(insert(_CODES), values[start : start + 10 * BATCH])
            total = _count(s, register.incident_id)
            audited(s, by, "remediation.codes", slug, {"count": len(rows)})
    except IntegrityError:
        # Another load of the same codes committed first; the driver's message may carry values.
        raise ConflictError(
            "同じコードの読み込みが同時に行われました。もう一度読み込んでください"
        ) from None
    return CodesLoaded(loaded=len(rows), total=total)


def _count(s: Session, incident: int, *where: Any) -> int:
    return int(
        s.scalar(
            select(func.count())
            .select_from(RemediationCode)
            .where(RemediationCode.incident_id == incident, *where)
        )
        or 0
    )


# --- redemption reports -----------------------------------------------------------------------


@dataclass(frozen=True)
class RedeemedImport:
    rows: int
    """Rows that report a code redeemed."""
    redeemed: int
    """Codes marked redeemed by this report (not already so)."""
    already: int
    """Codes it reports that an earlier report had marked."""
    unknown: int
    """Codes not loaded for this incident (tolerated up to a few)."""
    unknown_lines: tuple[int, ...] = field(default=())
    not_redeemed: int = 0
    """Rows whose status says the code is not redeemed yet (skipped)."""


def import_redeemed(
    db: Database,
    keyring: Keyring,
    slug: str,
    path: Path,
    *,
    data: bytes | None = None,
    name: str | None = None,
    by: Actor | None = None,
    now: datetime | None = None,
) -> RedeemedImport:
    """Mark the codes a vendor's redemption report lists as redeemed (at the row's date, else
    now), matched by blind index; importing it again changes nothing.

    A few unknown codes are counted and their lines reported; more (`TOLERATED_UNKNOWN`, and over
    one row in a thousand) is a DocumentFormatError naming lines: the report is likely another
    incident's. Audited as `remediation.redeemed` with the counts."""
    label, rows = _read(path, data, name)
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    with db.transaction() as s:
        register = _register(s, slug)
        key = keyring.data_key(register)
        wanted = [row for row in rows if row.redeemed]
        ixs = [code_ix(key, row.code) for row in wanted]
        known = _known(s, register.incident_id, list(dict.fromkeys(ixs)))
        unknown = [row.line for row, ix in zip(wanted, ixs, strict=True) if ix not in known]
        if len(unknown) > max(TOLERATED_UNKNOWN, len(wanted) // 1000):
            raise DocumentFormatError(
                label,
                None,
                f"この事故に読み込まれていないコードが {len(unknown)} 件あります: "
                f"{_lines(unknown)}（別の事故の報告ではありませんか。何も取り込んでいません）",
            )
        by_moment: dict[datetime, list[bytes]] = {}
        seen: set[bytes] = set()
        for row, ix in zip(wanted, ixs, strict=True):
            if ix in known and ix not in seen:
                seen.add(ix)
                by_moment.setdefault(row.when or moment, []).append(ix)
        newly = 0
        for when, group in by_moment.items():
            for start in range(0, len(group), BATCH):
                result = s.execute(
                    update(_CODES)
                    .where(
                        _CODES.c.incident_id == register.incident_id,
                        _CODES.c.code_ix.in_(group[start : start + BATCH]),
                        _CODES.c.redeemed_at.is_(None),
                    )
                    .values(redeemed_at=when)
                )
                newly += int(result.rowcount)  # type: ignore[attr-defined]
        outcome = RedeemedImport(
            rows=len(wanted),
            redeemed=newly,
            already=len(seen) - newly,
            unknown=len(unknown),
            unknown_lines=tuple(unknown),
            not_redeemed=len(rows) - len(wanted),
        )
        audited(
            s,
            by,
            "remediation.redeemed",
            slug,
            {"redeemed": newly, "already": outcome.already, "unknown": len(unknown)},
        )
    return outcome


def unredeemed_person_ids(s: Session | None, incident_id: int) -> Select[tuple[int]]:
    """The people of the incident who hold a code not redeemed: a SELECT of person ids, for a
    reminder campaign's `unredeemed` audience to use as a subquery or run in `s`'s transaction
    (`s` is not needed to build it)."""
    del s
    return select(RemediationCode.person_id).where(
        RemediationCode.incident_id == incident_id,
        RemediationCode.person_id.is_not(None),
        RemediationCode.redeemed_at.is_(None),
    )  # type: ignore[return-value]


# --- card reissue reports ---------------------------------------------------------------------


def _company(name: str) -> str:
    company = " ".join(unicodedata.normalize("NFKC", name).split())
    if not company:
        raise InvalidInputError("カード会社名が空です", where="--company")
    if len(company) > MAX_COMPANY:
        raise InvalidInputError(f"カード会社名は {MAX_COMPANY} 文字までです", where="--company")
    return company


def record_reissue(
    db: Database,
    slug: str,
    *,
    company: str,
    as_of: date,
    cards: int,
    reissued: int,
    by: Actor | None = None,
    today: date | None = None,
) -> CompanyReissue:
    """Record a card company's reissue report as of a day; a second report of the same company
    and day replaces the first (one atomic upsert). Audited as `remediation.reissue`."""
    name = _company(company)
    check_day(as_of, where="--as-of", today=today)
    if not 0 <= cards <= MAX_CARDS:
        raise InvalidInputError(
            f"対象カード数は 0〜{MAX_CARDS:,} で指定してください", where="--cards"
        )
    if not 0 <= reissued <= cards:
        raise InvalidInputError(
            f"再発行数は 0 以上、対象カード数（{cards:,}）以下で指定してください",
            where="--reissued",
        )
    with db.transaction() as s:
        incident = incident_id(s, slug)
        actor = by.name if by is not None else "cli"
        upsert(
            s,
            _REPORTS,
            {
                "incident_id": incident,
                "company": name,
                "as_of": as_of,
                "cards": cards,
                "reissued": reissued,
                "created_by": actor[:120],
                "created_at": datetime.now(UTC),
            },
            unique=("incident_id", "company", "as_of"),
            update=("cards", "reissued", "created_by", "created_at"),
        )
        audited(
            s,
            by,
            "remediation.reissue",
            slug,
            {"company": name, "as_of": as_of.isoformat(), "cards": cards, "reissued": reissued},
        )
    return CompanyReissue(cards=cards, reissued=reissued, company=name, as_of=as_of)


# --- the figures ------------------------------------------------------------------------------


def remediation_stats(
    s: Session, incident: int, *, through: date | None = None
) -> RemediationStats:
    """The incident's code counts (as they stand) and its reissue figure from each company's
    latest report (as of `through`, when given, for a report of a past day), with the history."""
    codes = s.execute(
        select(
            func.count(),
            func.count(RemediationCode.person_id),
            func.count(RemediationCode.redeemed_at),
        ).where(RemediationCode.incident_id == incident)
    ).one()
    reports = [
        CompanyReissue(cards=r.cards, reissued=r.reissued, company=r.company, as_of=r.as_of)
        for r in s.scalars(select(ReissueReport).where(ReissueReport.incident_id == incident))
        if through is None or r.as_of <= through
    ]
    latest = latest_by_company(reports)
    return RemediationStats(
        codes=CodeCounts(loaded=int(codes[0]), assigned=int(codes[1]), redeemed=int(codes[2])),
        reissue=ReissueFigure(
            cards=sum(r.cards for r in latest), reissued=sum(r.reissued for r in latest)
        ),
        companies=tuple(latest),
        history=tuple(reissue_history(reports)),
    )


def stats(db: Database, slug: str, *, through: date | None = None) -> RemediationStats:
    """`remediation_stats` of the incident named by `slug` (NotFoundError if none)."""
    with db.read() as s:
        return remediation_stats(s, incident_id(s, slug), through=through)
