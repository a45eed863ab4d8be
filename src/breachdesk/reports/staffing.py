"""Staffing: how many lines and agents a desk needs, and what a day's answer rate implies.

Formulas (written here rather than taken from pyworkforce, which covers Erlang C only):

- Erlang B — the share of callers who get a busy signal when `lines` are all in use:
  B(A, 0) = 1, B(A, k) = A·B(A, k−1) / (k + A·B(A, k−1)), the numerically stable recursion.
- Erlang C — the probability of waiting with `agents` and an unlimited queue:
  C = N·B / (N − A·(1 − B)); service level P(wait ≤ t) = 1 − C·e^{−(N−A)t/AHT}.
- Erlang A (M/M/n+M) with a finite number of lines — the desk as it is: callers beyond `lines`
  get busy, callers in the queue hang up after an exponential patience. Solved exactly as a
  birth–death chain (states = calls in the system, 0…lines): birth λ while a line is free,
  death k·μ while k ≤ n, n·μ + (k − n)·θ beyond. Blocked = π(lines) (PASTA); abandoned =
  Σ π(k)(k − n)θ / λ; answered = the rest. With unlimited lines and patience → ∞ it is Erlang C,
  with patience → 0 it is an Erlang B loss system with n lines.

Traffic is spread over the opening hours (flat, or by an intraday profile of weights per hour);
each hour is taken as a stationary M/M/n+M period, as workforce tools do.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from breachdesk.errors import InvalidInputError

MAX_QUEUE = 2000  # states beyond the agents when lines are unlimited


def erlang_b(traffic: float, lines: int) -> float:
    """Blocking probability of `lines` lines offered `traffic` erlangs."""
    if lines < 0 or traffic < 0:
        raise ValueError("traffic and lines must be non-negative")
    b = 1.0
    for k in range(1, lines + 1):
        b = traffic * b / (k + traffic * b)
    return b


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a caller waits (unlimited queue, infinite patience)."""
    if agents <= traffic:
        return 1.0
    b = erlang_b(traffic, agents)
    return agents * b / (agents - traffic * (1 - b))


def service_level(traffic: float, agents: int, aht: float, seconds: float) -> float:
    """P(wait ≤ `seconds`) under Erlang C."""
    if agents <= traffic:
        return 0.0
    return 1 - erlang_c(traffic, agents) * math.exp(-(agents - traffic) * seconds / aht)


def average_speed_of_answer(traffic: float, agents: int, aht: float) -> float:
    """Mean wait in seconds under Erlang C (infinite when the agents cannot keep up)."""
    if agents <= traffic:
        return math.inf
    return erlang_c(traffic, agents) * aht / (agents - traffic)


@dataclass(frozen=True)
class QueueOutcome:
    """Shares of the calls offered: busy signal, hung up while waiting, answered; and the
    probability that an admitted caller finds every agent busy (has to wait)."""

    blocked: float
    abandoned: float
    answered: float
    waits: float = 0.0


def erlang_a(
    arrivals_per_second: float,
    aht: float,
    agents: int,
    patience: float,
    lines: int | None = None,
) -> QueueOutcome:
    """M/M/n+M with `lines` lines (None: unlimited), solved as a birth–death chain."""
    if agents < 1:
        return QueueOutcome(0.0 if lines is None else 1.0, 1.0 if lines is None else 0.0, 0.0)
    lam, mu = arrivals_per_second, 1.0 / aht
    theta = 1.0 / patience if patience > 0 else math.inf
    if lam <= 0:
        return QueueOutcome(0.0, 0.0, 1.0)
    top = lines if lines is not None else agents + MAX_QUEUE
    agents = min(agents, top)
    # Unnormalised log-probabilities, to stay finite for heavy traffic.
    logs = [0.0]
    for k in range(1, top + 1):
        death = k * mu if k <= agents else agents * mu + (k - agents) * theta
        if math.isinf(death):
            break
        logs.append(logs[-1] + math.log(lam) - math.log(death))
        if k > agents and logs[-1] < max(logs) - 60:  # the rest weighs less than e^-60
            break
    peak = max(logs)
    weights = [math.exp(v - peak) for v in logs]
    total = sum(weights)
    probs = [w / total for w in weights]
    last = len(probs) - 1
    blocked = probs[last] if lines is not None and last == top else 0.0
    abandon_rate = (
        sum(p * (k - agents) * theta for k, p in enumerate(probs) if k > agents)
        if not math.isinf(theta)
        else 0.0
    )
    abandoned = abandon_rate / lam
    admitted = 1 - blocked
    waits = sum(p for k, p in enumerate(probs) if agents <= k < top) / admitted if admitted else 0.0
    return QueueOutcome(blocked, abandoned, max(0.0, 1 - blocked - abandoned), waits)


@dataclass(frozen=True)
class HourOutcome:
    hour: int
    offered: float
    answered: float
    busy: float = 0.0
    abandoned: float = 0.0


def _profile(hours_open: int, profile: Sequence[float] | None) -> list[float]:
    weights = list(profile) if profile is not None else [1.0] * hours_open
    if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
        raise ValueError("an intraday profile is non-negative weights, one per open hour")
    total = sum(weights)
    return [w / total for w in weights]


def desk_day(
    offered: float,
    *,
    hours_open: int,
    aht: float,
    agents: int,
    patience: float,
    lines: int | None = None,
    profile: Sequence[float] | None = None,
) -> tuple[float, list[HourOutcome]]:
    """The day's answer rate (answered / offered) and each open hour's figures."""
    hours = []
    answered = 0.0
    for hour, share in enumerate(_profile(hours_open, profile)):
        calls = offered * share
        outcome = erlang_a(calls / 3600.0, aht, agents, patience, lines)
        hours.append(
            HourOutcome(
                hour,
                calls,
                calls * outcome.answered,
                calls * outcome.blocked,
                calls * outcome.abandoned,
            )
        )
        answered += calls * outcome.answered
    return (answered / offered if offered > 0 else 1.0), hours


@dataclass(frozen=True)
class Plan:
    """What a given number of agents and lines would do to a day's calls (shares of offered)."""

    agents: int
    lines: int | None
    answer_rate: float
    busy: float
    abandoned: float


def plan_day(
    offered: float,
    *,
    agents: int,
    lines: int | None,
    hours_open: int,
    aht: float,
    patience: float,
    profile: Sequence[float] | None = None,
) -> Plan:
    """The answer rate, busy-signal share (Erlang B part) and hang-up share (Erlang A part) of
    a day with `agents` agents and `lines` lines (None: as many as callers)."""
    if agents < 1:
        raise InvalidInputError("a plan has at least one agent", where="agents")
    if lines is not None and lines < agents:
        raise InvalidInputError("every agent needs a line: lines ≥ agents", where="lines")
    rate, hours = desk_day(
        offered,
        hours_open=hours_open,
        aht=aht,
        agents=agents,
        patience=patience,
        lines=lines,
        profile=profile,
    )
    if offered <= 0:
        return Plan(agents, lines, 1.0, 0.0, 0.0)
    busy = sum(h.busy for h in hours) / offered
    abandoned = sum(h.abandoned for h in hours) / offered
    return Plan(agents, lines, rate, busy, abandoned)


def _rate_by_agents(
    offered: float,
    *,
    hours_open: int,
    aht: float,
    patience: float,
    lines: int | None,
    profile: Sequence[float] | None,
) -> Callable[[int], float]:
    """The day's answer rate as a function of the number of agents; given lines grow with the
    agents (every agent needs one)."""

    def rate(agents: int) -> float:
        return desk_day(
            offered,
            hours_open=hours_open,
            aht=aht,
            agents=agents,
            patience=patience,
            lines=None if lines is None else max(lines, agents),
            profile=profile,
        )[0]

    return rate


def agents_needed(
    offered: float,
    target: float,
    *,
    hours_open: int,
    aht: float,
    patience: float,
    lines: int | None = None,
    profile: Sequence[float] | None = None,
    limit: int = 500,
) -> int | None:
    """The fewest agents for an answer rate ≥ `target` (lines grow with the agents when given
    fewer); None if even `limit` agents cannot reach it."""
    rate = _rate_by_agents(
        offered, hours_open=hours_open, aht=aht, patience=patience, lines=lines, profile=profile
    )
    return next((n for n in range(1, limit + 1) if rate(n) >= target), None)


def lines_needed(
    offered: float,
    target: float,
    *,
    agents: int,
    hours_open: int,
    aht: float,
    patience: float,
    profile: Sequence[float] | None = None,
    limit: int = 500,
) -> int | None:
    """The fewest lines (≥ agents) for an answer rate ≥ `target` with these agents; None if
    more lines cannot get there (the agents are the bottleneck)."""
    for lines in range(agents, limit + 1):
        rate, _ = desk_day(
            offered,
            hours_open=hours_open,
            aht=aht,
            agents=agents,
            patience=patience,
            lines=lines,
            profile=profile,
        )
        if rate >= target:
            return lines
    return None


def implied_agents(
    offered: int,
    answered: int,
    *,
    hours_open: int,
    aht: float,
    patience: float,
    lines: int | None = None,
    profile: Sequence[float] | None = None,
) -> float | None:
    """The effective number of agents a day's answer rate implies under these assumptions.

    Found by bisection on a continuous agent count (the model's rate interpolated between whole
    agents), so a desk that answered 58 of 140 shows as, say, 2.4 agents rather than "2 or 3".
    None when nothing was offered, and None when every call was answered: the model never
    reaches 100 %, and "all answered" says only that there were enough agents, not how many.
    """
    if offered <= 0 or answered >= offered:
        return None
    observed = answered / offered
    rate = _rate_by_agents(
        offered, hours_open=hours_open, aht=aht, patience=patience, lines=lines, profile=profile
    )
    previous = 0.0
    for n in range(1, 501):
        current = rate(n)
        if current >= observed:
            span = current - previous
            return n - 1 + ((observed - previous) / span if span > 0 else 1.0)
        previous = current
    return None


@dataclass(frozen=True)
class Assumptions:
    """What every staffing figure rests on; shown beside the figures."""

    target: float = 0.9
    aht: float = 300.0
    hours_open: int = 8
    patience: float = 60.0
    profile: tuple[float, ...] | None = None  # weights per open hour; None: flat

    def __post_init__(self) -> None:
        if not 0 < self.target < 1:
            raise InvalidInputError("the target answer rate is between 0 and 1", where="target")
        if self.aht <= 0 or self.patience <= 0 or not 1 <= self.hours_open <= 24:
            raise InvalidInputError("handling time and patience are positive; 1–24 open hours")
        if self.profile is not None:
            if not self.profile or min(self.profile) < 0 or sum(self.profile) <= 0:
                raise InvalidInputError(
                    "an intraday profile is non-negative weights, one per open hour",
                    where="profile",
                )
            if len(self.profile) != self.hours_open:
                raise InvalidInputError(
                    f"the intraday profile has {len(self.profile)} weights "
                    f"for {self.hours_open} open hours",
                    where="profile",
                )

    @classmethod
    def from_inputs(
        cls,
        target: float,
        aht: float,
        hours: int | None,
        patience: float,
        profile: str | None,
    ) -> Assumptions:
        """From a form, a query or the command line: the profile as text ("1,2,3,…"), the open
        hours defaulting to the profile's length, else 8."""
        weights = parse_profile(profile) if profile and profile.strip() else None
        open_hours = hours if hours is not None else len(weights) if weights else 8
        return cls(target, aht, open_hours, patience, weights)

    def agents_needed(self, offered: float) -> int | None:
        """The fewest agents (one line each) for the target answer rate."""
        return agents_needed(
            offered,
            self.target,
            hours_open=self.hours_open,
            aht=self.aht,
            patience=self.patience,
            profile=self.profile,
        )

    def lines_needed(self, offered: float, agents: int) -> int | None:
        """The fewest lines with which `agents` agents reach the target answer rate."""
        return lines_needed(
            offered,
            self.target,
            agents=agents,
            hours_open=self.hours_open,
            aht=self.aht,
            patience=self.patience,
            profile=self.profile,
        )

    def implied_agents(self, offered: int, answered: int) -> float | None:
        """The effective agents a day's answer rate implies (see `implied_agents`)."""
        return implied_agents(
            offered,
            answered,
            hours_open=self.hours_open,
            aht=self.aht,
            patience=self.patience,
            profile=self.profile,
        )

    def plan(self, offered: float, agents: int, lines: int | None) -> Plan:
        """What `agents` agents on `lines` lines give (see `plan_day`)."""
        return plan_day(
            offered,
            agents=agents,
            lines=lines,
            hours_open=self.hours_open,
            aht=self.aht,
            patience=self.patience,
            profile=self.profile,
        )

    def describe(self) -> str:
        shape = "calls spread evenly over the day"
        if self.profile is not None:
            shape = "intraday profile " + ",".join(f"{w:g}" for w in self.profile)
        return (
            f"handling time {self.aht:g} s, open {self.hours_open} h/day, patience "
            f"{self.patience:g} s, {shape}; target answer rate {self.target:.0%}"
        )


@dataclass(frozen=True)
class DayStaffing:
    """One day's staffing picture: what its answer rate implied, what the target needs, and
    what a given plan (agents and lines) would have done."""

    offered: int
    answered: int
    answer_rate: float
    implied_agents: float | None
    agents_needed: int | None
    lines_needed: int | None
    assumptions: Assumptions
    plan: Plan | None = None


def staffing_for_day(
    offered: int,
    answered: int,
    assumptions: Assumptions | None = None,
    *,
    agents: int | None = None,
    lines: int | None = None,
) -> DayStaffing:
    """What a day implied, the agents (with one line each) and lines needed for the target,
    and, given `agents` (and `lines`), the answer rate, busy and hang-up shares they give."""
    a = assumptions or Assumptions()
    needed = a.agents_needed(offered)
    return DayStaffing(
        offered,
        answered,
        answered / offered if offered else 1.0,
        a.implied_agents(offered, answered),
        needed,
        None if needed is None else a.lines_needed(offered, needed),
        a,
        None if agents is None else a.plan(offered, agents, lines),
    )


def parse_profile(text: str) -> tuple[float, ...]:
    """An intraday profile written as weights per open hour: "1,2,3,3,2,2,1,1"."""
    try:
        weights = tuple(float(w) for w in text.replace("、", ",").split(",") if w.strip())
    except ValueError:
        raise InvalidInputError(
            f"an intraday profile is numbers separated by commas, not {text!r}", where="profile"
        ) from None
    if not weights:
        raise InvalidInputError(
            "an intraday profile needs one weight per open hour", where="profile"
        )
    return weights


STAFFING_HEADER = "date,offered,answered,answer_rate,implied_agents,agents_needed,lines_needed"
PLAN_HEADER = ",plan_agents,plan_lines,plan_answer_rate,plan_busy,plan_abandoned"


def staffing_csv_line(day: object, st: DayStaffing) -> str:
    """One day of the staffing CSV (`STAFFING_HEADER`, plus `PLAN_HEADER` with a plan)."""
    implied = "" if st.implied_agents is None else f"{st.implied_agents:.2f}"
    line = (
        f"{day},{st.offered},{st.answered},{st.answer_rate:.3f},{implied},"
        f"{st.agents_needed or ''},{st.lines_needed or ''}"
    )
    if st.plan is not None:
        p = st.plan
        line += (
            f",{p.agents},{'' if p.lines is None else p.lines},{p.answer_rate:.3f},"
            f"{p.busy:.3f},{p.abandoned:.3f}"
        )
    return line
