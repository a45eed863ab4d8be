"""Counts: a number with its unit and qualifiers (`最大で460,395件`, `約6万名`, `500円`)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from .text import PlainRecord, overlaps

_COUNT = re.compile(
    r"""
    (?:(?P<pre>最大(?:で)?|最多で|約|およそ|概ね|おおむね|少なくとも|合計で?|計|全体で|総数で?)[ \t]*)?
    (?<![\d,.])
    (?P<num>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<frac>\d+))?
    [ \t]*(?P<mult>万|千|億)?[ \t]*
    (?P<unit>件|名|人|枚|円|割|%|パーセント)
    (?P<post>分|程度|以上|以下|前後|余り|超|弱|強)?
    """,
    re.VERBOSE,
)
_MULTIPLIER: Mapping[str, int] = {"千": 1_000, "万": 10_000, "億": 100_000_000}
_APPROXIMATE_WORDS = frozenset(
    {"約", "およそ", "概ね", "おおむね", "程度", "前後", "余り", "弱", "強"}
)


@dataclass(frozen=True)
class CountFact(PlainRecord):
    """A number with its unit (件, 名, 人, 枚, 円, 割, %): `最大で460,395件` → 460395 件, maximum.

    `approximate` for 約/およそ/程度…, `maximum` for 最大/以下, `minimum` for 少なくとも/以上.
    """

    raw: str
    start: int
    end: int
    value: int | float
    unit: str
    approximate: bool = False
    maximum: bool = False
    minimum: bool = False


def find_counts(text: str, folded: str, urls: list[tuple[int, int]]) -> Iterator[CountFact]:
    """Numbers followed by a unit, with the qualifiers written around them."""
    for m in _COUNT.finditer(folded):
        if overlaps(urls, m.start(), m.end()):
            continue
        number = int(m["num"].replace(",", ""))
        multiplier = _MULTIPLIER.get(m["mult"] or "", 1)
        value: int | float = number * multiplier
        if m["frac"]:
            value = float(f"{number}.{m['frac']}") * multiplier
            if value.is_integer():
                value = int(value)
        unit = "%" if m["unit"] == "パーセント" else m["unit"]
        pre, post = m["pre"] or "", m["post"] or ""
        yield CountFact(
            text[m.start() : m.end()],
            m.start(),
            m.end(),
            value,
            unit,
            approximate=pre in _APPROXIMATE_WORDS or post in _APPROXIMATE_WORDS,
            maximum=pre.startswith(("最大", "最多")) or post == "以下",
            minimum=pre.startswith("少なくとも") or post in ("以上", "超"),
        )
