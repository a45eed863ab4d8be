"""Forecast the calls after a planned campaign from how earlier campaigns played out.

Model, kept simple enough to explain to a council: calls on a day = baseline + the excess each
campaign causes, which jumps on the day it is sent and decays exponentially,
excess(t) = peak · r^t. From each past campaign of the incident we read the baseline (the median
of the 3 counted days before it), the peak excess (its day's calls minus the baseline) and the
decay ratio r (the median ratio of consecutive excesses over the next 5 days). The planned
campaign gets the median peak — scaled by audience when both audiences are known — and the
past campaigns' r averaged geometrically with their peaks as weights (capped at 0.95); the
band is the lowest and highest of the past campaigns' peaks. Days with "-" (not counted) are
skipped, never read as zero.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

from breachdesk.errors import InvalidInputError
from breachdesk.inquiries.campaigns import MAX_AUDIENCE
from breachdesk.inquiries.dates import check_day
from breachdesk.reports.model import DailyTable


@dataclass(frozen=True)
class ForecastDay:
    day: date
    expected: float
    low: float
    high: float


@dataclass(frozen=True)
class CampaignEffect:
    day: date
    baseline: float
    peak: float
    ratio: float | None


def campaign_effects(table: DailyTable) -> list[CampaignEffect]:
    """What each past campaign day did to the calls."""
    offered = {r.day: r.offered for r in table.rows if r.offered is not None}
    effects = []
    for event_day in sorted({e.day for e in table.events}):
        before = [offered[d] for d in sorted(offered) if d < event_day][-3:]
        if event_day not in offered or not before:
            continue
        baseline = float(median(before))
        peak = offered[event_day] - baseline
        if peak <= 0:
            continue
        excesses = [
            offered[event_day + timedelta(days=k)] - baseline
            for k in range(0, 6)
            if event_day + timedelta(days=k) in offered
        ]
        ratios = [b / a for a, b in itertools.pairwise(excesses) if a > 0 and b > 0]
        effects.append(
            CampaignEffect(event_day, baseline, peak, float(median(ratios)) if ratios else None)
        )
    return effects


def forecast_after(
    table: DailyTable,
    campaign_day: date,
    days: int = 14,
    audience: int | None = None,
    past_audience: int | None = None,
) -> list[ForecastDay]:
    """Expected calls from `campaign_day` for `days` days, with a low–high band."""
    if not 1 <= days <= 120:
        raise InvalidInputError("a forecast covers 1–120 days", where="days")
    check_day(campaign_day, where="on")
    if audience is not None and not 1 <= audience <= MAX_AUDIENCE:
        raise InvalidInputError(f"the audience is 1–{MAX_AUDIENCE:,} people", where="audience")
    effects = campaign_effects(table)
    counted = [r.offered for r in table.rows if r.offered is not None]
    if not counted:
        raise InvalidInputError("no counted days to forecast from")
    baseline = float(median(counted[-7:]))
    if not effects:
        return [
            ForecastDay(campaign_day + timedelta(days=k), baseline, baseline, baseline)
            for k in range(days)
        ]
    peaks = [e.peak for e in effects]
    scale = audience / past_audience if audience and past_audience else 1.0
    peak = float(median(peaks)) * scale
    low_peak, high_peak = min(peaks) * scale, max(peaks) * scale
    # Each past campaign's decay, weighted by its peak: a big campaign's decay is measured over
    # large numbers, a small one's is mostly day-to-day noise.
    decays = [(e.peak, e.ratio) for e in effects if e.ratio is not None]
    r = (
        min(0.95, math.exp(sum(w * math.log(q) for w, q in decays) / sum(w for w, _ in decays)))
        if decays
        else 0.5
    )
    out = []
    for k in range(days):
        decay = r**k
        out.append(
            ForecastDay(
                campaign_day + timedelta(days=k),
                baseline + peak * decay,
                baseline + low_peak * decay,
                baseline + high_peak * decay,
            )
        )
    return out
