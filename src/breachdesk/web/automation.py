"""The console's actions as API routes under /api/v1, for automation.

Authenticated by an API token (`Authorization: Bearer bd_…`, scoped to a role) or a console
session (then with the CSRF header). Every change is written to the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Query, Request, Response, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from breachdesk.auth import service as auth
from breachdesk.auth.roles import Permission, role_allows
from breachdesk.auth.service import Principal
from breachdesk.intents.taxonomy import load_taxonomy
from breachdesk.kb import editing
from breachdesk.kb.editing import VersionView
from breachdesk.review import service as review
from breachdesk.web.api import ERRORS, Id, Limit, Offset, Page, Slug
from breachdesk.web.deps import DeskDep
from breachdesk.web.middleware import client_address
from breachdesk.web.security import InquiryReader, requires
from breachdesk.web.uploads import saved_uploads

router = APIRouter(prefix="/api/v1", tags=["console"])

Reader = Annotated[Principal, requires(Permission.READ)]
Reviewer = Annotated[Principal, requires(Permission.REVIEW)]
Editor = Annotated[Principal, requires(Permission.EDIT)]
Admin = Annotated[Principal, requires(Permission.ADMIN)]
EntryId = Annotated[str, PathParam(max_length=40)]
FileName = Annotated[str, PathParam(max_length=500)]
VersionNo = Annotated[int, Query(ge=1, le=1_000_000)]


def actor_of(request: Request, who: Principal) -> auth.Actor:
    """Who asks, for the core function that writes the action's audit row in its own
    transaction (the action and its record commit together or not at all)."""
    return auth.Actor(who.name, client_address(request.scope))


def audit_in(
    s: Session,
    request: Request,
    who: Principal,
    action: str,
    target: str,
    detail: dict[str, object],
) -> None:
    """Record an action in the core's own transaction (an editing function's `also` hook), so
    the action and its audit row commit together or not at all."""
    auth.record(s, who.name, action, target, dict(detail), client_address(request.scope))


class IncidentIn(BaseModel):
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str = Field(min_length=1, max_length=300)
    organisation: str | None = Field(default=None, max_length=300)


class ImportOut(BaseModel):
    file_name: str
    format: str
    version: int
    unchanged: bool
    added: int
    changed: int
    retired: int
    kept: int
    held: int = Field(
        description="Entries whose served text is an editor's edit and whose published text "
        "changed: the new text waits as a draft for approval instead of replacing the edit."
    )


class DocumentOut(BaseModel):
    file_name: str
    version: int
    format: str
    size: int
    sha256: str
    is_current: bool
    imported_at: datetime
    imported_by: str


class ChangeOut(BaseModel):
    change: str
    question: str
    old_answer: str | None
    new_answer: str | None
    diff: list[str]


class IntentOut(BaseModel):
    intent: str = Field(description="The intent's id in the taxonomy (GET /api/v1/intents).")
    label: str = Field(description="Its Japanese label.")
    p: float = Field(description="Confidence: the classifier's probability, or 1.0 an editor's.")


class TaxonomyIntentOut(BaseModel):
    intent: str
    label: str
    description: str
    category: str


class VersionOut(BaseModel):
    version: int
    status: str
    question: str
    answer: str
    section: str
    created_by: str
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    note: str
    intents: list[IntentOut] | None = Field(
        description="The version's breach intents, best first; null when not classified yet."
    )
    intents_by: str | None = Field(
        description='Who set them: "auto" (the classifier at import) or the editor\'s name.'
    )


class EntryDetailOut(BaseModel):
    entry: str
    kind: str
    file_name: str
    retired: bool
    served_version: int | None
    versions: list[VersionOut]
    phrasings: list[str]
    helpful: int
    not_helpful: int


class VersionIn(BaseModel):
    question: str = Field(min_length=1, max_length=1000)
    answer: str = Field(min_length=1, max_length=20_000)
    section: str | None = Field(default=None, max_length=1000)
    note: str = Field(default="", max_length=2000)
    base_version: int | None = Field(
        default=None,
        ge=0,
        le=1_000_000,
        description="The newest version the edit was based on (GET …/entries/{entry}); if a "
        "newer one exists the edit is refused with 409 naming who saved it. Omit to skip the check.",
    )
    intents: list[str] | None = Field(
        default=None,
        max_length=editing.MAX_INTENTS,
        description="The version's breach intents, as taxonomy ids (GET /api/v1/intents); an "
        "unknown id is refused with 422. Omit to keep an editor's intents of the version the "
        "edit starts from (the classifier's are kept only while the text is unchanged).",
    )


class CreatedVersion(BaseModel):
    entry: str
    version: int
    status: str


class QuestionOut(BaseModel):
    id: int
    asked_at: datetime
    question: str
    channel: str
    answered: bool
    entry: str | None
    entry_version: int | None
    score: float
    candidates: list[dict[str, object]]
    review: str
    reviewed_by: str | None
    helpful: bool | None


class AttachIn(BaseModel):
    entry: str = Field(min_length=1, max_length=40)


class MarkIn(BaseModel):
    review: Literal["open", "needs_entry", "dismissed"]


class FeedbackOut(BaseModel):
    entry: str
    question: str | None
    shown: int
    helpful: int
    not_helpful: int


class AuditOut(BaseModel):
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, object]
    address: str | None


@router.post("/incidents", status_code=201, responses=ERRORS)
def create_incident(body: IncidentIn, request: Request, desk: DeskDep, who: Admin) -> Response:
    """Create an empty incident (admin)."""
    editing.create_incident(
        desk.db, body.slug, body.name, body.organisation, by=actor_of(request, who)
    )
    return Response(status_code=201)


@router.get("/incidents/{slug}/documents", responses=ERRORS)
def list_documents(slug: Slug, desk: DeskDep, who: Reader) -> list[DocumentOut]:
    """Every version of every document of the incident."""
    return [
        DocumentOut(
            file_name=d.file_name,
            version=d.version,
            format=d.format,
            size=d.size,
            sha256=d.sha256,
            is_current=d.is_current,
            imported_at=d.imported_at,
            imported_by=d.imported_by,
        )
        for d in editing.list_documents(desk.db, slug)
    ]


@router.post("/incidents/{slug}/documents", responses=ERRORS)
def upload_documents(
    slug: Slug,
    request: Request,
    desk: DeskDep,
    who: Editor,
    files: Annotated[
        list[UploadFile], File(description="Documents to import, in one transaction.")
    ],
) -> list[ImportOut]:
    """Import documents into the incident with the same importers and errors as the CLI; a
    missing incident is created only for an admin (audited), else not found."""
    with saved_uploads(files, desk.settings.max_upload_bytes) as saved:
        results = desk.import_documents(
            slug,
            [u.path for u in saved],
            names=[u.name for u in saved],
            actor=who.name,
            audit=True,  # in the import's own transaction
            address=client_address(request.scope),
            create=role_allows(who.role, Permission.ADMIN),
        )
    return [
        ImportOut(
            file_name=r.file_name,
            format=r.format,
            version=r.version,
            unchanged=r.unchanged,
            added=r.added,
            changed=r.changed,
            retired=r.retired,
            kept=r.kept,
            held=r.held,
        )
        for r in results
    ]


@router.get("/incidents/{slug}/documents/{file_name}/changes", responses=ERRORS)
def document_changes(
    slug: Slug, file_name: FileName, old: VersionNo, new: VersionNo, desk: DeskDep, who: Reader
) -> list[ChangeOut]:
    """What changed between two versions of a document."""
    return [
        ChangeOut(
            change=c.change,
            question=c.question,
            old_answer=c.old_answer,
            new_answer=c.new_answer,
            diff=c.diff,
        )
        for c in editing.document_changes(desk.db, slug, file_name, old, new)
    ]


@router.get("/intents", responses=ERRORS)
def intents(who: Reader) -> list[TaxonomyIntentOut]:
    """The breach-inquiry taxonomy: every intent an entry version may carry."""
    return [
        TaxonomyIntentOut(
            intent=i.id, label=i.label, description=i.description, category=i.category
        )
        for i in load_taxonomy()
    ]


def _intents_out(v: VersionView) -> list[IntentOut] | None:
    if v.intents is None:
        return None
    labels = {i.id: i.label for i in load_taxonomy()}
    return [
        IntentOut(intent=m.intent, label=labels.get(m.intent, m.intent), p=m.p) for m in v.intents
    ]


@router.get("/incidents/{slug}/entries/{entry_id}", responses=ERRORS)
def entry_detail(slug: Slug, entry_id: EntryId, desk: DeskDep, who: Reader) -> EntryDetailOut:
    """An entry with its whole history, phrasings and feedback."""
    d = editing.entry_detail(desk.db, slug, entry_id)
    return EntryDetailOut(
        entry=d.id,
        kind=d.kind,
        file_name=d.file_name,
        retired=d.retired,
        served_version=d.served_version,
        versions=[
            VersionOut(
                version=v.version,
                status=v.status,
                question=v.question,
                answer=v.answer,
                section=v.section,
                created_by=v.created_by,
                created_at=v.created_at,
                approved_by=v.approved_by,
                approved_at=v.approved_at,
                note=v.note,
                intents=_intents_out(v),
                intents_by=v.intents_by,
            )
            for v in d.versions
        ],
        phrasings=d.phrasings,
        helpful=d.helpful,
        not_helpful=d.not_helpful,
    )


@router.post("/incidents/{slug}/entries/{entry_id}/versions", status_code=201, responses=ERRORS)
def propose_version(
    slug: Slug, entry_id: EntryId, body: VersionIn, request: Request, desk: DeskDep, who: Editor
) -> CreatedVersion:
    """Save an edit as a draft version (served only once approved)."""

    def record(s: Session, number: int) -> None:
        detail: dict[str, object] = {"version": number}
        if body.intents is not None:
            detail["intents"] = list(dict.fromkeys(body.intents))
        audit_in(s, request, who, "entry.edit", entry_id, detail)

    number = editing.propose_version(
        desk.db,
        slug,
        entry_id,
        question=body.question,
        answer=body.answer,
        section=body.section,
        actor=who.name,
        note=body.note,
        base_version=body.base_version,
        intents=body.intents,
        also=record,  # the edit and its audit row in one transaction
    )
    return CreatedVersion(entry=entry_id, version=number, status="draft")


@router.post("/incidents/{slug}/entries/{entry_id}/versions/{version}/approve", responses=ERRORS)
def approve_version(
    slug: Slug, entry_id: EntryId, version: Id, request: Request, desk: DeskDep, who: Editor
) -> CreatedVersion:
    """Approve a draft: from now on it is served."""
    editing.approve_version(
        desk.db,
        slug,
        entry_id,
        version,
        actor=who.name,
        also=lambda s: audit_in(s, request, who, "entry.approve", entry_id, {"version": version}),
    )
    return CreatedVersion(entry=entry_id, version=version, status="approved")


@router.get("/incidents/{slug}/questions", responses=ERRORS)
def questions(
    slug: Slug,
    desk: DeskDep,
    who: InquiryReader,
    review_state: Annotated[
        Literal["open", "attached", "needs_entry", "dismissed", "all"], Query(alias="review")
    ] = "open",
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[QuestionOut]:
    """The public's questions (redacted), unanswered first."""
    state = None if review_state == "all" else review_state
    items, total = review.review_queue(desk.db, slug, review=state, limit=limit, offset=offset)
    return Page(
        items=[
            QuestionOut(
                id=q.id,
                asked_at=q.asked_at,
                question=q.question,
                channel=q.channel,
                answered=q.answered,
                entry=q.entry,
                entry_version=q.entry_version,
                score=q.score,
                candidates=q.candidates,
                review=q.review,
                reviewed_by=q.reviewed_by,
                helpful=q.helpful,
            )
            for q in items
        ],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("/questions/{question_id}/attach", status_code=204, responses=ERRORS)
def attach(
    question_id: Id, body: AttachIn, request: Request, desk: DeskDep, who: Editor
) -> Response:
    """Attach a question to the entry that should have answered it (a phrasing)."""
    review.attach_question(
        desk.db, question_id, body.entry, actor=who.name, by=actor_of(request, who)
    )
    return Response(status_code=204)


@router.post("/questions/{question_id}/mark", status_code=204, responses=ERRORS)
def mark(question_id: Id, body: MarkIn, request: Request, desk: DeskDep, who: Reviewer) -> Response:
    """Mark a question as needing a new entry, dismissed, or open again."""
    review.mark_question(
        desk.db, question_id, body.review, actor=who.name, by=actor_of(request, who)
    )
    return Response(status_code=204)


@router.get("/incidents/{slug}/feedback", responses=ERRORS)
def feedback(slug: Slug, desk: DeskDep, who: Reader) -> list[FeedbackOut]:
    """Per entry: times shown and 役に立ちましたか？ votes."""
    return [
        FeedbackOut(
            entry=f.entry,
            question=f.question,
            shown=f.shown,
            helpful=f.helpful,
            not_helpful=f.not_helpful,
        )
        for f in review.feedback_counts(desk.db, slug)
    ]


@router.get("/audit", responses=ERRORS)
def audit_log(
    desk: DeskDep,
    who: Admin,
    actor: str | None = None,
    action: str | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AuditOut]:
    """The audit log, newest first (admin)."""
    rows, total = auth.list_audit(desk.db, limit=limit, offset=offset, actor=actor, action=action)
    return Page(
        items=[
            AuditOut(
                at=r.at,
                actor=r.actor,
                action=r.action,
                target=r.target,
                detail=dict(r.detail),
                address=r.address,
            )
            for r in rows
        ],
        total=total,
        limit=limit,
        offset=offset,
    )
