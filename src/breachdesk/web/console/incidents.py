"""Console: the dashboard, incidents (create, rename, overview), document upload and history."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from breachdesk.auth.service import Principal
from breachdesk.desk import Desk
from breachdesk.errors import ConflictError, DocumentFormatError, InvalidInputError
from breachdesk.kb import editing
from breachdesk.kb.importers import FORMATS
from breachdesk.kb.service import ImportResult, IncidentView
from breachdesk.notify.remediation import stats as remediation_stats
from breachdesk.reports.summary import DeskSummary, desk_summary
from breachdesk.web.automation import actor_of
from breachdesk.web.console.pages import (
    Admin,
    Editor,
    Reader,
    Slug,
    incident_context,
    open_questions,
    redirect,
    render,
    slug_url,
)
from breachdesk.web.deps import DeskDep
from breachdesk.web.middleware import client_address
from breachdesk.web.uploads import UploadError, saved_uploads

router = APIRouter()

ShortText = Annotated[str, Form(max_length=300)]


@dataclass(frozen=True)
class IncidentRow:
    """An incident on the dashboard with what waits for someone."""

    incident: IncidentView
    pending: int
    open_questions: int
    desk: DeskSummary


@router.get("")
def dashboard(request: Request, desk: DeskDep, me: Reader) -> Response:
    """The dashboard: every incident's desk today (calls, answer rate, web questions, the next
    campaign, open now) and its waiting work."""
    rows = [
        IncidentRow(
            i,
            len(editing.pending_drafts(desk.db, i.slug)),
            open_questions(desk, i.slug),
            desk_summary(desk.db, i.slug),
        )
        for i in desk.incidents()
    ]
    return render(request, me, "console/dashboard.html", {"rows": rows, "area": "dashboard"})


@router.get("/incidents/new")
def new_incident(request: Request, me: Admin) -> Response:
    """The form to create an incident."""
    form = {"slug": "", "name": "", "organisation": ""}
    context = {"form": form, "error": None, "area": "incident-new"}
    return render(request, me, "console/incident_new.html", context)


@router.post("/incidents")
def create_incident(
    request: Request,
    desk: DeskDep,
    me: Admin,
    slug: Annotated[str, Form(max_length=64)],
    name: ShortText,
    organisation: ShortText = "",
) -> Response:
    """Create an empty incident, then go to its page."""
    clean = slug.strip()
    try:
        editing.create_incident(
            desk.db, clean, name, organisation.strip() or None, by=actor_of(request, me)
        )
    except (InvalidInputError, ConflictError) as exc:
        message = (
            f"識別子「{clean}」のインシデントはすでにあります。"
            if isinstance(exc, ConflictError)
            else "識別子は半角の英小文字・数字・ハイフン（63文字まで）、名称は1〜300文字で入力してください。"
        )
        form = {"slug": clean, "name": name, "organisation": organisation}
        context = {"form": form, "error": message, "area": "incident-new"}
        return render(request, me, "console/incident_new.html", context, status=422)
    return redirect(
        request, slug_url(clean), "インシデントを作成しました。文書をアップロードしてください。"
    )


@router.get("/i/{slug}")
def overview(request: Request, slug: Slug, desk: DeskDep, me: Reader) -> Response:
    """An incident's overview: its desk today, counts, drafts waiting, documents, desks."""
    context = incident_context(desk, slug, "overview")
    incident: IncidentView = context["incident"]
    context.update(
        today=desk_summary(desk.db, slug),
        drafts=editing.pending_drafts(desk.db, slug),
        documents=[d for d in editing.list_documents(desk.db, slug) if d.is_current],
        remediation=remediation_stats(desk.db, slug),
        form={"name": incident.name, "organisation": incident.organisation},
        error=None,
    )
    return render(request, me, "console/incident.html", context)


@router.post("/i/{slug}/rename")
def rename_incident(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Admin,
    name: ShortText,
    organisation: ShortText = "",
) -> Response:
    """Rename an incident or change its organisation."""
    try:
        editing.update_incident(
            desk.db,
            slug,
            name=name,
            organisation=organisation.strip() or None,
            by=actor_of(request, me),
        )
    except InvalidInputError:
        return redirect(
            request, slug_url(slug), "名称は1〜300文字で入力してください。", kind="error"
        )
    return redirect(request, slug_url(slug), "名称を変更しました。")


def _upload_page(
    request: Request,
    desk: Desk,
    me: Principal,
    slug: str,
    *,
    problem: dict[str, Any] | None = None,
    format: str = "auto",
    status: int = 200,
) -> Response:
    context = incident_context(desk, slug, "documents")
    context.update(
        problem=problem,
        format=format,
        formats=sorted(FORMATS),
        max_mb=f"{desk.settings.max_upload_bytes / 1_000_000:g}",
    )
    return render(request, me, "console/upload.html", context, status=status)


UPLOAD_REFUSALS = {
    "no_name": "ファイル名が読み取れません。名前を付け直してください。",
    "duplicate": "同じ名前のファイルが2つ選ばれています。",
    "too_large": "合計 {limit:,} バイトの上限を超えています。",
}


@router.get("/i/{slug}/upload")
def upload_form(request: Request, slug: Slug, desk: DeskDep, me: Editor) -> Response:
    """The form to upload documents into an incident."""
    return _upload_page(request, desk, me, slug)


@router.post("/i/{slug}/upload")
def upload(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Editor,
    files: Annotated[list[UploadFile], File()],
    format: Annotated[str, Form(max_length=32)] = "auto",
) -> Response:
    """Import uploaded documents with the same importers as the CLI, all or nothing."""
    desk.incident(slug)  # uploading never creates an incident
    chosen = format if format == "auto" or format in FORMATS else "auto"
    uploads = [f for f in files if f.filename]
    if not uploads:
        problem = {"file": "—", "line": None, "reason": "ファイルが選ばれていません。"}
        return _upload_page(request, desk, me, slug, problem=problem, format=chosen, status=422)
    try:
        with saved_uploads(uploads, desk.settings.max_upload_bytes) as saved:
            results = desk.import_documents(
                slug,
                [u.path for u in saved],
                names=[u.name for u in saved],
                format=chosen,
                actor=me.name,
                audit=True,  # in the import's own transaction
                address=client_address(request.scope),
                create=False,  # incidents are created on their own form (admins)
            )
    except UploadError as exc:
        problem = {
            "file": exc.file or "—",
            "line": None,
            "reason": UPLOAD_REFUSALS[exc.kind].format(limit=desk.settings.max_upload_bytes),
        }
        status = 413 if exc.kind == "too_large" else 422
        return _upload_page(request, desk, me, slug, problem=problem, format=chosen, status=status)
    except DocumentFormatError as exc:
        failed: dict[str, Any] = {
            "file": Path(exc.path).name,
            "line": exc.line,
            "reason": exc.reason,
        }
        return _upload_page(request, desk, me, slug, problem=failed, format=chosen, status=422)
    return redirect(
        request,
        slug_url(slug, "documents"),
        f"{len(results)}件の文書を取り込みました。",
        lines=[import_summary(r) for r in results],
    )


def import_summary(result: ImportResult) -> str:
    """One line per imported file, in Japanese."""
    if result.unchanged:
        return f"{result.file_name}：前回（v{result.version}）と同じ内容のため、変更はありません"
    held = (
        f"・編集済みの項目の新しい本文 {result.held}件は承認待ちの下書きにしました"
        if result.held
        else ""
    )
    return (
        f"{result.file_name} v{result.version}（{result.format}"
        f"{'・' + result.encoding if result.encoding else ''}）："
        f"追加 {result.added}件・変更 {result.changed}件・"
        f"公開停止 {result.retired}件・変更なし {result.kept}件{held}"
    )


@router.get("/i/{slug}/documents")
def documents(request: Request, slug: Slug, desk: DeskDep, me: Reader) -> Response:
    """Every document of the incident with its versions."""
    rows = editing.list_documents(desk.db, slug)
    files = [(name, list(group)) for name, group in groupby(rows, key=lambda d: d.file_name)]
    context = incident_context(desk, slug, "documents")
    context["files"] = files
    return render(request, me, "console/documents.html", context)


@router.get("/i/{slug}/documents/changes")
def document_changes(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Reader,
    file: Annotated[str, Query(max_length=500)],
    old: Annotated[int, Query(ge=1, le=1_000_000)],
    new: Annotated[int, Query(ge=1, le=1_000_000)],
) -> Response:
    """What changed between two versions of a document: entries added, removed, changed."""
    try:
        changes = editing.document_changes(desk.db, slug, file, old, new)
    except ConflictError:
        message = "この版は内容を保存する前に取り込まれたため、比較できません。"
        return redirect(request, slug_url(slug, "documents"), message, kind="error")
    context = incident_context(desk, slug, "documents")
    context.update(file_name=file, old=old, new=new, changes=changes)
    return render(request, me, "console/changes.html", context)
