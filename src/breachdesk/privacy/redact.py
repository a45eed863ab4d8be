"""Redact personal data from free text before it is stored or logged.

Card numbers (13–19 digits, Luhn-checked), My Numbers (12 digits with the statutory check
digit), Japanese phone numbers and mail addresses become `[カード番号]`, `[マイナンバー]`,
`[電話番号]` and `[メールアドレス]`. Full-width digits and separators are recognised; only the
matched span is replaced, the rest of the text stays as written. The original is never kept.

Order of decisions for a run of digits: a Luhn-valid 13–19-digit number is a card; a 12-digit
number with a valid My Number check digit is a My Number; a number shaped like a Japanese phone
number (starting with 0 or +81, 10–11 digits) is a phone number; anything else (amounts, dates,
order numbers, postcodes) is left alone. A Luhn-failing 16-digit number is therefore not a card.
"""

from __future__ import annotations

import re
from collections import Counter

CARD = "[カード番号]"
MY_NUMBER = "[マイナンバー]"
PHONE = "[電話番号]"
MAIL = "[メールアドレス]"

_FULL = str.maketrans("０１２３４５６７８９－‐―ー（）＋　", "0123456789----()+ ")
_DIGIT = "0-9０-９"
_SEP = r"[ \-‐―－ー　()（）]"
# A run of digits with single separators between groups, optionally led by + / ＋ (for +81).
_NUMBER = re.compile(
    rf"(?<![{_DIGIT}])[+＋]?[{_DIGIT}](?:{_SEP}?[(（]?[{_DIGIT}][)）]?)*(?![{_DIGIT}])"
)
_MAIL = re.compile(r"[A-Za-z0-9._%+\-]+(?:@|＠)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check that every payment card number passes."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def my_number_valid(digits: str) -> bool:
    """The check digit of a 12-digit 個人番号 (施行令 第8条 / 施行規則 の算式).

    With the first 11 digits P_n (n = 1 the rightmost of them) and weights Q_n = n + 1 for
    n ≤ 6 and n − 5 for n ≥ 7, the remainder r = Σ P_n·Q_n mod 11 gives the check digit 0 when
    r ≤ 1, else 11 − r.
    """
    if len(digits) != 12 or not digits.isdigit():
        return False
    body = digits[:11]
    total = 0
    for n in range(1, 12):
        p = int(body[11 - n])
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    r = total % 11
    check = 0 if r <= 1 else 11 - r
    return check == int(digits[11])


def _phone_like(raw: str, digits: str) -> bool:
    if digits.startswith("81") and raw.lstrip().startswith(("+", "＋")):
        return 10 <= len(digits) <= 12
    return digits.startswith("0") and 10 <= len(digits) <= 11


def _classify(raw: str) -> str | None:
    normal = raw.translate(_FULL)
    digits = re.sub(r"\D", "", normal)
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return CARD
    if len(digits) == 12 and my_number_valid(digits) and not digits.startswith("0"):
        return MY_NUMBER
    if _phone_like(normal, digits):
        return PHONE
    if len(digits) == 12 and my_number_valid(digits):
        return MY_NUMBER
    return None


def redact_details(text: str) -> tuple[str, Counter[str]]:
    """The redacted text and how many of each kind were replaced (never the values)."""
    found: Counter[str] = Counter()

    def mail(match: re.Match[str]) -> str:
        found[MAIL] += 1
        return MAIL

    def number(match: re.Match[str]) -> str:
        raw = match.group()
        # A trailing separator or bracket is not part of the number.
        stripped = raw.rstrip(" -‐―－ー　(（")
        kind = _classify(stripped)
        if kind is None:
            return raw
        found[kind] += 1
        return kind + raw[len(stripped) :]

    out = _MAIL.sub(mail, text)
    out = _NUMBER.sub(number, out)
    return out, found


def redact(text: str) -> str:
    """The text with card numbers, My Numbers, phone numbers and mail addresses replaced."""
    return redact_details(text)[0]


def redact_for_log(text: str, limit: int = 200) -> str:
    """`redact`, cut to `limit` characters, for log lines."""
    out = redact(text)
    return out if len(out) <= limit else out[:limit] + "…"
