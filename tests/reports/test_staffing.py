"""Erlang B, C and A against reference values and each other; the inverses are minimal."""

from __future__ import annotations

import math

import pytest

from breachdesk.errors import InvalidInputError
from breachdesk.reports.staffing import (
    Assumptions,
    agents_needed,
    average_speed_of_answer,
    desk_day,
    erlang_a,
    erlang_b,
    erlang_c,
    implied_agents,
    lines_needed,
    parse_profile,
    plan_day,
    service_level,
    staffing_for_day,
)


def erlang_b_direct(a: float, n: int) -> float:
    """The textbook closed form, for an independent check of the recursion."""
    terms = [a**k / math.factorial(k) for k in range(n + 1)]
    return terms[-1] / sum(terms)


@pytest.mark.parametrize(
    ("traffic", "lines", "expected"),
    [
        # Published Erlang B table values (e.g. the ITU-T E.800-series tables, and Cooper,
        # "Introduction to Queueing Theory", Table of Erlang B): B(10,10)=0.2146, B(2,5)=0.0367,
        # B(5,10)=0.0184.
        (10.0, 10, 0.2146),
        (2.0, 5, 0.0367),
        (5.0, 10, 0.0184),
    ],
)
def test_erlang_b_matches_the_tables(traffic: float, lines: int, expected: float) -> None:
    assert erlang_b(traffic, lines) == pytest.approx(expected, abs=5e-5)
    assert erlang_b(traffic, lines) == pytest.approx(erlang_b_direct(traffic, lines), rel=1e-12)


def test_erlang_c_matches_the_closed_form_and_a_published_value() -> None:
    # Closed form: C = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A)).
    a, n = 10.0, 11
    top = a**n / math.factorial(n) * n / (n - a)
    direct = top / (sum(a**k / math.factorial(k) for k in range(n)) + top)
    assert erlang_c(a, n) == pytest.approx(direct, rel=1e-12)
    assert erlang_c(a, n) == pytest.approx(0.6821, abs=5e-5)
    assert erlang_c(10.0, 10) == 1.0  # agents cannot keep up
    # Service level and ASA follow from C: 20 s, AHT 180 s, 13 agents on 10 erlangs.
    c = erlang_c(10.0, 13)
    assert service_level(10.0, 13, 180, 20) == pytest.approx(1 - c * math.exp(-3 * 20 / 180))
    assert average_speed_of_answer(10.0, 13, 180) == pytest.approx(c * 180 / 3)


def test_erlang_a_becomes_erlang_c_with_endless_patience() -> None:
    outcome = erlang_a(10 / 180, 180, 13, patience=1e9)
    assert outcome.abandoned < 1e-6 and outcome.blocked == 0.0
    assert outcome.waits == pytest.approx(erlang_c(10.0, 13), rel=1e-4)


def test_erlang_a_becomes_an_erlang_b_loss_system_with_no_patience() -> None:
    outcome = erlang_a(10 / 180, 180, 10, patience=1e-9, lines=20)
    assert outcome.blocked + outcome.abandoned == pytest.approx(erlang_b(10.0, 10), rel=1e-6)


def test_lines_equal_to_agents_is_erlang_b_blocking() -> None:
    outcome = erlang_a(10 / 180, 180, 10, patience=60, lines=10)
    assert outcome.blocked == pytest.approx(erlang_b(10.0, 10), rel=1e-9)
    assert outcome.abandoned == 0.0


def test_more_agents_answer_more() -> None:
    rates = [desk_day(140, hours_open=8, aht=300, agents=n, patience=60)[0] for n in range(1, 6)]
    assert rates == sorted(rates) and rates[-1] > 0.95


def test_inverses_are_minimal() -> None:
    n = agents_needed(140, 0.9, hours_open=8, aht=300, patience=60)
    assert n is not None
    assert desk_day(140, hours_open=8, aht=300, agents=n, patience=60)[0] >= 0.9
    assert desk_day(140, hours_open=8, aht=300, agents=n - 1, patience=60)[0] < 0.9
    lines = lines_needed(140, 0.9, agents=n, hours_open=8, aht=300, patience=60)
    assert lines is not None and lines >= n
    at = desk_day(140, hours_open=8, aht=300, agents=n, patience=60, lines=lines)[0]
    below = desk_day(140, hours_open=8, aht=300, agents=n, patience=60, lines=lines - 1)[0]
    assert at >= 0.9 and (lines == n or below < 0.9)
    assert lines_needed(140, 0.99, agents=1, hours_open=8, aht=300, patience=60) is None


def test_an_intraday_profile_concentrates_the_load() -> None:
    flat = desk_day(140, hours_open=8, aht=300, agents=2, patience=60)[0]
    peaked, hours = desk_day(
        140, hours_open=8, aht=300, agents=2, patience=60, profile=[1, 1, 6, 1, 1, 1, 1, 1]
    )
    assert peaked < flat
    assert sum(h.offered for h in hours) == pytest.approx(140)


def test_the_implied_agents_reproduce_the_observed_rate() -> None:
    implied = implied_agents(140, 58, hours_open=8, aht=300, patience=60)
    assert implied is not None
    whole = math.floor(implied)
    low = desk_day(140, hours_open=8, aht=300, agents=max(whole, 1), patience=60)[0]
    high = desk_day(140, hours_open=8, aht=300, agents=whole + 1, patience=60)[0]
    assert (low <= 58 / 140 <= high) or whole == 0
    summary = staffing_for_day(140, 58)
    assert summary.answer_rate == pytest.approx(58 / 140)
    assert summary.agents_needed is not None and summary.agents_needed > implied


def test_a_day_that_answered_everything_implies_only_enough_agents() -> None:
    assert implied_agents(8, 8, hours_open=8, aht=300, patience=60) is None
    assert implied_agents(0, 0, hours_open=8, aht=300, patience=60) is None
    almost = implied_agents(400, 399, hours_open=8, aht=300, patience=60)
    assert almost is not None and almost > 4  # 4.2 Erlangs of work need more than four


def test_a_plan_splits_the_calls_into_answered_busy_and_hung_up() -> None:
    plan = plan_day(140, agents=3, lines=5, hours_open=8, aht=300, patience=60)
    assert plan.answer_rate + plan.busy + plan.abandoned == pytest.approx(1.0)
    assert plan.busy > 0 and plan.abandoned > 0
    # The same as the day's rate the staffing search uses.
    rate, _ = desk_day(140, hours_open=8, aht=300, agents=3, patience=60, lines=5)
    assert plan.answer_rate == pytest.approx(rate)
    # Callers who cannot wait at all: a pure loss system, Erlang B on the agents' lines.
    impatient = plan_day(140, agents=3, lines=3, hours_open=8, aht=300, patience=1e-6)
    traffic = 140 / 8 * 300 / 3600
    assert impatient.busy == pytest.approx(erlang_b(traffic, 3), abs=1e-4)
    more_lines = plan_day(140, agents=3, lines=10, hours_open=8, aht=300, patience=60)
    assert more_lines.busy < plan.busy and more_lines.abandoned > plan.abandoned


def test_a_peaky_day_needs_more_agents_than_a_flat_one() -> None:
    flat = staffing_for_day(140, 58, Assumptions())
    peaky = staffing_for_day(140, 58, Assumptions(profile=(1, 1, 6, 1, 1, 1, 1, 1)))
    assert flat.agents_needed is not None and peaky.agents_needed is not None
    assert peaky.agents_needed > flat.agents_needed
    assert "intraday profile 1,1,6,1,1,1,1,1" in peaky.assumptions.describe()


def test_assumptions_and_plans_refuse_what_cannot_be() -> None:
    with pytest.raises(InvalidInputError, match="3 weights for 8"):
        Assumptions(profile=(1, 2, 3))
    with pytest.raises(InvalidInputError):
        Assumptions(profile=(1, -1, 1, 1, 1, 1, 1, 1))
    with pytest.raises(InvalidInputError):
        Assumptions(target=1.0)
    with pytest.raises(InvalidInputError, match="lines"):
        plan_day(100, agents=4, lines=2, hours_open=8, aht=300, patience=60)
    assert parse_profile("1, 2、3") == (1.0, 2.0, 3.0)
    with pytest.raises(InvalidInputError):
        parse_profile("1,two")


@pytest.mark.parametrize("text", ["nan", "inf", "-1", "nan,inf,-1", "1e309", ",".join("1" * 25)])
def test_a_profile_of_anything_but_finite_weights_is_refused(text: str) -> None:
    # "nan" once made a request spin forever: NaN shares never let the model's loop stop early.
    with pytest.raises(InvalidInputError, match="profile"):
        Assumptions.from_inputs(0.9, 300, None, 60, text)


@pytest.mark.parametrize(
    ("target", "aht", "hours", "patience"),
    [
        (math.nan, 300, 8, 60),
        (0.9, math.inf, 8, 60),
        (0.9, math.nan, 8, 60),
        (0.9, 300, 8, -math.inf),
        (0.9, 300, 8, 1e12),
        (0.9, 300, 99, 60),
    ],
)
def test_every_assumption_is_a_finite_number_within_bounds(
    target: float, aht: float, hours: int, patience: float
) -> None:
    with pytest.raises(InvalidInputError):
        Assumptions.from_inputs(target, aht, hours, patience, None)


def test_the_searches_are_bounded_and_agree_with_a_linear_scan() -> None:
    a = Assumptions(profile=(1, 1, 6, 1, 1, 1, 1, 1))
    for offered in (10, 140, 900):
        needed = a.agents_needed(offered)
        linear = next(
            n
            for n in range(1, 100)
            if desk_day(offered, hours_open=8, aht=300, agents=n, patience=60, profile=a.profile)[0]
            >= 0.9
        )
        assert needed == linear
    # More calls than any desk: an answer ("no number of agents"), not an endless search.
    assert a.agents_needed(5_000_000) is None
    assert a.agents_needed(50_000_000) is None
    with pytest.raises(InvalidInputError):
        plan_day(100, agents=10_000, lines=None, hours_open=8, aht=300, patience=60)
