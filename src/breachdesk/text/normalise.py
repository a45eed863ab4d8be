"""Text normalisation for matching only; stored and shown text is never changed."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_WAVES = str.maketrans({"〜": "~", "～": "~", "‐": "-", "‑": "-", "–": "-", "—": "-", "−": "-"})
# A run of hiragana containing the long-vowel mark is a loanword written in hiragana
# ("ぱすわーど"): fold it to katakana so it meets the katakana spelling of the documents.
_HIRAGANA_LOANWORD = re.compile(r"[ぁ-ゖ]*ー[ぁ-ゖー]*?(?=[のをがはにでともっ]|[^ぁ-ゖー]|$)")


_PARTICLES = "のをがはにでともへや"


def _to_katakana(match: re.Match[str]) -> str:
    run = match.group(0)
    head = ""
    if len(run) > 3 and run[0] in _PARTICLES:  # "会員のぱすわーど": the の is a particle
        head, run = run[0], run[1:]
    return head + "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in run)


def normalise(text: str) -> str:
    """NFKC, width folding, lower case, one kind of tilde and hyphen, no runs of white space."""
    text = unicodedata.normalize("NFKC", text).translate(_WAVES).lower()
    text = _HIRAGANA_LOANWORD.sub(_to_katakana, text)
    return _SPACE.sub(" ", text).strip()


def squeeze(text: str) -> str:
    """`normalise` without any white space: the form character n-grams are taken from."""
    return normalise(text).replace(" ", "")


def char_ngrams(text: str, n: int = 2) -> list[str]:
    """Overlapping character n-grams of the squeezed text (typo-tolerant matching)."""
    s = squeeze(text)
    if len(s) < n:
        return [s] if s else []
    return [s[i : i + n] for i in range(len(s) - n + 1)]
