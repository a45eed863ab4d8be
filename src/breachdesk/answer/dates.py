"""Date evidence: does an entry settle the date a question names?

"2020年5月に買った" must reach the entry that says orders after 2020年4月8日 are safe, and
"2021年12月に寄付した" the period 令和3年10月14日～令和4年1月25日. The question's dates and the
entries' dates and periods come from `kb.facts` (西暦 and 和暦 alike).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from breachdesk.kb.facts import DateFact, Facts, extract_facts


def question_dates(question: str) -> list[DateFact]:
    """The dates and months a question names."""
    return list(extract_facts(question).dates)


def date_score(asked: Sequence[DateFact], facts: Facts) -> float:
    """1.0 when the entry's period holds an asked date or names the same day; 0.5 same month."""
    best = 0.0
    for q in asked:
        if q.year is not None:
            probes = [d for d in (q.first_day, q.last_day) if d is not None]
            for period in facts.ranges:
                if any(period.contains(d) is True for d in probes):
                    return 1.0
        for d in facts.dates:
            if d.month != q.month or (q.year is not None and d.year not in (None, q.year)):
                continue
            if q.day is not None and d.day == q.day:
                return 1.0
            best = max(best, 0.5 if q.day is None or d.day is None else 0.0)
    return best


def date_scores(question: str, entry_facts: Sequence[Facts]) -> NDArray[np.float64]:
    """`date_score` for every entry (all zero when the question names no date)."""
    asked = question_dates(question)
    if not asked:
        return np.zeros(len(entry_facts))
    return np.array([date_score(asked, f) for f in entry_facts], dtype=np.float64)
