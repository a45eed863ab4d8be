"""Heading markers of Japanese notices and the path of headings a line sits under.

Japanese documents mark their levels with a family of markers (`1.` `１．` `1)` `（1）` `①`
`第1` `Ⅰ` `■` `●` `◆` `【…】` `＜…＞` `《…》` `[…]` …) whose order differs from one publisher to
the next. `HeadingStack` therefore learns the order from the document: a marker kind already open
closes everything below it, a new kind opens a level below the current one. Each symbol mark is
a kind of its own (`■` headings hold `●` items); whole-line brackets of every shape (`【…】`
`＜…＞` `《…》` `[…]`) are one kind, as publishers mix them on one level; a line wholly in
Markdown bold (`**1. 経緯**`) is read as its inner text. A bracketed label that text follows on the same line
(`【対象期間】2026年8月1日～…`) is a heading too, of kind `label`: its line says what it labels.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

_LIST_PREFIX = re.compile(r"^[\s\u3000]*(?:[-*]\s+)?")
_BRACKET = re.compile(
    r"^(?:<<(.+)>>|≪(.+)≫|《(.+)》|【(.+)】|＜＜(.+)＞＞|\[([^\[\]]+)\]|［([^［］]+)］|〔([^〔〕]+)〕)$"
)
_ANGLE = re.compile(r"^(?:[<＜〈](.+)[>＞〉])$")
_LABEL = re.compile(r"^(?:【[^】]{1,20}】|［[^］]{1,20}］|〔[^〕]{1,20}〕)(?=[\s\u3000]*\S)")
_BOLD = re.compile(r"^\*\*(.+?)\*\*$")
_UNITS = "年月日時分秒件名人枚円回歳%％万億個号"
_AFTER_UNIT = "間目末分後前以未超程余頃半"
"""What follows a unit in a count or a date (`1 日間`, `3 月末`): `2 名前` is a heading, `2 名の`
is not."""
_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(r"^第[0-9０-９一二三四五六七八九十]+[章節部項条]?(?:[\s\u3000]|$)")),
    (
        "number",
        re.compile(
            rf"^[0-9０-９]{{1,2}}(?:[.．、](?![0-9０-９])[\s\u3000]*(?=\S)"
            rf"|[\s\u3000]+(?=[^\s{_UNITS}]|[{_UNITS}](?![\s0-9０-９、。,，)）ぁ-ん{_AFTER_UNIT}])))"
        ),
    ),
    ("half_paren", re.compile(r"^[0-9０-９]{1,2}[)）][\s\u3000]*(?=[^\s)）])")),
    ("paren", re.compile(r"^[（(][0-9０-９]{1,2}[）)]")),
    ("circled", re.compile(r"^[①-⑳]")),
    ("roman", re.compile(r"^[ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩ](?:[.．、]|[\s\u3000]|$)")),
    ("small_roman", re.compile(r"^[ⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹ](?:[.．、]|[\s\u3000]|$)")),
)
_MARKS = "■□◆◇●○◎▼▽▲△★☆▶▷"
"""Symbol marks: each is a heading kind of its own (`mark■`, `mark●`)."""
SQUARE_KIND = "mark"
"""The prefix of a symbol mark's kind."""


@dataclass(frozen=True)
class Heading:
    """A heading line: its marker kind and its text (list prefix and outer spaces removed)."""

    kind: str
    text: str


def bracket_label(line: str) -> str | None:
    """The label of a whole-line bracket heading (`<<概要>>`, `≪…≫`, `【…】`), else None."""
    match = _BRACKET.match(line.strip())
    if match is None:
        return None
    return next(group for group in match.groups() if group is not None).strip()


def strip_list_prefix(line: str) -> tuple[int, str]:
    """Where the text of a line starts once indentation and a `- ` list marker are skipped."""
    match = _LIST_PREFIX.match(line)
    offset = match.end() if match else 0
    return offset, line[offset:].rstrip()


def path_label(heading: Heading) -> str:
    """What a heading puts in the section path: a labelled line's label (`【対象】`), else its
    text."""
    match = _LABEL.match(heading.text) if heading.kind == "label" else None
    return match.group(0) if match else heading.text


@functools.lru_cache(maxsize=8192)
def parse_heading(line: str) -> Heading | None:
    """The heading a line starts with, if any: numbered, parenthesised, circled, bracketed.

    Cached: the readers ask it of the same lines again and again (a line, its neighbours)."""
    _, text = strip_list_prefix(line)
    bold = _BOLD.match(text)
    if bold is not None:
        text = bold.group(1).strip()
    if not text:
        return None
    if bracket_label(text) is not None:
        return Heading("bracket", text)
    if _ANGLE.match(text):
        return Heading(
            "bracket", text
        )  # `＜…＞` and `【…】` mark one level wherever they are mixed
    if _LABEL.match(text):
        return Heading("label", text)
    if text[0] in _MARKS and len(text.lstrip(_MARKS + " \u3000")) > 0:
        return Heading(SQUARE_KIND + text[0], text)
    for kind, pattern in _MARKERS:
        if pattern.match(text):
            return Heading(kind, text)
    return None


@dataclass
class _Open:
    kind: str
    label: str
    leaf: bool


class HeadingStack:
    """The headings above the current line; a kind seen before closes the levels below it."""

    def __init__(self) -> None:
        self._open: list[_Open] = []

    def push(self, kind: str, label: str, *, leaf: bool = False) -> None:
        """Open a heading; a `leaf` heading is a passage of its own and holds no body text."""
        kinds = [item.kind for item in self._open]
        if kind in kinds:
            del self._open[kinds.index(kind) :]
        self._open.append(_Open(kind, label, leaf))

    def reset(self, kind: str, label: str) -> None:
        """Make `label` the only open heading (a table caption starts a new top-level part)."""
        self._open = [_Open(kind, label, False)]

    def close_leaves(self) -> None:
        """Close the leaf headings on top: text after them belongs to their parent."""
        while self._open and self._open[-1].leaf:
            self._open.pop()

    def has(self, kind: str) -> bool:
        """Whether a heading of this kind is open."""
        return any(item.kind == kind for item in self._open)

    @property
    def path(self) -> tuple[str, ...]:
        """The open headings, outermost first."""
        return tuple(item.label for item in self._open)
