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

Bounds, because every figure here is computed inside a request: `Assumptions` refuses any input
that is not a finite number within `LIMITS` (a NaN weight once made a request spin forever),
plans have at most `MAX_AGENTS` agents and `MAX_LINES` lines, a day at most `MAX_OFFERED` calls,
and the searches for agents and lines bisect (a dozen model runs, not hundreds), so no input can
make a report run longer than a few model evaluations per day.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from breachdesk.errors import InvalidInputError

MAX_QUEUE = 2000  # states beyond the agents when lines are unlimited
MAX_AGENTS = 500  # the largest desk the searches and plans consider
MAX_LINES = 1000
MAX_OFFERED = 10_000_000.0  # calls in one day; more is a typo, not a desk
MAX_WEIGHT = 1_000_000.0  # one hour's weight in an intraday profile

LIMITS: dict[str, tuple[float, float]] = {
    "aht": (1.0, 36_000.0),
    "patience": (1.0, 36_000.0),
}
"""Finite bounds of the assumptions, in seconds: what every face accepts at most."""


def _finite(value: float, where: str, low: float, high: float) -> float:
    """`value` if it is a finite number in [low, high], else an `InvalidInputError`."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInputError(f"not a number: {value!r}", where=where) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InvalidInputError(f"{where} is a number from {low:g} to {high:g}", where=where)
    return number


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


@lru_cache(maxsize=65_536)  # a flat day asks the same hour 8 times; searches revisit agents
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
    if not (math.isfinite(lam) and math.isfinite(mu) and mu > 0):
        raise InvalidInputError("the arrival rate and handling time are finite numbers")
    # Unnormalised log-probabilities, to stay finite for heavy traffic. The loop is bounded by
    # `top` (lines, or agents + MAX_QUEUE) and tracks its peak as it goes (no rescans). Once
    # deaths outpace births every further state is less likely than the last, so the chain
    # stops when it falls e^60 below its peak: a few dozen states past the traffic, not 500.
    logs = [0.0]
    peak = 0.0
    for k in range(1, top + 1):
        death = k * mu if k <= agents else agents * mu + (k - agents) * theta
        if math.isinf(death):
            break
        logs.append(logs[-1] + math.log(lam) - math.log(death))
        peak = max(peak, logs[-1])
        if death > lam and logs[-1] < peak - 60:  # the rest weighs less than e^-60
            break
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
    if (
        not 1 <= len(weights) <= 24
        or not all(math.isfinite(w) and 0 <= w <= MAX_WEIGHT for w in weights)
        or sum(weights) <= 0
    ):
        raise InvalidInputError(
            "an intraday profile is 1–24 finite non-negative weights, one per open hour",
            where="profile",
        )
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
    _finite(offered, "offered", 0, MAX_OFFERED)
    _finite(aht, "aht", *LIMITS["aht"])
    if math.isnan(patience) or patience <= 0:
        raise InvalidInputError("patience is a positive number of seconds", where="patience")
    if not 0 <= agents <= MAX_AGENTS or (lines is not None and not 1 <= lines <= MAX_LINES):
        raise InvalidInputError(f"0–{MAX_AGENTS} agents on 1–{MAX_LINES} lines", where="agents")
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
    if not 1 <= agents <= MAX_AGENTS:
        raise InvalidInputError(f"a plan has 1–{MAX_AGENTS} agents", where="agents")
    if lines is not None and lines > MAX_LINES:
        raise InvalidInputError(f"a plan has at most {MAX_LINES} lines", where="lines")
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


def first_reaching(rate: Callable[[int], float], goal: float, low: int, high: int) -> int | None:
    """The smallest n in [low, high] with rate(n) ≥ goal, for a rate that grows with n; None
    if even rate(high) falls short. Galloping then bisection: about 2·log2(n) evaluations, so
    a search over hundreds of agents costs a dozen or two model runs, never hundreds."""
    if low > high:
        return None
    # Gallop up from `low` (desks need a handful of agents; the model is cheap there), then
    # bisect the last step: about 2·log2(answer) evaluations, at most ~20 over 1–1000.
    step, below = 1, low - 1
    probe = low
    while rate(probe) < goal:
        below = probe
        if probe >= high:
            return None
        probe = min(high, probe + step)
        step *= 2
    low, high = below + 1, probe
    while low < high:  # invariant: rate(high) ≥ goal; the answer lies in [low, high]
        middle = (low + high) // 2
        if rate(middle) >= goal:
            high = middle
        else:
            low = middle + 1
    return high


def agents_needed(
    offered: float,
    target: float,
    *,
    hours_open: int,
    aht: float,
    patience: float,
    lines: int | None = None,
    profile: Sequence[float] | None = None,
    limit: int = MAX_AGENTS,
) -> int | None:
    """The fewest agents for an answer rate ≥ `target` (lines grow with the agents when given
    fewer); None if even `limit` agents cannot reach it."""
    if offered > MAX_OFFERED:
        return None  # more calls than any desk the model sizes
    rate = _rate_by_agents(
        offered, hours_open=hours_open, aht=aht, patience=patience, lines=lines, profile=profile
    )
    return first_reaching(rate, target, 1, min(limit, MAX_AGENTS))


def lines_needed(
    offered: float,
    target: float,
    *,
    agents: int,
    hours_open: int,
    aht: float,
    patience: float,
    profile: Sequence[float] | None = None,
    limit: int = MAX_LINES,
) -> int | None:
    """The fewest lines (≥ agents) for an answer rate ≥ `target` with these agents; None if
    more lines cannot get there (the agents are the bottleneck)."""
    if offered > MAX_OFFERED:
        return None

    def rate(lines: int) -> float:
        return desk_day(
            offered,
            hours_open=hours_open,
            aht=aht,
            agents=agents,
            patience=patience,
            lines=lines,
            profile=profile,
        )[0]

    return first_reaching(rate, target, max(agents, 1), min(limit, MAX_LINES))


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

    The model's rate is interpolated between whole agents, so a desk that answered 58 of 140
    shows as, say, 2.4 agents rather than "2 or 3"; the whole agents are found by bisection.
    None when nothing was offered, and None when every call was answered: the model never
    reaches 100 %, and "all answered" says only that there were enough agents, not how many.
    """
    if offered <= 0 or answered >= offered or offered > MAX_OFFERED:
        return None
    observed = answered / offered
    rate = _rate_by_agents(
        offered, hours_open=hours_open, aht=aht, patience=patience, lines=lines, profile=profile
    )
    n = first_reaching(rate, observed, 1, MAX_AGENTS)
    if n is None:
        return None
    current, previous = rate(n), rate(n - 1) if n > 1 else 0.0
    span = current - previous
    return n - 1 + ((observed - previous) / span if span > 0 else 1.0)


@dataclass(frozen=True)
class Assumptions:
    """What every staffing figure rests on; shown beside the figures."""

    target: float = 0.9
    aht: float = 300.0
    hours_open: int = 8
    patience: float = 60.0
    profile: tuple[float, ...] | None = None  # weights per open hour; None: flat

    def __post_init__(self) -> None:
        # The one check every face's input goes through: finite numbers within bounds, so
        # that no NaN, infinity or absurd value reaches the model loops.
        if not (math.isfinite(self.target) and 0 < self.target < 1):
            raise InvalidInputError("the target answer rate is between 0 and 1", where="target")
        _finite(self.aht, "aht", *LIMITS["aht"])
        _finite(self.patience, "patience", *LIMITS["patience"])
        if not 1 <= self.hours_open <= 24:
            raise InvalidInputError("a desk is open 1–24 hours a day", where="hours")
        if self.profile is not None:
            if (
                not self.profile
                or not all(math.isfinite(w) and 0 <= w <= MAX_WEIGHT for w in self.profile)
                or sum(self.profile) <= 0
            ):
                raise InvalidInputError(
                    "an intraday profile is finite non-negative weights (at most "
                    f"{MAX_WEIGHT:,.0f}, not all zero), one per open hour",
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
        return cls(
            _finite(target, "target", 0, 1),
            _finite(aht, "aht", *LIMITS["aht"]),
            int(_finite(open_hours, "hours", 1, 24)),
            _finite(patience, "patience", *LIMITS["patience"]),
            weights,
        )

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
    parts = [w for w in text.replace("、", ",").split(",") if w.strip()]
    if len(parts) > 24:
        raise InvalidInputError("an intraday profile has at most 24 weights", where="profile")
    try:
        weights = tuple(float(w) for w in parts)
    except ValueError:
        raise InvalidInputError(
            f"an intraday profile is numbers separated by commas, not {text[:60]!r}",
            where="profile",
        ) from None
    if not weights:
        raise InvalidInputError(
            "an intraday profile needs one weight per open hour", where="profile"
        )
    if not all(math.isfinite(w) and 0 <= w <= MAX_WEIGHT for w in weights):
        raise InvalidInputError(
            f"an intraday profile's weights are finite numbers from 0 to {MAX_WEIGHT:,.0f}",
            where="profile",
        )
    return weights


STAFFING_HEADER = "date,offered,answered,answer_rate,implied_agents,agents_needed,lines_needed"
PLAN_HEADER = ",plan_agents,plan_lines,plan_answer_rate,plan_busy,plan_abandoned"


def staffing_cells(day: object, st: DayStaffing) -> list[str]:
    """One day of the staffing CSV (`STAFFING_HEADER`, plus `PLAN_HEADER` with a plan)."""
    implied = "" if st.implied_agents is None else f"{st.implied_agents:.2f}"
    cells = [
        str(day),
        str(st.offered),
        str(st.answered),
        f"{st.answer_rate:.3f}",
        implied,
        str(st.agents_needed or ""),
        str(st.lines_needed or ""),
    ]
    if st.plan is not None:
        p = st.plan
        cells += [
            str(p.agents),
            "" if p.lines is None else str(p.lines),
            f"{p.answer_rate:.3f}",
            f"{p.busy:.3f}",
            f"{p.abandoned:.3f}",
        ]
    return cells
