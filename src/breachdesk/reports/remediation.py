"""The figures of an incident's remediation as the reports show them: compensation codes loaded,
assigned and redeemed, and the card companies' reissue reports — each company's latest, their
sum and the rate on every reported day.

Pure values and functions: `notify.remediation` reads them from the store; the daily report, the
council workbook, the dashboard and the CLI show them (`summary_lines` words them once).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class ReissueFigure:
    """Cards and reissued cards: one company's report, or a sum of them."""

    cards: int
    reissued: int

    @property
    def rate(self) -> float | None:
        """reissued / cards (None while no card is reported)."""
        return self.reissued / self.cards if self.cards else None


@dataclass(frozen=True)
class CompanyReissue(ReissueFigure):
    company: str = ""
    as_of: date = date.min


@dataclass(frozen=True)
class ReissuePoint(ReissueFigure):
    """The reissue figure as of a reported day: each company's latest report as of then."""

    day: date = date.min
    companies: int = 0


def latest_by_company(
    reports: Iterable[CompanyReissue], through: date | None = None
) -> list[CompanyReissue]:
    """Each company's latest report (as of `through`, when given), by company name."""
    latest: dict[str, CompanyReissue] = {}
    for report in reports:
        if through is not None and report.as_of > through:
            continue
        kept = latest.get(report.company)
        if kept is None or report.as_of > kept.as_of:
            latest[report.company] = report
    return [latest[c] for c in sorted(latest)]


def reissue_history(reports: Sequence[CompanyReissue]) -> list[ReissuePoint]:
    """The reissue figure on every day some company reported, summed over each company's latest
    report as of that day."""
    points = []
    for day in sorted({r.as_of for r in reports}):
        latest = latest_by_company(reports, day)
        points.append(
            ReissuePoint(
                cards=sum(r.cards for r in latest),
                reissued=sum(r.reissued for r in latest),
                day=day,
                companies=len(latest),
            )
        )
    return points


@dataclass(frozen=True)
class CodeCounts:
    loaded: int
    assigned: int
    redeemed: int

    @property
    def unredeemed(self) -> int:
        """Codes assigned to someone and not redeemed."""
        return max(self.assigned - self.redeemed, 0)

    @property
    def redemption_rate(self) -> float | None:
        return self.redeemed / self.assigned if self.assigned else None


@dataclass(frozen=True)
class RemediationStats:
    """What the CLI, the reports and the dashboard show of an incident's remediation."""

    codes: CodeCounts
    reissue: ReissueFigure
    companies: tuple[CompanyReissue, ...]
    """Each company's latest report (the rate's parts)."""
    history: tuple[ReissuePoint, ...]

    @property
    def empty(self) -> bool:
        """Nothing loaded and nothing reported: the reports leave the block out."""
        return not self.codes.loaded and not self.companies

    def as_json(self) -> dict[str, Any]:
        return {
            "codes": {
                "loaded": self.codes.loaded,
                "assigned": self.codes.assigned,
                "redeemed": self.codes.redeemed,
            },
            "reissue": {
                "cards": self.reissue.cards,
                "reissued": self.reissue.reissued,
                "rate": self.reissue.rate,
            },
        }


def _share(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


def summary_lines(figures: RemediationStats) -> list[str]:
    """The figures in Japanese, a line each (the CLI, the text report and the dashboard)."""
    c, r = figures.codes, figures.reissue
    lines = [
        f"補償コード: 読込 {c.loaded:,} 件、割当 {c.assigned:,} 件、利用 {c.redeemed:,} 件"
        f"（利用率 {_share(c.redemption_rate)}、未利用 {c.unredeemed:,} 件）",
        f"カード再発行: 対象 {r.cards:,} 枚、再発行 {r.reissued:,} 枚（再発行率 {_share(r.rate)}）",
    ]
    lines.extend(
        f"  {x.company}（{x.as_of:%Y-%m-%d} 時点）: {x.reissued:,} / {x.cards:,} 枚"
        f"（{_share(x.rate)}）"
        for x in figures.companies
    )
    return lines
