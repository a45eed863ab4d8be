"""Spreading a campaign's sends over days so that the desk's forecast calls stay under a cap.

The model is the desk's own forecast (`reports.forecast`): calls on a day = baseline + the
excess each send causes, rate · sends · r^(days since it arrived). Judgement calls:

- mail and SMS arrive the day they are sent; a letter arrives `LETTER_DELAY` (2) days later;
- `rate` (calls per message on arrival) and `r` (the daily decay) come from the incident's past
  campaigns (`campaign_effects`: each one's peak over its audience; r weighted by peak as the
  forecast does), else the `notify_calls_per_message` setting and r = 0.5; the baseline is the
  median of the last 7 counted days, else 0;
- sends go out only on weekdays that are not Japanese public holidays (`jpholiday`) and on which
  the incident's main desk opens (its published closed days, 年末年始 …), so that the calls
  they cause land when the desk is open; with no cap everything goes on the start day;
- the cap is given, or is the desk's capacity (`desk_capacity`): the most calls a day that a
  number of agents answers at the staffing target rate, by the staffing model (Erlang A over
  the open hours, `reports.staffing.desk_day`);
- the cap holds on *every* calendar day, weekends included (stricter than the desk needs);
- greedy, day by day: each send day takes as many messages as keep every later day under the
  cap, mail and SMS first (in chain order), then letters.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

import jpholiday

from breachdesk.errors import InvalidInputError
from breachdesk.reports.forecast import campaign_effects
from breachdesk.reports.model import DailyTable
from breachdesk.reports.staffing import MAX_AGENTS, Assumptions, desk_day

LETTER_DELAY = 2
DEFAULT_RATIO = 0.5
MAX_SEND_DAYS = 366
"""A plan needing more send days than this is refused (the cap is too low for the audience)."""
_EPS = 1e-9
MAX_CAPACITY = 1_000_000
"""The largest daily capacity `desk_capacity` searches up to."""


@dataclass(frozen=True)
class PaceModel:
    baseline: float
    rate: float
    ratio: float

    def horizon(self) -> int:
        """Days after arrival until one message's excess is negligible."""
        if self.ratio <= 0:
            return 1
        return min(120, max(1, math.ceil(math.log(1e-6) / math.log(self.ratio)) + 1))


def pace_model(table: DailyTable, audiences: Mapping[date, int], default_rate: float) -> PaceModel:
    """The model from the incident's daily table and its past campaigns' audiences per day."""
    counted = [r.offered for r in table.rows if r.offered is not None]
    baseline = float(median(counted[-7:])) if counted else 0.0
    effects = campaign_effects(table)
    rates = [e.peak / audiences[e.day] for e in effects if audiences.get(e.day)]
    decays = [(e.peak, e.ratio) for e in effects if e.ratio is not None and e.ratio > 0]
    ratio = (
        min(0.95, math.exp(sum(w * math.log(q) for w, q in decays) / sum(w for w, _ in decays)))
        if decays
        else DEFAULT_RATIO
    )
    rate = float(median(rates)) if rates else default_rate
    return PaceModel(baseline, rate, ratio)


def is_send_day(day: date) -> bool:
    """A weekday that is not a Japanese public holiday."""
    return day.weekday() < 5 and not jpholiday.is_holiday(day)


def desk_capacity(agents: int, assumptions: Assumptions) -> int:
    """The most calls a day that `agents` agents answer at the target rate (`assumptions`:
    target, handling time, hours open, patience, intraday profile), by the staffing model."""
    if not 1 <= agents <= MAX_AGENTS:
        raise InvalidInputError(f"オペレーターの人数は 1〜{MAX_AGENTS} 人です", where="agents")

    def rate(calls: int) -> float:
        return desk_day(
            float(calls),
            hours_open=assumptions.hours_open,
            aht=assumptions.aht,
            agents=agents,
            patience=assumptions.patience,
            profile=assumptions.profile,
        )[0]

    low, high = 0, 1
    while high < MAX_CAPACITY and rate(high) >= assumptions.target:
        low, high = high, high * 2
    high = min(high, MAX_CAPACITY)
    while low + 1 < high:  # rate(low) meets the target, rate(high) does not (or the ceiling)
        middle = (low + high) // 2
        if rate(middle) >= assumptions.target:
            low = middle
        else:
            high = middle
    return low


def arrival(channel: str, day: date) -> date:
    return day + timedelta(days=LETTER_DELAY if channel == "letter" else 0)


def forecast(model: PaceModel, sends: Mapping[date, Mapping[str, int]], day: date) -> float:
    """Forecast calls on `day` from the baseline and every send arriving on or before it."""
    total = model.baseline
    for sent_on, counts in sends.items():
        for channel, n in counts.items():
            k = (day - arrival(channel, sent_on)).days
            if n and k >= 0:
                total += model.rate * n * model.ratio**k
    return total


@dataclass(frozen=True)
class PlannedDay:
    day: date
    counts: dict[str, int]
    forecast_calls: float


def spread(
    model: PaceModel,
    counts: Mapping[str, int],
    chain: Sequence[str],
    start: date,
    cap: float | None,
    desk_open: Callable[[date], bool] | None = None,
) -> list[PlannedDay]:
    """The send days and each day's sends per channel (see the module docstring)."""
    remaining = {ch: int(counts.get(ch, 0)) for ch in chain}
    if cap is None or model.rate <= 0:
        if cap is not None and cap < model.baseline:
            raise _below_baseline(cap, model)
        single = {start: dict(remaining)}
        return [PlannedDay(start, dict(remaining), forecast(model, single, start))]
    if cap <= model.baseline:
        raise _below_baseline(cap, model)
    horizon = model.horizon()
    excess: dict[date, float] = {}
    plan: dict[date, dict[str, int]] = {}
    day = start
    send_days = 0
    while any(remaining.values()):
        if not is_send_day(day) or (desk_open is not None and not desk_open(day)):
            day += timedelta(days=1)
            continue
        send_days += 1
        if send_days > MAX_SEND_DAYS:
            raise InvalidInputError(
                f"1日あたりの入電上限 {cap:g} 件では、{MAX_SEND_DAYS}日の送信日に収まりません"
                "（上限を上げるか、対象者を絞ってください）",
                where="max_calls_per_day",
            )
        today: dict[str, int] = {}
        for group in ([c for c in chain if c != "letter"], [c for c in chain if c == "letter"]):
            if not group or not any(remaining[c] for c in group):
                continue
            arrives = arrival(group[0], day)
            room = min(
                (cap - model.baseline - excess.get(arrives + timedelta(days=k), 0.0))
                / (model.rate * model.ratio**k)
                for k in range(horizon + 1)
            )
            take = max(0, math.floor(room + _EPS))
            for channel in group:
                n = min(take, remaining[channel])
                if n:
                    today[channel] = n
                    remaining[channel] -= n
                    take -= n
                    for k in range(horizon + 1):
                        t = arrives + timedelta(days=k)
                        excess[t] = excess.get(t, 0.0) + model.rate * n * model.ratio**k
        if today:
            plan[day] = today
        elif not any(v > _EPS for d, v in excess.items() if d >= day):
            # Nothing waits to decay and still not one message fits: it never will.
            raise InvalidInputError(
                f"1日あたりの入電上限 {cap:g} 件では1通も送れません（平常時の入電が "
                f"{model.baseline:g} 件、1通あたり {model.rate:g} 件の入電を見込んでいます）",
                where="max_calls_per_day",
            )
        day += timedelta(days=1)
    return [
        PlannedDay(d, {ch: c.get(ch, 0) for ch in chain}, forecast(model, plan, d))
        for d, c in sorted(plan.items())
    ]


def _below_baseline(cap: float, model: PaceModel) -> InvalidInputError:
    return InvalidInputError(
        f"1日あたりの入電上限 {cap:g} 件が、平常時の入電の見込み {model.baseline:g} 件以下です"
        "（上限を上げてください）",
        where="max_calls_per_day",
    )
