"""Property: no generated card number, phone number, mail address or My Number survives
redaction, in any width, with any separator, in any order, beside any other.

The check reads the output the way an attacker would: normalised (NFKC, every digit and
separator folded) with every non-digit removed, the value's digits must not appear; a mail
address must not appear in the normalised, lower-cased output.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from breachdesk.privacy.redact import (
    CARD,
    MAIL,
    MY_NUMBER,
    PHONE,
    luhn_valid,
    my_number_valid,
    normalise,
    redact_details,
)

# Every separator a person or an IME produces between digit groups, alone and padded.
SEPARATORS = [
    *" \u00a0\u2009\u202f\u3000\u200b\u2060-‐‑‒–—―−ー－ｰ〜～.．。・･·/／,，、",
    " - ",
    "\u00a0-\u00a0",
    " . ",
    "　－　",
]
KANJI = "〇一二三四五六七八九"
FULL = "０１２３４５６７８９"
ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
# Card brands: prefix and the lengths it is issued in (14–19 digits).
BRANDS = [
    ("4", (16, 19)),  # Visa
    ("51", (16,)),
    ("55", (16,)),
    ("2221", (16,)),  # Mastercard
    ("34", (15,)),
    ("37", (15,)),  # American Express
    ("36", (14,)),
    ("300", (14,)),  # Diners Club
    ("3528", (16, 17, 18, 19)),
    ("3589", (16,)),  # JCB
    ("6011", (16, 19)),
    ("65", (16,)),  # Discover
    ("62", (16, 17, 18, 19)),  # UnionPay
]

digits_of = st.integers(0, 9).map(str)


def luhn_complete(body: str) -> str:
    return next(body + str(c) for c in range(10) if luhn_valid(body + str(c)))


@st.composite
def cards(draw: st.DrawFn) -> str:
    prefix, lengths = draw(st.sampled_from(BRANDS))
    length = draw(st.sampled_from(lengths))
    rest = draw(st.lists(digits_of, min_size=length - len(prefix) - 1, max_size=length - 1))
    return luhn_complete((prefix + "".join(rest))[: length - 1])


@st.composite
def phones(draw: st.DrawFn) -> tuple[str, list[int]]:
    """A Japanese phone number's digits and its usual grouping."""
    kind = draw(st.sampled_from(["mobile", "landline", "freedial", "navi"]))
    if kind == "mobile":
        digits = draw(st.sampled_from(["070", "080", "090"])) + "".join(
            draw(st.lists(digits_of, min_size=8, max_size=8))
        )
        return digits, [3, 4, 4]
    if kind == "freedial":
        return "0120" + "".join(draw(st.lists(digits_of, min_size=6, max_size=6))), [4, 3, 3]
    if kind == "navi":
        return "0570" + "".join(draw(st.lists(digits_of, min_size=6, max_size=6))), [4, 3, 3]
    # 0 + area code (2–5 digits with the 0), exchange, 4-digit subscriber: 10 digits in all.
    area = draw(st.integers(1, 4))
    head = "0" + str(draw(st.integers(1, 9)))
    rest = draw(st.lists(digits_of, min_size=8, max_size=8))
    return head + "".join(rest), [area + 1, 5 - area, 4]


def my_number_complete(body: str) -> str:
    return next(body + str(c) for c in range(10) if my_number_valid(body + str(c)))


my_numbers = st.lists(digits_of, min_size=11, max_size=11).map(
    lambda d: my_number_complete("".join(d))
)


@st.composite
def write_digits(draw: st.DrawFn, digits: str, groups: list[int] | None = None) -> str:
    """The digits as someone might type them: a width, a grouping, separators."""
    style = draw(st.sampled_from(["ascii", "full", "mixed", "kanji", "arabic"]))
    if groups is None or draw(st.booleans()):
        sizes: list[int] = []
        left = len(digits)
        while left:
            size = min(left, draw(st.integers(1, 6)))
            sizes.append(size)
            left -= size
        groups = sizes
    same = draw(st.booleans())
    sep = draw(st.sampled_from(SEPARATORS))
    out = []
    position = 0
    for k, size in enumerate(groups):
        if k:
            out.append(sep if same else draw(st.sampled_from(SEPARATORS)))
        for d in digits[position : position + size]:
            pick = style if style != "mixed" else draw(st.sampled_from(["ascii", "full"]))
            out.append(
                {
                    "ascii": d,
                    "full": FULL[int(d)],
                    "kanji": KANJI[int(d)],
                    "arabic": ARABIC_INDIC[int(d)],
                }[pick]
            )
        position += size
    return "".join(out)


WIDE = str.maketrans(
    "abcdefghijklmnopqrstuvwxyz0123456789.@-_",
    "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ０１２３４５６７８９．＠－＿",
)
local_part = st.from_regex(r"[a-z][a-z0-9._+\-]{0,14}[a-z0-9]", fullmatch=True)
domain = st.from_regex(r"[a-z][a-z0-9\-]{0,10}[a-z0-9](\.[a-z]{2,6}){1,2}", fullmatch=True)


@st.composite
def personal_data(draw: st.DrawFn) -> tuple[str, str, str]:
    """(kind, what must not survive, as written)."""
    kind = draw(st.sampled_from([CARD, PHONE, MAIL, MY_NUMBER]))
    if kind == CARD:
        number = draw(cards())
        return kind, number, draw(write_digits(number))
    if kind == MY_NUMBER:
        number = draw(my_numbers)
        return kind, number, draw(write_digits(number, [4, 4, 4]))
    if kind == PHONE:
        number, groups = draw(phones())
        if draw(st.booleans()):
            international = "81" + number[1:]
            written = draw(write_digits(number[1:], groups[:1] and [groups[0] - 1, *groups[1:]]))
            lead = draw(st.sampled_from(["+81 ", "+81-", "＋８１ ", "+81 (0)", "+81"]))
            return kind, international[2:], lead + written
        return kind, number, draw(write_digits(number, groups))
    address = draw(local_part) + "@" + draw(domain)
    written = address.translate(WIDE) if draw(st.booleans()) else address
    return kind, address, written


noise = st.text(alphabet="あいうえおカード番号漢字はのでに、。「」（） \u3000ABCxyz", max_size=12)
joiners = st.sampled_from([" ", "、", "\u3000", "\n", "と", " / ", "。", ", "])


def digits_only(text: str) -> str:
    return re.sub(r"[^0-9]", "", normalise(text)[0])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(noise, personal_data(), joiners), min_size=1, max_size=4), noise)
def test_no_generated_personal_data_survives_redaction(
    parts: list[tuple[str, tuple[str, str, str], str]], tail: str
) -> None:
    text = "".join(
        f"{before}{joiner}{written}{joiner}" for before, (_, _, written), joiner in parts
    )
    text += tail
    out, found = redact_details(text)
    readable = normalise(out)[0].lower()
    remaining_digits = digits_only(out)
    for _, value, written in (p[1] for p in parts):
        if "@" in value:
            assert value not in readable, (written, out)
        else:
            assert value not in remaining_digits, (written, out)
    # Every value was found at least once (a run of several may be read as fewer findings
    # only when all their digits are covered, which the checks above already require).
    assert sum(found.values()) >= 1


@settings(max_examples=150, deadline=None)
@given(personal_data(), personal_data())
def test_no_generated_personal_data_reaches_the_access_log(
    value: tuple[str, str, str], name: tuple[str, str, str]
) -> None:
    """In a query value of a declared parameter, or as a parameter's name, nothing survives the
    line the access log writes."""
    from urllib.parse import quote_plus

    from breachdesk.web.middleware import redacted_target

    query = f"q={quote_plus(value[2])}&{quote_plus(name[2])}=1&limit=5"
    line = redacted_target(
        {"path": "/i/shop", "query_string": query.encode()}, known=frozenset({"q", "limit"})
    )
    readable = normalise(line)[0].lower()
    for _, secret, written in (value, name):
        if "@" in secret:
            assert secret not in readable, (written, line)
        else:
            assert secret not in digits_only(line), (written, line)
    assert "limit=5" in line
