"""What kind of answer a question asks for, and whether an entry can give that kind.

"いつ配られたの?" wants a date, "何件流出した?" a count, "電話番号は?" a desk, "なんで?" a
reason. An entry that holds the asked-for kind of fact (from `kb.facts`) is more likely the one
that settles the question. The cue lists are small and general, not tuned to any document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from breachdesk.kb.facts import Facts
from breachdesk.text.normalise import squeeze

_ASKS = {
    "when": re.compile(r"いつ|何日|何月|何年|日付|日にち|時期|期間|何時から|何時まで"),
    "count": re.compile(
        r"何件|何人|何名|何枚|何社|何割|件数|人数|どのくらい|どれくらい|どれだけ|いくつ"
    ),
    "desk": re.compile(
        r"電話番号|連絡先|窓口|問い?合わ?せ先|メールアドレス|受付時間|何時まで|営業時間"
    ),
    "why": re.compile(r"なぜ|なんで|何で|どうして|理由|原因|きっかけ"),
}
_REASON = re.compile(r"ため|原因|理由|により|によって|よる|ことから|おそれ|恐れ")


def asked_kinds(question: str) -> set[str]:
    """The kinds of answer a question asks for (possibly none)."""
    text = squeeze(question)
    return {kind for kind, cue in _ASKS.items() if cue.search(text)}


def offers(kind: str, facts: Facts, answer: str) -> bool:
    """Whether an entry holds the kind of fact asked for."""
    if kind == "when":
        return bool(facts.dates or facts.ranges)
    if kind == "count":
        return bool(facts.counts)
    if kind == "desk":
        return bool(facts.phones or facts.mails or facts.hours)
    return bool(_REASON.search(answer))


def intent_scores(
    question: str, entry_facts: Sequence[Facts], answers: Sequence[str]
) -> NDArray[np.float64]:
    """Share of the asked-for kinds each entry offers (all zero when nothing specific is asked)."""
    kinds = asked_kinds(question)
    if not kinds:
        return np.zeros(len(entry_facts))
    return np.array(
        [
            sum(offers(k, f, a) for k in kinds) / len(kinds)
            for f, a in zip(entry_facts, answers, strict=True)
        ],
        dtype=np.float64,
    )
