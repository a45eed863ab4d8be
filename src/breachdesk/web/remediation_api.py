"""Compensation codes and card reissue under /api/v1 (API tokens or a console session): the
figures as `breachdesk remediation stats --json` prints them, the vendor's code list and
redemption report as uploads, a card company's reissue report as JSON.

No response ever carries a code: only counts and the lines of a refused file.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from pydantic import BaseModel, Field

from breachdesk.notify.remediation import (
    MAX_CARDS,
    MAX_COMPANY,
    import_redeemed,
    load_codes,
    record_reissue,
)
from breachdesk.notify.remediation import stats as remediation_stats
from breachdesk.reports.remediation import RemediationStats
from breachdesk.web.api import ERRORS, Slug
from breachdesk.web.automation import Editor, Reader, actor_of
from breachdesk.web.deps import DeskDep
from breachdesk.web.uploads import saved_upload

router = APIRouter(prefix="/api/v1", tags=["remediation"])

UploadedFile = Annotated[
    UploadFile,
    File(description="One code a line, or a CSV with a code column, as multipart form data."),
]


class CodeCountsOut(BaseModel):
    loaded: int = Field(description="Codes loaded for the incident.")
    assigned: int = Field(description="Of them, codes assigned to a person.")
    redeemed: int = Field(description="Of them, codes the vendor reported redeemed.")


class ReissueOut(BaseModel):
    cards: int = Field(description="Affected cards, summed over each company's latest report.")
    reissued: int
    rate: float | None = Field(description="reissued / cards; null while no card is reported.")


class CompanyOut(ReissueOut):
    company: str
    as_of: date


class HistoryPointOut(ReissueOut):
    day: date
    companies: int = Field(description="Companies that had reported by that day.")


class RemediationOut(BaseModel):
    """`breachdesk remediation stats --json`, with each company's latest report and the rate on
    every reported day."""

    codes: CodeCountsOut
    reissue: ReissueOut
    companies: list[CompanyOut]
    history: list[HistoryPointOut]


class CodesLoadedOut(BaseModel):
    loaded: int = Field(description="Codes this file added.")
    total: int = Field(description="The incident's codes now.")


class RedeemedOut(BaseModel):
    rows: int = Field(description="Rows that report a code redeemed.")
    redeemed: int = Field(description="Codes marked redeemed by this report.")
    already: int = Field(description="Codes an earlier report had marked.")
    unknown: int = Field(description="Codes not loaded for this incident (a few are tolerated).")
    unknown_lines: list[int] = Field(description="The lines of those codes.")
    not_redeemed: int = Field(description="Rows whose status says not redeemed (skipped).")


class ReissueIn(BaseModel):
    company: str = Field(min_length=1, max_length=MAX_COMPANY)
    as_of: date = Field(description="The day the figures are as of.")
    cards: int = Field(ge=0, le=MAX_CARDS, description="Affected cards the company counts.")
    reissued: int = Field(ge=0, le=MAX_CARDS, description="Of them, cards reissued.")


def stats_out(figures: RemediationStats) -> RemediationOut:
    """The figures as the API returns them (the CLI's `--json` keys, and more)."""
    return RemediationOut(
        **figures.as_json(),
        companies=[
            CompanyOut(
                company=c.company, as_of=c.as_of, cards=c.cards, reissued=c.reissued, rate=c.rate
            )
            for c in figures.companies
        ],
        history=[
            HistoryPointOut(
                day=p.day, companies=p.companies, cards=p.cards, reissued=p.reissued, rate=p.rate
            )
            for p in figures.history
        ],
    )


@router.get("/incidents/{slug}/remediation", responses=ERRORS)
def remediation(slug: Slug, desk: DeskDep, who: Reader) -> RemediationOut:
    """Codes loaded, assigned and redeemed; the card reissue rate and its history."""
    return stats_out(remediation_stats(desk.db, slug))


@router.post("/incidents/{slug}/remediation/codes", status_code=201, responses=ERRORS)
def upload_codes(
    slug: Slug, file: UploadedFile, request: Request, desk: DeskDep, who: Editor
) -> CodesLoadedOut:
    """Load a vendor's compensation codes, all or nothing: a code twice or already loaded is a
    422 naming its lines (never the code)."""
    with saved_upload(file, desk.settings.max_table_upload_bytes) as saved:
        done = load_codes(
            desk.db,
            desk.register.keyring,
            slug,
            saved.path,
            name=saved.name,
            by=actor_of(request, who),
        )
    return CodesLoadedOut(loaded=done.loaded, total=done.total)


@router.post("/incidents/{slug}/remediation/redeemed", responses=ERRORS)
def upload_redeemed(
    slug: Slug, file: UploadedFile, request: Request, desk: DeskDep, who: Editor
) -> RedeemedOut:
    """Import a vendor's redemption report; importing it again changes nothing."""
    with saved_upload(file, desk.settings.max_table_upload_bytes) as saved:
        done = import_redeemed(
            desk.db,
            desk.register.keyring,
            slug,
            saved.path,
            name=saved.name,
            by=actor_of(request, who),
        )
    return RedeemedOut(
        rows=done.rows,
        redeemed=done.redeemed,
        already=done.already,
        unknown=done.unknown,
        unknown_lines=list(done.unknown_lines),
        not_redeemed=done.not_redeemed,
    )


@router.post("/incidents/{slug}/remediation/reissue", responses=ERRORS)
def add_reissue(
    slug: Slug, body: ReissueIn, request: Request, desk: DeskDep, who: Editor
) -> CompanyOut:
    """Record a card company's reissue report (the same company and day replaces it)."""
    done = record_reissue(
        desk.db,
        slug,
        company=body.company,
        as_of=body.as_of,
        cards=body.cards,
        reissued=body.reissued,
        by=actor_of(request, who),
    )
    return CompanyOut(
        company=done.company,
        as_of=done.as_of,
        cards=done.cards,
        reissued=done.reissued,
        rate=done.rate,
    )
