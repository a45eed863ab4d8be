"""Heading markers of Japanese notices and the path of headings a line sits under.

Japanese documents mark their levels with a family of markers (`1`, `（1）`, `①`, `＜…＞`,
`≪…≫`…) whose order differs from one publisher to the next. `HeadingStack` therefore learns the
order from the document: a marker kind already open closes everything below it, a new kind opens
a level below the current one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LIST_PREFIX = re.compile(r"^[\s\u3000]*(?:[-*]\s+)?")
_BRACKET = re.compile(r"^(?:<<(.+)>>|≪(.+)≫|《(.+)》|【(.+)】|＜＜(.+)＞＞)$")
_ANGLE = re.compile(r"^(?:[<＜〈](.+)[>＞〉])$")
_UNITS = "年月日時分秒件名人枚円回歳%％万億個号"
_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(r"^第[0-9０-９一二三四五六七八九十]+[章節部項条]?(?:[\s\u3000]|$)")),
    (
        "number",
        re.compile(
            rf"^[0-9０-９]{{1,2}}(?:[.．、](?![0-9０-９])[\s\u3000]*|[\s\u3000]+)(?=[^\s{_UNITS}])"
        ),
    ),
    ("paren", re.compile(r"^[（(][0-9０-９]{1,2}[）)]")),
    ("circled", re.compile(r"^[①-⑳]")),
    ("square", re.compile(r"^[■◆□◇●]")),
)


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


def parse_heading(line: str) -> Heading | None:
    """The heading a line starts with, if any: numbered, parenthesised, circled, bracketed."""
    _, text = strip_list_prefix(line)
    if not text:
        return None
    if bracket_label(text) is not None:
        return Heading("bracket", text)
    if _ANGLE.match(text):
        return Heading("angle", text)
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
