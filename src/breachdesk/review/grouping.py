"""Which asked questions are twins: the same words typed differently.

On the day a reminder mail goes out, hundreds of people type the same question, differing only in
width (ＡＢＣ/ABC), kana (カード/かーど), spaces, punctuation, a polite ending (ですか/でしょうか/
ますか/か) or a trailing 「教えてください」. The review queue shows such twins as one item, and an
editor's decision on one closes them all. The key is deliberately conservative — it only removes
what never changes the meaning — so two different questions are never merged; rephrasings with
other words stay apart and are met by the engine's phrasings instead.
"""

from __future__ import annotations

import re
import unicodedata

KEY_CHARS = 200
"""Keys are cut to this length (the column's width); a longer question is rarely a twin."""

_DROP = re.compile(r"[\s\u3000\W_ー〜~･・]+")
_ENDINGS = re.compile(
    r"(?:を?教えて(?:ください|下さい|ほしい|欲しい|いただけますか|もらえますか))$"
    r"|(?:(?:なの|なん|の|ん)?(?:でしょうか|ですか|ますか|ですよね|ですね|です|ます|だろうか|かな|か|ね|よ))$"
    r"|(?:なの|の|は|って)$"
)


def _hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in text)


def question_key(text: str) -> str:
    """The grouping key of an asked (already redacted) question: width, case, kana, spaces,
    punctuation and one polite ending folded away. Empty input gives an empty key."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _DROP.sub("", _hiragana(folded))
    stripped = _ENDINGS.sub("", folded)
    return (stripped or folded)[:KEY_CHARS]
