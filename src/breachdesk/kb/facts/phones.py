"""Telephone numbers (with their kind: free dial, navi dial, mobile, landline, short, FAX) and mail."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .text import PlainRecord, line_around, overlaps

PhoneKind = Literal["freedial", "navi", "mobile", "landline", "short", "fax"]

_PHONE = re.compile(
    r"""
    (?<![\d\-/.#])
    (?P<a>\(0\d{1,4}\)|0\d{1,4})          # prefix (area code), maybe in parentheses
    (?P<s1>[ ]?-[ ]?|[ ])?
    (?P<b>\(\d{1,4}\)|\d{1,4})            # exchange, maybe in parentheses
    (?P<s2>[ ]?-[ ]?|[ ])?
    (?P<c>\d{3,4})                        # subscriber
    (?!\d)
    """,
    re.VERBOSE,
)
_SHORT_NUMBER = re.compile(r"(?<![\d\-#])(?P<num>1\d\d)[ ]?番")
_NO_AREA_CODE = "局番なし"
_FAX_BEFORE = re.compile(r"(?:FAX|ファックス|ファクス|ファクシミリ)[^\d\n]{0,8}$", re.IGNORECASE)
_TEL_AND_FAX = re.compile(r"(?:TEL|電話)[^\d\n]{0,3}(?:FAX|ファックス|ファクス)", re.IGNORECASE)
_FAX_AFTER = re.compile(r"^[ ]?\([ ]?(?:FAX|ファックス|ファクス)[ ]?\)", re.IGNORECASE)

_MAIL = re.compile(
    r"""
    (?<![A-Za-z0-9._%+\-])
    (?P<local>[A-Za-z0-9][A-Za-z0-9._%+\-]*)
    @
    (?P<domain>[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)+)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class PhoneFact(PlainRecord):
    """A telephone number as published, with its normalised form and kind.

    `number` is digits joined by hyphens: the published grouping when there is one, else the
    usual grouping for the prefix (landlines other than 03/06 stay plain digits).
    """

    raw: str
    start: int
    end: int
    number: str
    kind: PhoneKind

    @property
    def digits(self) -> str:
        """The number's digits only, e.g. ``0120112344``: the key to compare numbers by."""
        return self.number.replace("-", "")


@dataclass(frozen=True)
class MailFact(PlainRecord):
    """A mail address as published; `address` has ASCII characters and a lower-case domain."""

    raw: str
    start: int
    end: int
    address: str


def find_phones(text: str, folded: str, urls: list[tuple[int, int]]) -> Iterator[PhoneFact]:
    """Numbers outside URLs whose prefix and length are plausible, then 局番なし short numbers."""
    found: list[PhoneFact] = []
    for m in _PHONE.finditer(folded):
        if overlaps(urls, m.start(), m.end()):
            continue
        groups = [m["a"].strip("()"), m["b"].strip("()"), m["c"]]
        digits = "".join(groups)
        kind = _phone_kind(digits)
        if kind is None:
            continue
        # A hyphen, a space or a parenthesis separates two groups; keep the published grouping.
        parts = [groups[0]]
        for separator, group in (
            (m["s1"] or "(" in m["a"] + m["b"], groups[1]),
            (m["s2"] or "(" in m["b"], groups[2]),
        ):
            if separator:
                parts.append(group)
            else:
                parts[-1] += group
        number = "-".join(parts) if len(parts) > 1 else _group_digits(digits)
        before, after = line_around(folded, m.start(), m.end())
        if (_FAX_BEFORE.search(before) and not _TEL_AND_FAX.search(before)) or _FAX_AFTER.match(
            after
        ):
            kind = "fax"
        found.append(PhoneFact(text[m.start() : m.end()], m.start(), m.end(), number, kind))
    for m in _SHORT_NUMBER.finditer(folded):
        before, after = line_around(folded, m.start(), m.end())
        if _NO_AREA_CODE in before[-12:] or _NO_AREA_CODE in after[:8]:
            found.append(
                PhoneFact(text[m.start() : m.end()], m.start(), m.end(), m["num"], "short")
            )
    return iter(sorted(found, key=lambda f: f.start))


def _phone_kind(digits: str) -> PhoneKind | None:
    """Classify a Japanese number by its prefix and length; ``None`` when it is not plausible."""
    if digits.startswith("0120"):
        return "freedial" if len(digits) == 10 else None
    if digits.startswith("0800"):
        return "freedial" if len(digits) == 11 else None
    if digits.startswith("0570"):
        return "navi" if len(digits) == 10 else None
    if digits.startswith(("070", "080", "090")):
        return "mobile" if len(digits) == 11 else None
    if digits.startswith("050"):
        return "landline" if len(digits) == 11 else None
    if digits.startswith("00") or len(digits) != 10:
        return None
    return "landline"


def _group_digits(digits: str) -> str:
    """The usual hyphenation of an unseparated number, where the prefix makes it unambiguous."""
    if digits.startswith(("0120", "0570", "0800")):
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    if len(digits) == 11:
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if digits.startswith(("03", "06")):
        return f"{digits[:2]}-{digits[2:6]}-{digits[6:]}"
    return digits


def find_mails(text: str, folded: str) -> Iterator[MailFact]:
    """Mail addresses, full-width ＠ and letters included (they are folded first)."""
    for m in _MAIL.finditer(folded):
        address = f"{m['local']}@{m['domain'].lower()}"
        yield MailFact(text[m.start() : m.end()], m.start(), m.end(), address)
