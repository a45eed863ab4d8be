"""Leaked-item questions: 「セキュリティコードも漏れた？」 reaches the entry that settles that item.

A question names a data item in the asker's words (裏の3桁, CVV, メアド, PW …: the names in
`kb.facts.ITEM_SYNONYMS`); the entries' facts say which items a passage asserts as leaked and
which it denies. An entry that settles an asked item — either way, since 「漏えいしておりません」
is the answer too — is evidence for ranking.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from breachdesk.kb.facts import Facts
from breachdesk.kb.facts.items import ITEM_SYNONYMS
from breachdesk.text.normalise import squeeze

# What people call each item (CVV, 裏の3桁, メアド, PW …), searched in the squeezed question;
# `kb.facts.ITEM_SYNONYMS` is the one list of those names, shared with the documents' side.
_ASKED = [(key, re.compile(pattern)) for key, pattern in ITEM_SYNONYMS]
# Card items imply the generic card item: a passage about 「カード情報」 settles them in part.
_CARD_KEYS = frozenset({"security_code", "expiry", "cardholder_name", "card_number"})
_LEAK_ASK = re.compile(
    r"漏|流出|もれ|盗|大丈夫|だいじょうぶ|無事|安全|抜かれ|取られ|とられ|バレ|ばれ|知られ|含まれ|入って|対象|被害|悪用|見られ"
)


def asked_items(question: str) -> frozenset[str]:
    """Item keys a question asks about (more specific names win over カード alone)."""
    text = squeeze(question)
    found: set[str] = set()
    for key, pattern in _ASKED:
        m = pattern.search(text)
        if m is None:
            continue
        if key == "card_info" and found & _CARD_KEYS:
            continue
        if key in ("email", "phone") and ("問い合わせ" in text or "窓口" in text):
            continue  # 「問い合わせの電話番号」 asks for the desk, not about a leaked phone
        found.add(key)
    return frozenset(found)


def asks_about_leak(question: str) -> bool:
    """Whether the question asks if something leaked (漏れた？ 盗まれた？ 含まれる？)."""
    return bool(_LEAK_ASK.search(squeeze(question)))


def settles(keys: frozenset[str], facts: Facts) -> float:
    """Share of the asked items an entry settles (asserts leaked or denies), card info counting
    half for a specific card item."""
    if not keys:
        return 0.0
    told = facts.leaked_keys() | facts.denied_keys()
    if not told:
        return 0.0
    total = 0.0
    for key in keys:
        if key in told:
            total += 1.0
        elif key in _CARD_KEYS and "card_info" in told:
            total += 0.5
    return total / len(keys)


def item_scores(question: str, entry_facts: Sequence[Facts]) -> NDArray[np.float64]:
    """Per entry: how far it settles the items a leak question asks about (0 when none asked)."""
    keys = asked_items(question)
    if not keys or not asks_about_leak(question):
        return np.zeros(len(entry_facts))
    return np.array([settles(keys, f) for f in entry_facts], dtype=np.float64)
