"""Normalising personal values, for blind indexes and comparison, and masking them for display.

The blind index of a value is `DataKey.blind(kind, normalise(kind, value))`, so the same person
written two ways finds the same row. Rules, each a judgement call:

- every value is NFKC-folded first (full-width letters and digits become ASCII) and trimmed;
- **mail**: lower-cased whole (providers treat the local part case-insensitively in practice);
- **phone**: digits only; a leading country code 81 (``+81 90…``) becomes ``0``;
- **customer** (customer, member or order number): trimmed, inner spaces removed, upper-cased;
- **postal**: digits only, must be 7; **birth**: an ISO date from ``1980-01-02``, ``1980/1/2``,
  ``19800102`` or ``1980年1月2日``;
- **name** / **kana**: spaces removed (compared, never indexed).

A value that normalises to nothing has no index.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

IDENTIFIERS = ("mail", "phone", "customer")
"""The kinds a person or an operator can look a record up by."""

_BIRTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")
_BIRTH_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NOT_DIGIT = re.compile(r"[^0-9]")
MAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def fold(value: str) -> str:
    if value.isascii():  # NFKC leaves ASCII as it is; most cells are ASCII
        return value.strip()
    return unicodedata.normalize("NFKC", value).strip()


def normalise_mail(value: str) -> str:
    return fold(value).lower()


def normalise_phone(value: str) -> str:
    digits = _NOT_DIGIT.sub("", fold(value))
    if digits.startswith("81") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    return digits


def normalise_customer(value: str) -> str:
    return re.sub(r"\s+", "", fold(value)).upper()


def normalise_postal(value: str) -> str:
    digits = _NOT_DIGIT.sub("", fold(value))
    return digits if len(digits) == 7 else ""


def normalise_birth(value: str) -> str:
    text = fold(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # ISO already: most lists
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            pass  # 1980-1-2 padded oddly, or not a date: the patterns below decide
    found = _BIRTH.fullmatch(text) or _BIRTH_COMPACT.fullmatch(text)
    if found is None:
        return ""
    try:
        return dt.date(*(int(g) for g in found.groups())).isoformat()
    except ValueError:
        return ""


def normalise_name(value: str) -> str:
    return re.sub(r"\s+", "", fold(value))


NORMALISERS = {
    "mail": normalise_mail,
    "phone": normalise_phone,
    "customer": normalise_customer,
    "postal": normalise_postal,
    "birth": normalise_birth,
    "name": normalise_name,
    "kana": normalise_name,
}


def normalise(kind: str, value: str) -> str:
    return NORMALISERS.get(kind, fold)(value)


# --- masking -----------------------------------------------------------------------------------


def mask_mail(value: str) -> str:
    """``taro@example.jp`` → ``t***@example.jp``."""
    local, _, domain = value.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(value: str) -> str:
    """``09012345678`` → ``090-****-5678``; shorter numbers keep only the last four digits."""
    digits = normalise_phone(value)
    if len(digits) >= 10:
        return f"{digits[:3]}-****-{digits[-4:]}"
    return f"****{digits[-4:]}" if digits else "***"


def mask_name(value: str) -> str:
    """The first character, the rest starred: ``山田太郎`` → ``山***``."""
    text = normalise_name(value)
    return f"{text[:1]}***" if text else ""


def mask_tail(value: str, keep: int = 2) -> str:
    """Everything starred but the last `keep` characters (customer numbers, postal codes)."""
    text = fold(value)
    if len(text) <= keep:
        return "*" * len(text)
    return "*" * (len(text) - keep) + text[-keep:]


def mask_address(value: str) -> str:
    """The prefecture and city as written up to the first digit, the rest starred:
    ``東京都千代田区一ツ橋2-1-1`` → ``東京都千代田区一ツ橋***``."""
    text = fold(value)
    for i, ch in enumerate(text):
        if ch.isdigit():
            return f"{text[:i]}***" if i else "***"
    return f"{text[: max(1, len(text) // 2)]}***"


def mask_birth(value: str) -> str:
    return "****-**-**" if value else ""


MASKERS = {
    "mail": mask_mail,
    "phone": mask_phone,
    "name": mask_name,
    "kana": mask_name,
    "customer": mask_tail,
    "postal": mask_tail,
    "address": mask_address,
    "birth": mask_birth,
}


def mask(kind: str, value: str) -> str:
    """A value as an operator sees it before revealing it. Card brand, the last four digits
    (already a mask), payment method and period are shown as they are."""
    if not value:
        return ""
    masker = MASKERS.get(kind)
    return masker(value) if masker else value
