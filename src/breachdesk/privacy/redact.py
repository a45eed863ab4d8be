"""Redaction (first cut by the lead so the web layer imports; the inquiries engineer owns and
replaces this module with the full version: full-width digits, My Number check digits, tests)."""

from __future__ import annotations

import re
import unicodedata

_MAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
_DIGITS = re.compile(r"\+?\d[\d\s()-]{8,}\d")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _number(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group())
    if 13 <= len(digits) <= 19 and _luhn(digits):
        return "[カード番号]"
    if 10 <= len(digits) <= 13:
        return "[電話番号]"
    return match.group()


def redact(text: str) -> str:
    """The text with card numbers, phone numbers and mail addresses replaced."""
    text = unicodedata.normalize("NFKC", text)
    return _DIGITS.sub(_number, _MAIL.sub("[メールアドレス]", text))


def redact_for_log(text: str) -> str:
    """`redact`, cut to 200 characters, for log lines."""
    out = redact(text)
    return out if len(out) <= 200 else out[:200] + "…"
