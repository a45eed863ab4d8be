"""The desk's capacity (calls a day answered at the target rate) as a campaign's cap, and send
days that follow the desk's own closed days."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from breachdesk.errors import InvalidInputError
from breachdesk.notify.pace import PaceModel, desk_capacity, forecast, spread
from breachdesk.reports.staffing import Assumptions, desk_day


def answer_rate(calls: int, agents: int, a: Assumptions) -> float:
    return desk_day(
        float(calls),
        hours_open=a.hours_open,
        aht=a.aht,
        agents=agents,
        patience=a.patience,
        profile=a.profile,
    )[0]


@settings(max_examples=25, deadline=None)
@given(agents=st.integers(1, 40), aht=st.floats(120, 900), hours=st.integers(4, 12))
def test_capacity_is_the_most_calls_answered_at_the_target(
    agents: int, aht: float, hours: int
) -> None:
    a = Assumptions(aht=aht, hours_open=hours)
    cap = desk_capacity(agents, a)
    assert answer_rate(cap, agents, a) >= a.target
    assert answer_rate(cap + 1, agents, a) < a.target


def test_more_agents_answer_more_calls() -> None:
    a = Assumptions(hours_open=7)
    caps = [desk_capacity(n, a) for n in (1, 2, 4, 8, 16)]
    assert caps == sorted(caps) and caps[0] < caps[-1]


def test_capacity_refuses_an_impossible_desk() -> None:
    with pytest.raises(InvalidInputError):
        desk_capacity(0, Assumptions())


def test_sends_skip_the_days_the_desk_is_closed() -> None:
    model = PaceModel(baseline=10.0, rate=0.01, ratio=0.5)
    year_end = {date(2026, 12, d) for d in (29, 30, 31)} | {date(2027, 1, d) for d in (1, 2, 3)}
    days = spread(
        model,
        {"mail": 20_000},
        ["mail"],
        date(2026, 12, 24),
        60.0,
        desk_open=lambda d: d not in year_end,
    )
    sent_on = [d.day for d in days]
    assert not year_end & set(sent_on)
    assert sum(d.counts["mail"] for d in days) == 20_000
    plan = {d.day: d.counts for d in days}
    every = {date.fromordinal(o) for o in range(sent_on[0].toordinal(), sent_on[-1].toordinal())}
    assert all(forecast(model, plan, d) <= 60.0 + 1e-6 for d in every)
