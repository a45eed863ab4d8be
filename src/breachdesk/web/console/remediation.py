"""Console: 補償・再発行 — compensation codes (loaded, assigned, redeemed) and card companies'
reissue reports, with the forms that feed them.

Everyone signed in reads the figures; editors upload a vendor's code list or redemption report
and record a reissue report. No page ever shows a code: only counts and the lines of a refused
file. The core writes each action's audit row in the action's transaction.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from breachdesk.auth.service import Principal
from breachdesk.desk import Desk
from breachdesk.errors import (
    BreachdeskError,
    ConflictError,
    DocumentFormatError,
    InvalidInputError,
    NotFoundError,
)
from breachdesk.inquiries.dates import EARLIEST, today_jst
from breachdesk.inquiries.day_input import parse_day
from breachdesk.notify.remediation import (
    MAX_CARDS,
    MAX_COMPANY,
    import_redeemed,
    load_codes,
    record_reissue,
)
from breachdesk.notify.remediation import stats as remediation_stats
from breachdesk.register.keys import find_register
from breachdesk.web.automation import actor_of
from breachdesk.web.console.pages import (
    Editor,
    Reader,
    Slug,
    incident_context,
    redirect,
    render,
    slug_url,
)
from breachdesk.web.deps import DeskDep
from breachdesk.web.uploads import SavedUpload, UploadError, saved_upload, upload_name

router = APIRouter()

EMPTY_REISSUE = {"company": "", "as_of": "", "cards": "", "reissued": ""}
# The core names a reissue report's fields as the CLI spells them; the form's fields are these.
FIELDS = {"--company": "company", "--as-of": "as_of", "--cards": "cards", "--reissued": "reissued"}
Count = Annotated[str, Form(max_length=20)]
UPLOAD_REFUSALS = {
    "no_name": "ファイル名がありません",
    "too_large": "ファイルが大きすぎます",
}


def _has_register(desk: Desk, slug: str) -> bool:
    with desk.db.read() as s:
        return find_register(s, slug) is not None


def _page(
    request: Request,
    desk: Desk,
    me: Principal,
    slug: str,
    *,
    form: dict[str, str] | None = None,
    error: InvalidInputError | None = None,
) -> Response:
    """The figures and the forms (with what was typed and why it was refused, after a
    refusal of the reissue form)."""
    context: dict[str, Any] = incident_context(desk, slug, "remediation")
    figures = remediation_stats(desk.db, slug)
    context |= {
        "figures": figures,
        "history": list(reversed(figures.history)),
        "has_register": _has_register(desk, slug),
        "form": form or EMPTY_REISSUE,
        "error": None if error is None else error.reason,
        "error_field": None if error is None else FIELDS.get(error.where or "", error.where),
        "today": today_jst(),
        "earliest": EARLIEST,
        "max_cards": MAX_CARDS,
        "max_company": MAX_COMPANY,
    }
    return render(
        request, me, "console/remediation.html", context, status=200 if error is None else 422
    )


@router.get("/i/{slug}/remediation")
def remediation(request: Request, slug: Slug, desk: DeskDep, me: Reader) -> Response:
    """Compensation codes and card reissue: the figures, and the forms that feed them."""
    return _page(request, desk, me, slug)


def refused(name: str, exc: BreachdeskError) -> tuple[str, list[str]]:
    """A refused upload as a flash message and its lines: the file, and each bad line the core
    named (never a code: the core's messages carry none)."""
    if isinstance(exc, DocumentFormatError):
        if exc.line is not None:
            return f"{name} は取り込みませんでした。", [f"{exc.line} 行目：{exc.reason}"]
        head, dash, problems = exc.reason.partition(" — ")
        if dash:  # "3 行に問題があります — 2 行目: …; 5 行目: …"
            return f"{name} は取り込みませんでした（{head}）。", problems.split("; ")
        return f"{name} は取り込みませんでした：{exc.reason}", []
    if isinstance(exc, UploadError):
        reason = UPLOAD_REFUSALS.get(exc.kind, exc.reason)
    else:
        reason = exc.reason if isinstance(exc, InvalidInputError | ConflictError) else str(exc)
    return f"{name} は取り込みませんでした：{reason}", []


def _imported(
    request: Request,
    slug: str,
    desk: Desk,
    file: UploadFile,
    action: Callable[[SavedUpload], tuple[str, list[str]]],
) -> Response:
    """Save the upload, run `action` on it, and flash what it did, or why nothing was taken."""
    name = upload_name(file.filename) or "ファイル"
    try:
        with saved_upload(file, desk.settings.max_table_upload_bytes) as saved:
            text, lines = action(saved)
    except NotFoundError:
        raise  # an unknown incident is a 404, not a flash message
    except BreachdeskError as exc:
        text, lines = refused(name, exc)
        return redirect(request, slug_url(slug, "remediation"), text, kind="error", lines=lines)
    return redirect(request, slug_url(slug, "remediation"), text, lines=lines)


@router.post("/i/{slug}/remediation/codes")
def upload_codes(
    request: Request, slug: Slug, desk: DeskDep, me: Editor, file: Annotated[UploadFile, File()]
) -> Response:
    """Load a vendor's list of compensation codes (all or nothing)."""

    def load(saved: SavedUpload) -> tuple[str, list[str]]:
        done = load_codes(
            desk.db,
            desk.register.keyring,
            slug,
            saved.path,
            name=saved.name,
            by=actor_of(request, me),
        )
        return (
            f"{saved.name}：補償コードを {done.loaded:,} 件読み込みました"
            f"（この事故のコードは計 {done.total:,} 件）。",
            [],
        )

    return _imported(request, slug, desk, file, load)


@router.post("/i/{slug}/remediation/redeemed")
def upload_redeemed(
    request: Request, slug: Slug, desk: DeskDep, me: Editor, file: Annotated[UploadFile, File()]
) -> Response:
    """Import a vendor's redemption report (importing it again counts nothing twice)."""

    def mark(saved: SavedUpload) -> tuple[str, list[str]]:
        done = import_redeemed(
            desk.db,
            desk.register.keyring,
            slug,
            saved.path,
            name=saved.name,
            by=actor_of(request, me),
        )
        lines = []
        if done.unknown:
            shown = "、".join(f"{n} 行目" for n in done.unknown_lines[:10])
            lines.append(
                f"この事故に読み込まれていないコードが {done.unknown} 件ありました（{shown}）。"
            )
        return (
            f"{saved.name}：利用済み {done.redeemed:,} 件を記録しました"
            f"（記録済み {done.already:,} 件、未利用の行 {done.not_redeemed:,} 件）。",
            lines,
        )

    return _imported(request, slug, desk, file, mark)


@router.post("/i/{slug}/remediation/reissue")
def add_reissue(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Editor,
    company: Annotated[str, Form(max_length=MAX_COMPANY * 2)] = "",
    as_of: Annotated[str, Form(max_length=100)] = "",
    cards: Count = "",
    reissued: Count = "",
) -> Response:
    """Record a card company's reissue report (the same company and day replaces it)."""
    typed = {"company": company, "as_of": as_of, "cards": cards, "reissued": reissued}
    try:
        done = record_reissue(
            desk.db,
            slug,
            company=company,
            as_of=parse_day(as_of, where="--as-of"),
            cards=_count(cards, "--cards", "対象カード数"),
            reissued=_count(reissued, "--reissued", "再発行数"),
            by=actor_of(request, me),
        )
    except InvalidInputError as exc:
        return _page(request, desk, me, slug, form=typed, error=exc)
    rate = "-" if done.rate is None else f"{done.rate:.1%}"
    return redirect(
        request,
        slug_url(slug, "remediation"),
        f"{done.company}（{done.as_of.month}月{done.as_of.day}日時点）の再発行報告を記録しました"
        f"：{done.reissued:,} / {done.cards:,} 枚（{rate}）。",
    )


def _count(text: str, where: str, field: str) -> int:
    """A number of cards as typed (full-width digits and thousands separators allowed)."""
    folded = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    if not folded.isdigit():
        raise InvalidInputError(f"{field}は 0 以上の整数で入力してください", where=where)
    return int(folded)
