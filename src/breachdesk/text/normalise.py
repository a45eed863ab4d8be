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


# Who a message claims to come from: askers name the organisation (「さくら書房を名乗るメール」),
# its documents say 当社 / 弊社 (「当社を名乗る電話やメールが来ました」). The name also sits in
# every letterhead and contact block, so matching it verbatim ranks those first.
_IMPERSONATED = re.compile(
    r"(?P<who>[^\s、。,.!?！？「」]{1,24}?)(?P<link>の名前を|の名を|を)"
    r"(?=名乗|なの|騙|かた|装|よそお)"
)
_SELF = ("当社", "弊社", "貴社", "御社")


def as_self_reference(text: str) -> str:
    """`text` with the sender a message impersonates written as 当社, the documents' word for
    the organisation (matching only; the stored question is never changed)."""

    def replace(match: re.Match[str]) -> str:
        return match.group(0) if match.group("who").endswith(_SELF) else "当社を"

    return _IMPERSONATED.sub(replace, text)
