"""What an organisation's own notice states about the leak itself: who publishes it, when it was
discovered, why and when it happened, and whether it came from unauthorised access — the facts
the 漏えい等報告 asks for first.

Pure functions over the texts of the imported entries (notice passages and FAQ answers), and
nothing composed: each fact is the organisation's sentence, quoted, plus the day it names.

Judgement calls, in one place:

- **Sentences** end at 。 or a line break; a fact is read from one sentence only.
- **発覚日**: the first sentence that says the leak became known (発覚, 判明, 連絡を受け,
  連絡があり, 指摘を受け, 検知, 認識) and names a single day. A day that opens or closes a
  period (…から, …まで, …にわたって, ~) is the period of the leak, not its discovery, and is
  skipped. A month and day without a year take the year last written before them in the same
  text (notices write the year once); 令和/平成 years are converted.
- **原因**: the first sentence that attributes the leak (…が原因, …ことが原因, 原因は…,
  原因と判明); a sentence that only mentions 原因 (「流出原因の防止」) does not count.
- **発生日**: the first period (from a day to a day) in a sentence about the exposure or the
  unauthorised access, else the first day of an unauthorised-access sentence.
- **不正アクセス等** (施行規則 第7条第3号, the 60-day 確報): the first sentence stating an attack
  — 不正アクセス, 不正にアクセス, 不正な手段, 不正ログイン, サイバー攻撃, 攻撃を受け,
  ランサムウェア, マルウェア, ウイルス感染, SQLインジェクション, 窃取, 不正に持ち出し. Not a
  question (…か？), not a denial after the word (確認されておりません, ございません, …), not
  advice about preventing one (不正アクセス対策, 不正ログインにご注意, …). 改ざん alone does not
  count (a falsified audit report is not an attack), nor 盗難 (a lost or stolen card is the
  person's, not the organisation's).
- **報告者**: the name the text gives itself (``日本赤十字社(以下「当社」)``), else the last
  signature line — a line that is only an organisation with a legal form (株式会社…, …株式会社,
  一般社団法人…) and at most a department, a title and a name after it (``株式会社 スカイトップ
  トレーディング 代表取締役 …`` gives ``株式会社 スカイトップトレーディング``). Another company the
  text names (``株式会社メタップスペイメント(以下「メタップス社」)``) is never the reporter.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

_SENTENCE = re.compile(r"[^。\n]+。?")
_DAY = re.compile(
    r"(?:(?P<era>令和|平成)(?P<era_year>\d{1,2}|元)年|(?P<year>\d{4})年)?"
    r"(?P<month>\d{1,2})月(?P<day>\d{1,2})日"
)
_YEAR = re.compile(r"(?:(令和|平成)(\d{1,2}|元)|(\d{4}))年")
_ERAS = {"令和": 2018, "平成": 1988}
_DISCOVERY = re.compile(r"発覚|判明|連絡を受け|連絡があり|指摘を受け|検知|認識")
_PERIOD_EDGE = re.compile(
    r"^\s*(?:\([^)]*\)|（[^）]*）)?\s*(?:から|まで|にわたって|にかけて|~|〜|～|-|－|より)"
)
_CAUSE = re.compile(r"が原因|ことが原因|原因は|原因と判明|原因であ")
_ATTACK = re.compile(r"不正アクセス|不正にアクセス|改ざん|攻撃")
_OCCURRENCE = re.compile(r"不正アクセス|不正にアクセス|改ざん|攻撃|期間|対象")
_UNAUTHORISED = re.compile(
    r"不正アクセス|不正にアクセス|不正な手段|不正な方法|不正ログイン|サイバー攻撃|標的型攻撃"
    r"|攻撃を受け|ランサムウェア|マルウェア|ウイルスに感染|ウイルス感染|SQLインジェクション"
    r"|窃取|不正に持ち出"
)
_DENIAL = re.compile(
    r"(?:確認|認め|検知|検出|発見)(?:は|が)?(?:され|られ|でき|出来)?(?:て)?(?:い|お)?(?:り)?"
    r"(?:ません|ない|ず)|ありません|ございません|ではな|事実はな|可能性はな|可能性は低"
)
_PREVENTION = re.compile(
    r"^(?:の|を|へ|に|等|など)?(?:防止|対策|防|されないよう|に備え|未然|ご?注意|警戒|予防)"
)
_LEGAL_FORM = (
    "株式会社|有限会社|合同会社|合資会社|合名会社|一般社団法人|一般財団法人|公益社団法人"
    "|公益財団法人|学校法人|医療法人|社会福祉法人|特定非営利活動法人|独立行政法人|国立大学法人"
)
_NAME_CHARS = r"[^\s、。,，「」『』()（）:：・]"
_SELF_NAMED = re.compile(
    rf"(?P<name>{_NAME_CHARS}{{2,40}}?)\s*\(以下[、,]?\s*「"
    r"(?:当社|弊社|当法人|本法人|当組合|当機構|当行|当団体|当会|本会|当院|本学|当市|本市|当町|当県|本県)」"
)
_SIGNATURE = re.compile(
    rf"(?P<name>(?:{_LEGAL_FORM})\s?{_NAME_CHARS}+|{_NAME_CHARS}+?(?:{_LEGAL_FORM}))"
    r"(?:\s+\S+){0,3}"
)


@dataclass(frozen=True)
class Quote:
    """A sentence of the organisation's, and the day it names (if the fact is a day)."""

    sentence: str
    day: date | None = None
    until: date | None = None
    """The last day, when the fact is a period (発生日 as an exposure period)."""

    def day_text(self) -> str:
        """The day (or period) in Japanese, e.g. 2026年9月3日 or 2026年3月1日〜2026年8月31日."""
        if self.day is None:
            return ""
        first = f"{self.day.year}年{self.day.month}月{self.day.day}日"
        if self.until is None:
            return first
        return f"{first}〜{self.until.year}年{self.until.month}月{self.until.day}日"


@dataclass(frozen=True)
class Named:
    """A name the text gives (the organisation), and the sentence or line it is given in."""

    name: str
    sentence: str


@dataclass(frozen=True)
class NoticeFacts:
    """The leak's discovery day, cause, time of occurrence, whether it came from unauthorised
    access, and who publishes the notice, as the notice states them."""

    discovered: Quote | None = None
    cause: Quote | None = None
    occurred: Quote | None = None
    unauthorised: Quote | None = None
    """The sentence stating unauthorised access (不正アクセス等): the 確報 is due in 60 days."""
    organisation: Named | None = None


@dataclass(frozen=True)
class _Day:
    day: date
    start: int
    end: int


def _era_year(era: str | None, number: str) -> int:
    value = 1 if number == "元" else int(number)
    return _ERAS[era] + value if era else value


def _days(sentence: str, year: int | None) -> tuple[list[_Day], int | None]:
    """The days of a sentence (years carried over from `year`), and the year last written."""
    found: list[_Day] = []
    for match in _DAY.finditer(sentence):
        if match["year"]:
            year = int(match["year"])
        elif match["era"]:
            year = _era_year(match["era"], match["era_year"])
        if year is None:
            continue
        try:
            found.append(_Day(date(year, int(match["month"]), int(match["day"])), *match.span()))
        except ValueError:
            continue
    for match in _YEAR.finditer(sentence):  # a year written alone ("2026年の…") carries too
        year = _era_year(match[1], match[2]) if match[1] else int(match[3])
    return found, year


def _sentences(texts: Iterable[str]) -> Iterable[tuple[str, list[_Day]]]:
    for text in texts:
        year: int | None = None
        for match in _SENTENCE.finditer(unicodedata.normalize("NFKC", text)):
            sentence = match.group().strip()
            if not sentence:
                continue
            days, year = _days(sentence, year)
            yield sentence, days


def _single_days(sentence: str, days: list[_Day]) -> list[_Day]:
    """The days that stand alone, not the ends of a period."""
    alone = []
    for d in days:
        if _PERIOD_EDGE.match(sentence[d.end :]):
            continue
        if sentence[: d.start].rstrip().endswith(("~", "〜", "～", "から")):
            continue
        alone.append(d)
    return alone


def notice_facts(texts: Iterable[str]) -> NoticeFacts:
    """The discovery day, the cause, the time of occurrence, unauthorised access and the
    organisation the texts state (see the module docstring for how each is recognised); a fact
    nothing states is `None`."""
    texts = list(texts)
    discovered = cause = occurred = unauthorised = None
    for sentence, days in _sentences(texts):
        if unauthorised is None and _states_unauthorised_access(sentence):
            unauthorised = Quote(sentence)
        if discovered is None and _DISCOVERY.search(sentence):
            single = _single_days(sentence, days)
            if single:
                discovered = Quote(sentence, single[0].day)
        if cause is None and _CAUSE.search(sentence) and not sentence.rstrip("。").endswith("?"):
            cause = Quote(sentence)
        if occurred is None and _OCCURRENCE.search(sentence) and days:
            period = _period(sentence, days)
            if period is not None:
                occurred = period
            elif _ATTACK.search(sentence):
                on = [d for d in days if re.match(r"(?:頃|ごろ)?(?:に|、)", sentence[d.end :])]
                occurred = Quote(sentence, on[0].day) if on else None
    return NoticeFacts(discovered, cause, occurred, unauthorised, _organisation(texts))


def _states_unauthorised_access(sentence: str) -> bool:
    """Whether the sentence says an attack happened: not asked, denied or warned against."""
    if sentence.rstrip("。 ").endswith(("?", "？", "か")):
        return False
    for match in _UNAUTHORISED.finditer(sentence):
        after = sentence[match.end() :]
        if _PREVENTION.match(after) or _DENIAL.search(after):
            continue
        return True
    return False


def _organisation(texts: list[str]) -> Named | None:
    """The name the text gives itself (…(以下「当社」)), else the last signature line's."""
    signature: Named | None = None
    for text in texts:
        folded = unicodedata.normalize("NFKC", text)
        for sentence in _SENTENCE.finditer(folded):
            found = _SELF_NAMED.search(sentence.group())
            if found:
                return Named(found["name"].strip(), sentence.group().strip())
        for line in folded.splitlines():
            line = " ".join(line.split())
            if len(line) <= 40 and (found := _SIGNATURE.fullmatch(line)):
                signature = Named(found["name"].strip(), line)
    return signature


def _period(sentence: str, days: list[_Day]) -> Quote | None:
    for first, last in itertools.pairwise(days):
        between = sentence[first.end : last.start]
        if (
            len(between) <= 12
            and re.search(r"から|~|〜|～|より", between)
            and first.day <= last.day
        ):
            return Quote(sentence, first.day, last.day)
    return None
