"""Redact personal data from free text before it is stored or logged.

Card numbers (13–19 digits, Luhn-checked), My Numbers (12 digits with the statutory check
digit), Japanese phone numbers and mail addresses become `[カード番号]`, `[マイナンバー]`,
`[電話番号]` and `[メールアドレス]`. Only the matched span is replaced, the rest of the text
stays as written. The original is never kept.

Detection runs on a normalised copy of the text, so that the forms people actually type are
recognised (each character of the copy remembers which original character it came from, and
the replacement is made in the original):

- NFKC, character by character: full-width digits, letters, `＠`, `．`, `＋` become ASCII;
- every Unicode decimal digit (Arabic-Indic, Devanagari…) and the kanji digits 〇一二…九 (零)
  become 0–9 (a phone number written in kanji is still a phone number);
- every space (non-breaking, thin, ideographic, tabs, line breaks) and invisible format
  character (zero-width space, word joiner, soft hyphen, BOM) is a space;
- every dash (hyphens, en/em dashes, minus, ー, 〜 and ～) is `-`; every dot (`。`, `・`, `·`,
  `•`) is `.`; `、` is `,`.

A number is a run of digit groups joined by up to four separators (spaces, dashes, dots, commas,
slashes, brackets): `5555 - 5555 - 5555 - 4444`, `3782.822463.10005`, `090.8765.4321`. Within a
run, the groups are split into the spans that explain the most digits as personal data, so a
card number followed by a phone number (`4111 1111 1111 1111、090 1234 5678`) is two findings,
not one 27-digit number that is neither. A run of digits with no separator is never split.

Order of decisions for a span: a Luhn-valid 13–19-digit number is a card; a 12-digit number with
a valid My Number check digit is a My Number; a number shaped like a Japanese phone number
(0 and 10–11 digits; after a +, 81 and the national number) is a phone number; anything else (amounts,
dates, order numbers, postcodes) is left alone. A Luhn-failing 16-digit number is therefore not
a card.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

CARD = "[カード番号]"
MY_NUMBER = "[マイナンバー]"
PHONE = "[電話番号]"
MAIL = "[メールアドレス]"

_KANJI_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0"}
_DASHES = frozenset("-‐‑‒–—―−ーｰ﹣－˗⁃〜～~")
_DOTS = frozenset(".。｡・･·•‧∙․")
_COMMAS = frozenset("、､,，")
# After folding: a run of digit groups with up to four separators between groups.
_NUMBER = re.compile(r"\+?[0-9]+(?:[ \-.,/()]{1,4}[0-9]+)*")
_GROUP = re.compile(r"[0-9]+")
_MAIL = re.compile(r"[A-Za-z0-9._%+\-]+ ?@ ?[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_LONGEST = 19  # the longest card number; no finding spans more digits
_MASKED = "\x00"  # stands in for a found mail so its digits are not read again


@lru_cache(maxsize=8192)
def _fold(ch: str) -> str:
    """One character as detection sees it (see the module docstring)."""
    if ch in _KANJI_DIGITS:
        return _KANJI_DIGITS[ch]
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    if ch.isspace() or unicodedata.category(ch) == "Cf":
        return " "
    out = []
    for c in unicodedata.normalize("NFKC", ch):
        if c in _DASHES or unicodedata.category(c) == "Pd":
            out.append("-")
        elif c in _DOTS:
            out.append(".")
        elif c in _COMMAS:
            out.append(",")
        elif c.isspace():
            out.append(" ")
        else:
            out.append(c)
    return "".join(out)


def normalise(text: str) -> tuple[str, list[int]]:
    """The folded text, and for each of its characters the index of the original one."""
    pieces: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii() and not ch.isspace() and ch not in "-.,~":
            pieces.append(ch)
            origin.append(i)
            continue
        folded = _fold(ch)
        pieces.append(folded)
        origin.extend([i] * len(folded))
    return "".join(pieces), origin


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


def _phone_like(digits: str, plus: bool) -> bool:
    if plus and digits.startswith("81"):
        national = digits[2:]
        national = national[1:] if national.startswith("0") else national  # +81 (0)90…
        return 9 <= len(national) <= 10
    return digits.startswith("0") and 10 <= len(digits) <= 11


def classify(digits: str, *, plus: bool = False) -> str | None:
    """The kind of personal data a run of digits is (`plus`: written after a +), or None."""
    if plus:  # +81 and a national number is a phone, whatever else its digits might pass
        return PHONE if _phone_like(digits, plus) else None
    if 13 <= len(digits) <= 19 and luhn_valid(digits):
        return CARD
    if len(digits) == 12 and my_number_valid(digits) and not digits.startswith("0"):
        return MY_NUMBER
    if _phone_like(digits, plus):
        return PHONE
    if len(digits) == 12 and my_number_valid(digits):
        return MY_NUMBER
    return None


def _findings(run: str, start: int) -> list[tuple[int, int, str]]:
    """The (start, end, kind) spans of a number run that explain the most digits.

    A small dynamic programme over the run's digit groups: each span is a sequence of whole
    groups of at most 19 digits; ties go to fewer, longer spans. A leading + makes the first
    span a phone number when it can be one (+81…), and is part of that span.
    """
    plus = run.startswith("+")
    groups = [(m.start(), m.end()) for m in _GROUP.finditer(run)]
    n = len(groups)
    # best[i]: (digits covered, -spans) for groups i.., and the chosen (j, kind, +) at i.
    best: list[tuple[int, int]] = [(0, 0)] * (n + 1)
    choice: list[tuple[int, str, bool] | None] = [None] * (n + 1)
    for i in range(n - 1, -1, -1):
        best[i], choice[i] = best[i + 1], None
        digits = ""
        for j in range(i, n):
            digits += run[groups[j][0] : groups[j][1]]
            if len(digits) > _LONGEST:
                break
            with_plus = plus and i == 0 and classify(digits, plus=True) is not None
            kind = classify(digits, plus=with_plus)
            if kind is None:
                continue
            after = best[j + 1]
            score = (after[0] + len(digits), after[1] - 1)
            if score > best[i]:
                best[i], choice[i] = score, (j, kind, with_plus)
    spans = []
    i = 0
    while i < n:
        chosen = choice[i]
        if chosen is None:
            i += 1
            continue
        j, kind, with_plus = chosen
        first = 0 if with_plus else groups[i][0]
        spans.append((start + first, start + groups[j][1], kind))
        i = j + 1
    return spans


def find_personal_data(text: str) -> list[tuple[int, int, str]]:
    """Every (start, end, kind) of personal data in `text`, in order, indexes into `text`."""
    if not text:
        return []
    norm, origin = normalise(text)
    spans: list[tuple[int, int, str]] = []
    for m in _MAIL.finditer(norm):
        spans.append((m.start(), m.end(), MAIL))
    if spans:
        chars = list(norm)
        for s, e, _ in spans:
            chars[s:e] = _MASKED * (e - s)
        norm = "".join(chars)
    for m in _NUMBER.finditer(norm):
        spans.extend(_findings(m.group(), m.start()))
    spans.sort()
    return [(origin[s], origin[e - 1] + 1, kind) for s, e, kind in spans]


def redact_details(text: str) -> tuple[str, Counter[str]]:
    """The redacted text and how many of each kind were replaced (never the values)."""
    found: Counter[str] = Counter()
    out: list[str] = []
    position = 0
    for start, end, kind in find_personal_data(text):
        if start < position:  # one original character folded into two findings
            position = max(position, end)
            continue
        out.append(text[position:start])
        out.append(kind)
        found[kind] += 1
        position = end
    out.append(text[position:])
    return "".join(out), found


def redact(text: str) -> str:
    """The text with card numbers, My Numbers, phone numbers and mail addresses replaced."""
    return redact_details(text)[0]


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def redact_for_log(text: str, limit: int = 200) -> str:
    """`redact`, cut to `limit` characters, with control characters escaped (a line break in a
    query must not forge a second log line), for log lines."""
    out = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", redact(text))
    return out if len(out) <= limit else out[:limit] + "…"
