"""The text every fact finder reads: a folded copy of the same length, and span helpers.

Matching runs on a *folded* copy of the text (full-width digits, letters and punctuation become
ASCII; the many hyphen and tilde code points become ``-`` and ``~``), so offsets found in the
folded copy are offsets in the original.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import fields
from typing import TYPE_CHECKING, Any, Self, cast

from breachdesk import pacing

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_HYPHENS = "\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d"
_TILDES = "\uff5e\u301c\u223c"
# Long-vowel mark, em dash, horizontal bar and box line: dashes only between digits or times.
_CONTEXT_DASHES = "\u30fc\u2014\u2015\u2500\uff70"

_FOLD_TABLE: dict[int, str] = {
    **{0xFF10 + i: str(i) for i in range(10)},
    **{0xFF21 + i: chr(ord("A") + i) for i in range(26)},
    **{0xFF41 + i: chr(ord("a") + i) for i in range(26)},
    **{ord(c): "-" for c in _HYPHENS},
    **{ord(c): "~" for c in _TILDES},
    ord("＠"): "@",
    ord("："): ":",
    ord("（"): "(",
    ord("）"): ")",
    ord("／"): "/",
    ord("．"): ".",
    ord("，"): ",",
    ord("％"): "%",
    ord("＿"): "_",
    ord("＋"): "+",
    ord("＃"): "#",
    ord("？"): "?",
    ord("\u3000"): " ",
}


_CONTEXT_DASH = re.compile(f"[{_CONTEXT_DASHES}]")
_FOLD_PIECE = 16_384


def fold(text: str) -> str:
    """Return a same-length copy of `text` with width and dash variants folded to ASCII."""
    # A piece at a time: one translate of a whole incident's text (a megabyte) held the
    # interpreter for tens of milliseconds, and long work gives way in between (pacing).
    folded = "".join(
        text[i : i + _FOLD_PIECE].translate(_FOLD_TABLE)
        for i in pacing.paced(range(0, len(text), _FOLD_PIECE))
    )
    # Only the dashes are visited (ー is common in Japanese; visiting every character of an
    # incident's whole text took a tenth of a second).
    dashes = []
    for m in _CONTEXT_DASH.finditer(folded, 1, len(folded) - 1):
        i = m.start()
        before, after = folded[i - 1], folded[i + 1]
        if (before.isdigit() or before in "時分") and (after.isdigit() or after == "午"):
            dashes.append(i)
    if not dashes:
        return folded
    chars = list(folded)
    for i in dashes:
        chars[i] = "-"
    return "".join(chars)


URL = re.compile(r"(?:https?|ftp)://[\x21-\x7e]+")
"""Web addresses: digits inside them are never phones, dates or counts."""
SENTENCE_END = re.compile(r"[。!?\n]")


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(
            f.name for f in fields(cast("type[DataclassInstance]", cls))
        )
    return names


class PlainRecord:
    """`to_dict`/`from_dict` for frozen dataclasses whose fields are all JSON values already.

    Field names are read once per class (`dataclasses.asdict` and `fields` per record made
    an incident's facts, tens of thousands of records, take half a second each way).
    """

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of the fields."""
        return {name: getattr(self, name) for name in _field_names(type(self))}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild from `to_dict` output; unknown keys are ignored, missing ones take defaults."""
        names = _field_names(cls)
        built: Self = cast(Any, cls)(**{k: v for k, v in data.items() if k in names})
        return built


def overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps any of `spans`."""
    return any(s < end and start < e for s, e in spans)


class Spans:
    """Claimed [start, end) spans that never overlap, kept in order: whether a new span overlaps
    one is a binary search, not a scan (an incident's whole text has tens of thousands of dates,
    and scanning made its facts quadratic: seconds for 5,000 entries)."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in sorted(spans):
            if not self.overlaps(start, end):
                self.add(start, end)

    def overlaps(self, start: int, end: int) -> bool:
        """Whether [start, end) overlaps a claimed span."""
        # Claimed spans are disjoint and sorted, so their ends are sorted too: of those that
        # start before `end`, the last one reaches furthest.
        i = bisect_left(self._starts, end)
        return i > 0 and self._ends[i - 1] > start

    def add(self, start: int, end: int) -> None:
        """Claim [start, end), which must not overlap a claimed span."""
        i = bisect_left(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)


def line_around(folded: str, start: int, end: int) -> tuple[str, str]:
    """The text on the same line before `start` and after `end`."""
    line_start = folded.rfind("\n", 0, start) + 1
    line_end = folded.find("\n", end)
    return folded[line_start:start], folded[end : len(folded) if line_end < 0 else line_end]
