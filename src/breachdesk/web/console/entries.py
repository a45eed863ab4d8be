"""Console: FAQ entries — list and search, history, edits and intent corrections as drafts,
approval, retirement."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from breachdesk.auth.service import Principal
from breachdesk.desk import Desk
from breachdesk.errors import ConflictError, InvalidInputError, StaleEditError
from breachdesk.intents.taxonomy import Intent, load_taxonomy
from breachdesk.kb import editing
from breachdesk.kb.editing import EntryDetail, VersionView
from breachdesk.web.automation import audit_in
from breachdesk.web.console.catalogue import ENTRY_FILTERS, entry_catalogue, filter_entries
from breachdesk.web.console.pages import (
    Editor,
    Paging,
    Reader,
    Slug,
    incident_context,
    redirect,
    render,
    slug_url,
)
from breachdesk.web.deps import DeskDep

router = APIRouter()

EntryId = Annotated[str, PathParam(max_length=40)]
VersionNo = Annotated[int, PathParam(ge=1, le=1_000_000)]
Question = Annotated[str, Form(max_length=editing.MAX_QUESTION * 2)]
AnswerText = Annotated[str, Form(max_length=editing.MAX_ANSWER * 2)]
Section = Annotated[str, Form(max_length=1000)]
PAGE_SIZE = 50
FILTER_LABELS = {
    "all": "すべて",
    "served": "公開中",
    "pending": "承認待ちの下書きあり",
    "unserved": "未公開（下書きのみ・却下）",
    "retired": "公開停止",
}
ERROR_WHERE = {"question": "質問", "answer": "回答"}


def version_state(entry: EntryDetail, version: VersionView) -> str:
    """How a version stands: served (or served-retired), old, draft, stale or rejected."""
    served = entry.served_version or 0
    if version.status == "approved":
        if version.version == served:
            return "served-retired" if entry.retired else "served"
        return "old"
    if version.status == "draft":
        return "draft" if version.version > served else "stale"
    return "rejected"


def _text_problem(exc: InvalidInputError) -> str:
    where = ERROR_WHERE.get(exc.where or "", "入力")
    if "empty" in exc.reason:
        return f"{where}を入力してください。"
    return f"{where}が長すぎます（{exc.reason}）。"


@router.get("/i/{slug}/entries")
def entry_list(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Reader,
    q: Annotated[str, Query(max_length=200)] = "",
    show: Literal["all", "served", "pending", "unserved", "retired"] = "all",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> Response:
    """Every entry of the incident, searchable, filtered by status."""
    context = incident_context(desk, slug, "entries")
    rows = entry_catalogue(desk.db, slug)
    matched = filter_entries(rows, text=q, show=show)
    paging = Paging(page, PAGE_SIZE, len(matched), {"q": q, "show": show})
    context.update(
        rows=matched[paging.offset : paging.offset + paging.size],
        paging=paging,
        q=q,
        show=show,
        filters=[(f, FILTER_LABELS[f]) for f in ENTRY_FILTERS],
        counts={f: len(filter_entries(rows, text=q, show=f)) for f in ENTRY_FILTERS},
    )
    return render(request, me, "console/entries.html", context)


def _edit_page(
    request: Request,
    desk: Desk,
    me: Principal,
    slug: str,
    entry: EntryDetail | None,
    form: dict[str, str],
    *,
    error: str | None = None,
    status: int | None = None,
) -> Response:
    context = incident_context(desk, slug, "entries")
    if entry is None:
        action, cancel = slug_url(slug, "entries"), slug_url(slug, "entries")
    else:
        action = slug_url(slug, "entries", entry.id, "edit")
        cancel = slug_url(slug, "entries", entry.id)
    context.update(entry=entry, form=form, error=error, action=action, cancel=cancel)
    code = status or (422 if error else 200)
    return render(request, me, "console/entry_edit.html", context, status=code)


@router.get("/i/{slug}/entries/new")
def new_entry(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Editor,
    question: Annotated[str, Query(max_length=editing.MAX_QUESTION)] = "",
) -> Response:
    """The form for a new entry (a draft until approved); `question` prefills it."""
    form = {"question": question, "answer": "", "section": "", "note": ""}
    return _edit_page(request, desk, me, slug, None, form)


@router.post("/i/{slug}/entries")
def create_entry(
    request: Request,
    slug: Slug,
    desk: DeskDep,
    me: Editor,
    question: Question = "",
    answer: AnswerText = "",
    section: Section = "",
) -> Response:
    """Create a console-written entry as a draft."""
    try:
        entry_id = editing.create_entry(
            desk.db,
            slug,
            question=question,
            answer=answer,
            section=section,
            actor=me.name,
            also=lambda s, eid: audit_in(
                s, request, me, "entry.create", eid, {"incident": slug, "version": 1}
            ),
        )
    except InvalidInputError as exc:
        form = {"question": question, "answer": answer, "section": section, "note": ""}
        return _edit_page(request, desk, me, slug, None, form, error=_text_problem(exc))
    return redirect(
        request,
        slug_url(slug, "entries", entry_id),
        "項目を下書きとして保存しました。承認されるまで公開ページには表示されません。",
    )


@router.get("/i/{slug}/entries/{entry_id}")
def entry_page(
    request: Request, slug: Slug, entry_id: EntryId, desk: DeskDep, me: Reader
) -> Response:
    """An entry: what is served, drafts waiting, every version, phrasings and votes."""
    detail = editing.entry_detail(desk.db, slug, entry_id)
    served = next((v for v in detail.versions if v.version == detail.served_version), None)
    context = incident_context(desk, slug, "entries")
    context.update(
        entry=detail,
        served=served,
        pending=detail.pending,
        headline=served or detail.versions[-1],
        history=[(v, version_state(detail, v)) for v in reversed(detail.versions)],
        intent_labels=intent_labels(),
    )
    return render(request, me, "console/entry.html", context)


def intent_labels() -> dict[str, str]:
    """Each intent's Japanese label, by id (what the pages show instead of the id)."""
    return {intent.id: intent.label for intent in load_taxonomy()}


def intent_groups() -> list[tuple[str, list[Intent]]]:
    """The taxonomy grouped by the inquiry category an operator files it under, in order."""
    groups: dict[str, list[Intent]] = {}
    for intent in load_taxonomy():
        groups.setdefault(intent.category, []).append(intent)
    return list(groups.items())


def _intents_page(
    request: Request,
    desk: Desk,
    me: Principal,
    slug: str,
    detail: EntryDetail,
    chosen: list[str],
    form: dict[str, str],
    *,
    error: str | None = None,
    status: int | None = None,
) -> Response:
    start = _starting_text(detail)
    # What the form shows as now: the starting version's intents, else (a text edit not
    # classified yet) the newest version's that has some.
    shown = start if start.intents is not None else _newest_with_intents(detail)
    context = incident_context(desk, slug, "entries")
    context.update(
        entry=detail,
        start=start,
        shown=shown,
        chosen=set(chosen),
        groups=intent_groups(),
        intent_labels=intent_labels(),
        max_intents=editing.MAX_INTENTS,
        form=form,
        error=error,
        action=slug_url(slug, "entries", detail.id, "intents"),
        cancel=slug_url(slug, "entries", detail.id),
    )
    code = status or (422 if error else 200)
    return render(request, me, "console/entry_intents.html", context, status=code)


def _newest_with_intents(detail: EntryDetail) -> VersionView | None:
    return next((v for v in reversed(detail.versions) if v.intents is not None), None)


@router.get("/i/{slug}/entries/{entry_id}/intents")
def intents_form(
    request: Request, slug: Slug, entry_id: EntryId, desk: DeskDep, me: Editor
) -> Response:
    """The form correcting an entry's breach intents; saving it makes a new draft version."""
    detail = editing.entry_detail(desk.db, slug, entry_id)
    start = _starting_text(detail)
    shown = start if start.intents is not None else _newest_with_intents(detail)
    chosen = [m.intent for m in shown.intents or ()] if shown is not None else []
    base = str(detail.versions[-1].version if detail.versions else 0)
    return _intents_page(
        request, desk, me, slug, detail, chosen, {"note": "", "base_version": base}
    )


@router.post("/i/{slug}/entries/{entry_id}/intents")
def save_intents(
    request: Request,
    slug: Slug,
    entry_id: EntryId,
    desk: DeskDep,
    me: Editor,
    intents: Annotated[list[str], Form(max_length=100)] = [],  # noqa: B006 (FastAPI copies it)
    note: Annotated[str, Form(max_length=2000)] = "",
    base_version: Annotated[int | None, Form(ge=0, le=1_000_000)] = None,
) -> Response:
    """Save corrected intents as a draft version with the text it starts from."""
    form = {"note": note, "base_version": "" if base_version is None else str(base_version)}
    try:
        number = editing.propose_intents(
            desk.db,
            slug,
            entry_id,
            intents,
            actor=me.name,
            note=note,
            base_version=base_version,
            also=lambda s, number: audit_in(
                s,
                request,
                me,
                "entry.intents",
                entry_id,
                {"incident": slug, "version": number, "intents": list(dict.fromkeys(intents))},
            ),
        )
    except StaleEditError as exc:
        detail = editing.entry_detail(desk.db, slug, entry_id)
        problem = (
            f"開いている間に {exc.changed_by} さんが v{exc.newest} を保存しました"
            f"（{exc.changed_at}）。履歴で内容を確認してから保存し直してください。"
            "あなたの選択はそのまま残しています。"
        )
        form["base_version"] = str(exc.newest)
        return _intents_page(
            request, desk, me, slug, detail, intents, form, error=problem, status=409
        )
    except InvalidInputError as exc:
        detail = editing.entry_detail(desk.db, slug, entry_id)
        problem = (
            f"選べる意図は{editing.MAX_INTENTS}件までです。"
            if "at most" in exc.reason
            else "一覧にない意図が含まれています。ページを読み込み直してください。"
        )
        return _intents_page(request, desk, me, slug, detail, intents, form, error=problem)
    return redirect(
        request,
        slug_url(slug, "entries", entry_id),
        f"問い合わせ意図を直した下書き v{number} を保存しました。"
        "承認されると回答エンジンがこの意図を使います。",
    )


def _starting_text(detail: EntryDetail) -> VersionView:
    """What an edit starts from: the newest draft waiting, else what is served, else the newest."""
    if detail.pending:
        return detail.pending[0]
    served = [v for v in detail.versions if v.version == detail.served_version]
    return served[0] if served else detail.versions[-1]


@router.get("/i/{slug}/entries/{entry_id}/edit")
def edit_form(
    request: Request, slug: Slug, entry_id: EntryId, desk: DeskDep, me: Editor
) -> Response:
    """The edit form; saving it makes a new draft version."""
    detail = editing.entry_detail(desk.db, slug, entry_id)
    start = _starting_text(detail)
    form = {"question": start.question, "answer": start.answer, "section": start.section}
    # The newest version seen: saving is refused if someone saves a newer one meanwhile.
    base = str(detail.versions[-1].version if detail.versions else 0)
    return _edit_page(request, desk, me, slug, detail, {**form, "note": "", "base_version": base})


@router.post("/i/{slug}/entries/{entry_id}/edit")
def save_edit(
    request: Request,
    slug: Slug,
    entry_id: EntryId,
    desk: DeskDep,
    me: Editor,
    question: Question = "",
    answer: AnswerText = "",
    section: Section = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    base_version: Annotated[int | None, Form(ge=0, le=1_000_000)] = None,
) -> Response:
    """Save an edit as a draft version; the served text does not change until approval."""
    form = {"question": question, "answer": answer, "section": section, "note": note}
    try:
        number = editing.propose_version(
            desk.db,
            slug,
            entry_id,
            question=question,
            answer=answer,
            section=section.strip(),
            actor=me.name,
            note=note,
            base_version=base_version,
            also=lambda s, number: audit_in(
                s, request, me, "entry.edit", entry_id, {"incident": slug, "version": number}
            ),
        )
    except StaleEditError as exc:
        # Keep this editor's text; the form is now based on the newest version, so saving
        # again (after reading the other change) is a deliberate choice.
        detail = editing.entry_detail(desk.db, slug, entry_id)
        problem = (
            f"開いている間に {exc.changed_by} さんが v{exc.newest} を保存しました"
            f"（{exc.changed_at}）。履歴で内容を確認し、必要なら反映してから保存し直してください。"
            "あなたの入力はそのまま残しています。"
        )
        form["base_version"] = str(exc.newest)
        return _edit_page(request, desk, me, slug, detail, form, error=problem, status=409)
    except InvalidInputError as exc:
        detail = editing.entry_detail(desk.db, slug, entry_id)
        if base_version is not None:
            form["base_version"] = str(base_version)
        return _edit_page(request, desk, me, slug, detail, form, error=_text_problem(exc))
    return redirect(
        request,
        slug_url(slug, "entries", entry_id),
        f"下書き v{number} を保存しました。承認されるまで公開ページには表示されません。",
    )


@router.post("/i/{slug}/entries/{entry_id}/versions/{version}/approve")
def approve(
    request: Request,
    slug: Slug,
    entry_id: EntryId,
    version: VersionNo,
    desk: DeskDep,
    me: Editor,
) -> Response:
    """Approve a draft: from now on the public page serves it."""
    target = slug_url(slug, "entries", entry_id)
    try:
        editing.approve_version(
            desk.db,
            slug,
            entry_id,
            version,
            actor=me.name,
            also=lambda s: audit_in(
                s, request, me, "entry.approve", entry_id, {"incident": slug, "version": version}
            ),
        )
    except ConflictError as exc:
        return redirect(
            request, target, f"v{version} は承認できません（{exc.reason}）。", kind="error"
        )
    return redirect(request, target, f"v{version} を承認しました。公開ページに表示されます。")


@router.post("/i/{slug}/entries/{entry_id}/versions/{version}/reject")
def reject(
    request: Request,
    slug: Slug,
    entry_id: EntryId,
    version: VersionNo,
    desk: DeskDep,
    me: Editor,
) -> Response:
    """Turn a draft down; it stays in the history as rejected."""
    target = slug_url(slug, "entries", entry_id)
    try:
        editing.reject_version(
            desk.db,
            slug,
            entry_id,
            version,
            actor=me.name,
            also=lambda s: audit_in(
                s, request, me, "entry.reject", entry_id, {"incident": slug, "version": version}
            ),
        )
    except ConflictError as exc:
        return redirect(
            request, target, f"v{version} は却下できません（{exc.reason}）。", kind="error"
        )
    return redirect(request, target, f"v{version} を却下しました。")


def _set_retired(
    request: Request, desk: Desk, me: Principal, slug: str, entry_id: str, retired: bool
) -> Response:
    action = "entry.retire" if retired else "entry.restore"
    detail: dict[str, Any] = {"incident": slug}
    editing.set_retired(
        desk.db,
        slug,
        entry_id,
        retired,
        also=lambda s: audit_in(s, request, me, action, entry_id, detail),
    )
    message = (
        "公開を停止しました。公開ページには表示されません。" if retired else "公開を再開しました。"
    )
    return redirect(request, slug_url(slug, "entries", entry_id), message)


@router.post("/i/{slug}/entries/{entry_id}/retire")
def retire(request: Request, slug: Slug, entry_id: EntryId, desk: DeskDep, me: Editor) -> Response:
    """Withdraw an entry from the public page (its history is kept)."""
    return _set_retired(request, desk, me, slug, entry_id, True)


@router.post("/i/{slug}/entries/{entry_id}/restore")
def restore(request: Request, slug: Slug, entry_id: EntryId, desk: DeskDep, me: Editor) -> Response:
    """Bring a retired entry back to the public page."""
    return _set_retired(request, desk, me, slug, entry_id, False)
