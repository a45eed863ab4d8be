"""Facts read off Japanese breach notices: phones, mail, hours, closed days, dates, counts, items.

`extract_facts(text)` is a pure function: text in, a `Facts` value out. Every fact keeps the
text it was read from (`raw`, a verbatim slice of the input) and its `start`/`end` character
offsets, so a caller can show or highlight exactly what was published.

Matching runs on a *folded* copy of the text of the same length (full-width digits, letters
and punctuation become ASCII; the many hyphen and tilde code points become ``-`` and ``~``),
so offsets found in the folded copy are offsets in the original.

Rules worth knowing (each is a judgement call, documented here once):

- **Year inference.** A date written without a year (``6月30日``, ``7/29``) takes the year of
  the nearest *preceding* date in the same text that states one (西暦 or 和暦, day or month
  precision) and is marked ``year_inferred``; with no such date its year stays ``None``. A bare
  year (``2017年サイバー攻撃``) is not an anchor. In a range whose end was inferred and falls
  before its start, the end rolls over to the next year; a yearless range start takes its year
  from an explicit range end (the year before when its month is later).
- **和暦.** 令和元年 = 2019, 平成元年 = 1989, 昭和元年 = 1926, 大正元年 = 1912. A Gregorian year
  in parentheses after the era year (``令和2年（2020）``) is accepted and ignored.
- **Closed days.** A `DaysRule` says which days a desk is open. Anything a published rule does
  not mention is open (``年末年始を除く`` alone means open at weekends); an absent rule is
  ``DaysRule()``, open every day. 年末年始 is 12/29–1/3 unless a rule says otherwise.
- **Phones.** 0120/0800 are ``freedial``, 0570 ``navi``, 070/080/090 ``mobile``, other
  ``0…`` numbers of 10 digits (and 050 of 11) ``landline``; a 3-digit ``…番`` written with
  局番なし is ``short``; any number labelled FAX right before or after is ``fax``.
- **Leaked items.** Term spotting over a small vocabulary (`ITEM_VOCABULARY`). An item is
  ``negated`` when the rest of its sentence denies the leak before affirming one
  (``漏えいしていない``, ``含まれておりません``, ``事実は確認されておりません``); sentences that ask
  (ending in ``か`` or ``?``) are flagged ``in_question`` and never negated.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Literal, Self, cast

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

PhoneKind = Literal["freedial", "navi", "mobile", "landline", "short", "fax"]
DatePrecision = Literal["day", "month"]
RangeKind = Literal["between", "since", "after", "until", "before"]

# --------------------------------------------------------------------------------------------
# Folding: one character in, one character out, so offsets survive.
# --------------------------------------------------------------------------------------------

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


def _fold(text: str) -> str:
    """Return a same-length copy of `text` with width and dash variants folded to ASCII."""
    folded = text.translate(_FOLD_TABLE)
    if not any(c in folded for c in _CONTEXT_DASHES):
        return folded
    chars = list(folded)
    for i in range(1, len(chars) - 1):
        if (
            chars[i] in _CONTEXT_DASHES
            and (chars[i - 1].isdigit() or chars[i - 1] in "時分")
            and (chars[i + 1].isdigit() or chars[i + 1] == "午")
        ):
            chars[i] = "-"
    return "".join(chars)


_URL = re.compile(r"(?:https?|ftp)://[\x21-\x7e]+")
_SENTENCE_END = re.compile(r"[。!?\n]")

# --------------------------------------------------------------------------------------------
# Phones and mail
# --------------------------------------------------------------------------------------------

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

# --------------------------------------------------------------------------------------------
# Hours and closed days
# --------------------------------------------------------------------------------------------


def _time_pattern(p: str) -> str:
    """One clock time, `9:00`, `9時`, `9時30分`, `午後5時`, with group names prefixed by `p`."""
    return rf"""
        (?:(?P<{p}ap>午前|午後|AM|PM|am|pm)[ ]?)?
        (?P<{p}h>2[0-4]|[01]?\d)[ ]?
        (?: :[ ]?(?P<{p}m>[0-5]\d)
          | 時(?:[ ]?(?P<{p}m2>[0-5]?\d)[ ]?分|(?P<{p}half>半))?
        )
    """


_HOURS = re.compile(
    rf"""
    (?<!\d)(?<!\d:)
    {_time_pattern("o")}
    [ \t]*(?:~|-|から)[ \t]*
    {_time_pattern("c")}
    (?![\d:])
    (?:[ ]?まで)?
    """,
    re.VERBOSE,
)
_ALL_DAY = re.compile(r"24時間(?:[ ]?365日)?(?:受付|対応|営業|稼働|体制)")

_DAY_TOKENS = (
    r"(?:年末年始|土曜日?|日曜日?|祝祭日|祝日|祭日|祝|土|日|・|、|,|/|及び|および|と|[ \t])"
)
_CLOSED_DAYS = re.compile(
    rf"""
    (?<![\u4e00-\u9fff])
    (?P<body>{_DAY_TOKENS}*(?:年末年始|土曜日?|日曜日?|祝祭日|祝日|祭日|祝|土|日))
    (?:を|は)?[ ]?
    (?:除く|除き|除いた|休み|休業日?|定休日?)
    """,
    re.VERBOSE,
)
_OPEN_DAYS = re.compile(
    rf"""
    (?<![\u4e00-\u9fff])
    (?P<body>{_DAY_TOKENS}*(?:土曜日?|日曜日?|祝祭日|祝日|祭日|祝|土|日))
    [ ]?(?:も|を含む|含め)[ ]?
    (?:受付|受け付け|営業|対応|稼働|開設|ご利用|利用)
    """,
    re.VERBOSE,
)
_EVERY_DAY = re.compile(r"年中無休|365日(?:受付|対応|営業|稼働)?|無休")
_WEEKDAYS_ONLY = re.compile(r"平日(?:のみ|限定)|平日(?=[ \t:]*\d{1,2}(?::|時))")

# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

_ERA_BASE: Mapping[str, tuple[int, int]] = {
    # era: (year before 元年, last era year)
    "令和": (2018, 99),
    "平成": (1988, 31),
    "昭和": (1925, 64),
    "大正": (1911, 15),
}
_WEEKDAY = r"(?:[ \t]*\((?:月|火|水|木|金|土|日)(?:曜日?)?(?:・祝)?\))?"
_DATE_ERA = re.compile(
    rf"""
    (?P<era>令和|平成|昭和|大正)[ \t]*(?P<ey>元|\d{{1,2}})[ \t]*年[ \t]*
    (?:\([ \t]*\d{{4}}[ \t]*年?[ \t]*\)[ \t]*)?
    (?P<m>\d{{1,2}})[ \t]*月
    (?:[ \t]*(?P<d>\d{{1,2}})[ \t]*日{_WEEKDAY})?
    """,
    re.VERBOSE,
)
_DATE_WESTERN = re.compile(
    rf"""
    (?<!\d)(?P<y>(?:19|20)\d{{2}})[ \t]*年[ \t]*
    (?:\([^)\n]{{1,8}}\)[ \t]*)?
    (?P<m>\d{{1,2}})[ \t]*月
    (?:[ \t]*(?P<d>\d{{1,2}})[ \t]*日{_WEEKDAY})?
    """,
    re.VERBOSE,
)
_DATE_NUMERIC = re.compile(
    rf"(?<![\d/.])(?P<y>(?:19|20)\d{{2}})(?P<sep>[/.\-])(?P<m>\d{{1,2}})(?P=sep)(?P<d>\d{{1,2}})(?![\d/]){_WEEKDAY}"
)
_DATE_MONTH_DAY = re.compile(
    rf"(?<![\d.])(?P<m>\d{{1,2}})[ \t]*月[ \t]*(?P<d>\d{{1,2}})[ \t]*日{_WEEKDAY}"
)
_DATE_SLASH = re.compile(rf"(?<![\d/.:])(?P<m>\d{{1,2}})/(?P<d>\d{{1,2}})(?![\d/]){_WEEKDAY}")

_RANGE_SEPARATOR = re.compile(r"[ \t]*(?:~|-|から)[ \t]*\Z")
_RANGE_TAIL = re.compile(r"[ \t]*(?:まで)?(?:の期間|の間|にわたって|にわたり|にかけて)?")
_OPEN_RANGE = re.compile(r"[ \t]*(?P<word>以降|以後|より後|以前|より前|まで|から(?![ \t]*\d))")
_OPEN_RANGE_KIND: Mapping[str, RangeKind] = {
    "以降": "since",
    "以後": "since",
    "から": "since",
    "より後": "after",
    "以前": "until",
    "まで": "until",
    "より前": "before",
}

# --------------------------------------------------------------------------------------------
# Counts
# --------------------------------------------------------------------------------------------

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

# --------------------------------------------------------------------------------------------
# Leaked data items
# --------------------------------------------------------------------------------------------

ITEM_VOCABULARY: tuple[tuple[str, str], ...] = (
    # (canonical key, pattern); earlier alternatives win where two start at the same place.
    ("cardholder_name", r"(?:クレジット)?カード(?:の)?名義(?:人)?(?:名)?|カード会員名"),
    ("card_number", r"(?:クレジット)?カード(?:の)?番号"),
    ("expiry", r"(?:クレジット)?(?:カード(?:の)?)?有効期限"),
    ("security_code", r"セキュリティ[ー・]?コード|CVV2?|CVC2?"),
    ("card_info", r"(?:クレジット)?カード情報"),
    ("my_number", r"マイナンバー|個人番号"),
    ("bank_account", r"(?:銀行)?口座(?:情報|番号)|銀行口座"),
    ("email", r"(?:E|e|電子)?メールアドレス|mail[ ]?address"),
    ("phone", r"携帯電話番号|携帯番号|電話番号|TEL番号"),
    ("password", r"(?:初回)?(?:ログイン(?:用の?)?)?パスワード"),
    ("user_id", r"(?:ログイン|ユーザー?|会員)ID|(?<![A-Za-z])ID(?![A-Za-z])"),
    ("birth_date", r"生年月日|誕生日"),
    ("address", r"住所"),
    ("name", r"氏名|お名前|名前"),
    ("gender", r"性別"),
    ("age", r"年齢"),
)
"""Leaked-item terms and their canonical keys. ``有効期限`` counts only in a sentence that
mentions a card or security code (a point balance also has an expiry)."""

_ITEM = re.compile("|".join(f"(?P<{key}>{pattern})" for key, pattern in ITEM_VOCABULARY))
_CARD_CONTEXT = re.compile(r"カード|セキュリティ")
_LEAK_WORD = re.compile(r"漏え?い|漏洩|流出|漏れ|盗まれ|窃取|不正取得")
_LEAK_NEGATION = re.compile(
    r"""
    (?:漏え?い|漏洩|流出|漏れ)[^。\n]{0,12}?(?:ていない|ておらず|ておりません|ていません|ません|ございません|ありません|なし)
    | 含まれて(?:おりません|いません|いない|おらず)
    | 確認されて(?:おりません|いません|いない|おらず)
    | 対象外
    """,
    re.VERBOSE,
)
_LEAK_AFFIRMATION = re.compile(
    r"""
    (?:漏え?い|漏洩|流出|漏れ)
    (?:いたしました|しました|した(?!ことは|事実)|が判明|が発生|が確認され(?!て(?:おりません|いません))
      |の(?:可能性|恐れ|おそれ|懸念)|た(?:可能性|恐れ|おそれ))
    """,
    re.VERBOSE,
)

# --------------------------------------------------------------------------------------------
# Fact types
# --------------------------------------------------------------------------------------------


class _PlainRecord:
    """`to_dict`/`from_dict` for frozen dataclasses whose fields are all JSON values already."""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of the fields."""
        return asdict(cast("DataclassInstance", self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """Rebuild from `to_dict` output; unknown keys are ignored, missing ones take defaults."""
        names = {f.name for f in fields(cast("type[DataclassInstance]", cls))}
        built: Self = cast(Any, cls)(**{k: v for k, v in data.items() if k in names})
        return built


@dataclass(frozen=True)
class PhoneFact(_PlainRecord):
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
class MailFact(_PlainRecord):
    """A mail address as published; `address` has ASCII characters and a lower-case domain."""

    raw: str
    start: int
    end: int
    address: str


@dataclass(frozen=True)
class HoursFact:
    """Opening hours `open`–`close` (local time). ``24:00`` closes at `datetime.time.max`."""

    raw: str
    start: int
    end: int
    open: dt.time
    close: dt.time

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (times in ISO format)."""
        return {
            "raw": self.raw,
            "start": self.start,
            "end": self.end,
            "open": self.open.isoformat(),
            "close": self.close.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HoursFact:
        """Rebuild from `to_dict` output."""
        return cls(
            data["raw"],
            data["start"],
            data["end"],
            dt.time.fromisoformat(data["open"]),
            dt.time.fromisoformat(data["close"]),
        )


@dataclass(frozen=True)
class DaysRule:
    """On which days a desk is open, read from phrases such as ``土日祝除く``.

    The default value is "open every day, no year-end closure", which is also what a desk with
    no published rule is taken to mean. `raw` is the phrase ("" when none was published).
    `year_end` is the closure period as ((month, day), (month, day)), inclusive.
    """

    raw: str = ""
    start: int = 0
    end: int = 0
    saturday_open: bool = True
    sunday_open: bool = True
    holidays_open: bool = True
    year_end_closed: bool = False
    year_end: tuple[tuple[int, int], tuple[int, int]] = ((12, 29), (1, 3))

    @property
    def weekends_open(self) -> bool:
        """Whether the desk is open on both Saturdays and Sundays."""
        return self.saturday_open and self.sunday_open

    def in_year_end(self, day: dt.date) -> bool:
        """Whether `day` falls in the year-end period (whether or not the desk closes then)."""
        (m1, d1), (m2, d2) = self.year_end
        key = (day.month, day.day)
        if (m1, d1) <= (m2, d2):
            return (m1, d1) <= key <= (m2, d2)
        return key >= (m1, d1) or key <= (m2, d2)

    def merge(self, other: DaysRule) -> DaysRule:
        """Combine two rules that describe the same desk: a day is open only if both allow it."""
        if not other.raw:
            return self
        if not self.raw:
            return other
        first, second = (self, other) if self.start <= other.start else (other, self)
        return DaysRule(
            raw=f"{first.raw} {second.raw}",
            start=first.start,
            end=max(first.end, second.end),
            saturday_open=self.saturday_open and other.saturday_open,
            sunday_open=self.sunday_open and other.sunday_open,
            holidays_open=self.holidays_open and other.holidays_open,
            year_end_closed=self.year_end_closed or other.year_end_closed,
            year_end=self.year_end,
        )

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (`weekends_open` included for readers, derived)."""
        return {
            "raw": self.raw,
            "start": self.start,
            "end": self.end,
            "saturday_open": self.saturday_open,
            "sunday_open": self.sunday_open,
            "weekends_open": self.weekends_open,
            "holidays_open": self.holidays_open,
            "year_end_closed": self.year_end_closed,
            "year_end": [list(self.year_end[0]), list(self.year_end[1])],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DaysRule:
        """Rebuild from `to_dict` output; a bare `weekends_open` sets both weekend days."""
        weekends = data.get("weekends_open", True)
        (m1, d1), (m2, d2) = data.get("year_end", [[12, 29], [1, 3]])
        return cls(
            raw=data.get("raw", ""),
            start=data.get("start", 0),
            end=data.get("end", 0),
            saturday_open=data.get("saturday_open", weekends),
            sunday_open=data.get("sunday_open", weekends),
            holidays_open=data.get("holidays_open", True),
            year_end_closed=data.get("year_end_closed", False),
            year_end=((int(m1), int(d1)), (int(m2), int(d2))),
        )


@dataclass(frozen=True)
class DateFact(_PlainRecord):
    """A calendar date (or a month, `precision == "month"`) as published.

    `year` is ``None`` when the text does not say it and no earlier date lets us infer it
    (`year_inferred` tells which). `era` is the 和暦 era name when the date was written in one.
    """

    raw: str
    start: int
    end: int
    year: int | None
    month: int
    day: int | None
    precision: DatePrecision
    year_inferred: bool = False
    era: str | None = None

    @property
    def first_day(self) -> dt.date | None:
        """The date itself, or the first day of the month; ``None`` when the year is unknown."""
        if self.year is None:
            return None
        return dt.date(self.year, self.month, self.day or 1)

    @property
    def last_day(self) -> dt.date | None:
        """The date itself, or the last day of the month; ``None`` when the year is unknown."""
        if self.year is None:
            return None
        last = self.day or calendar.monthrange(self.year, self.month)[1]
        return dt.date(self.year, self.month, last)

    @property
    def date(self) -> dt.date | None:
        """Same as `first_day`: the `datetime.date` of a day-precision date with a known year."""
        return self.first_day


@dataclass(frozen=True)
class DateRange:
    """A period: `first`–`last` (``between``), from `first` on (``since``, inclusive, or
    ``after``, exclusive), or up to `last` (``until``, inclusive, or ``before``, exclusive)."""

    raw: str
    start: int
    end: int
    kind: RangeKind
    first: DateFact | None
    last: DateFact | None

    def contains(self, day: dt.date) -> bool | None:
        """Whether `day` is inside the period; ``None`` when a bound's year is unknown."""
        if self.first is not None:
            lower = self.first.first_day if self.kind != "after" else self.first.last_day
            if lower is None:
                return None
            if day < lower or (self.kind == "after" and day == lower):
                return False
        if self.last is not None:
            upper = self.last.last_day if self.kind != "before" else self.last.first_day
            if upper is None:
                return None
            if day > upper or (self.kind == "before" and day == upper):
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict."""
        return {
            "raw": self.raw,
            "start": self.start,
            "end": self.end,
            "kind": self.kind,
            "first": self.first.to_dict() if self.first else None,
            "last": self.last.to_dict() if self.last else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DateRange:
        """Rebuild from `to_dict` output."""
        first, last = data.get("first"), data.get("last")
        return cls(
            data["raw"],
            data["start"],
            data["end"],
            data["kind"],
            DateFact.from_dict(first) if first else None,
            DateFact.from_dict(last) if last else None,
        )


@dataclass(frozen=True)
class CountFact(_PlainRecord):
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


@dataclass(frozen=True)
class ItemFact(_PlainRecord):
    """A data item named in the text (`key` from `ITEM_VOCABULARY`).

    `leak_context`: its sentence talks about a leak; `negated`: that sentence denies it;
    `in_question`: the sentence is a question (so neither is an assertion).
    """

    raw: str
    start: int
    end: int
    key: str
    negated: bool = False
    leak_context: bool = False
    in_question: bool = False


@dataclass(frozen=True)
class Facts:
    """Everything `extract_facts` found in one text, each list in text order."""

    phones: tuple[PhoneFact, ...] = ()
    mails: tuple[MailFact, ...] = ()
    hours: tuple[HoursFact, ...] = ()
    days: tuple[DaysRule, ...] = ()
    dates: tuple[DateFact, ...] = ()
    ranges: tuple[DateRange, ...] = ()
    counts: tuple[CountFact, ...] = ()
    items: tuple[ItemFact, ...] = ()

    def leaked_keys(self) -> frozenset[str]:
        """Item keys asserted as leaked: named in a leak sentence, not negated, not asked."""
        return frozenset(
            i.key for i in self.items if i.leak_context and not i.negated and not i.in_question
        )

    def denied_keys(self) -> frozenset[str]:
        """Item keys whose leak the text denies (outside questions)."""
        return frozenset(i.key for i in self.items if i.negated)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict of lists."""
        return {
            "phones": [f.to_dict() for f in self.phones],
            "mails": [f.to_dict() for f in self.mails],
            "hours": [f.to_dict() for f in self.hours],
            "days": [f.to_dict() for f in self.days],
            "dates": [f.to_dict() for f in self.dates],
            "ranges": [f.to_dict() for f in self.ranges],
            "counts": [f.to_dict() for f in self.counts],
            "items": [f.to_dict() for f in self.items],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Facts:
        """Rebuild from `to_dict` output; missing lists are empty."""
        return cls(
            phones=tuple(PhoneFact.from_dict(d) for d in data.get("phones", ())),
            mails=tuple(MailFact.from_dict(d) for d in data.get("mails", ())),
            hours=tuple(HoursFact.from_dict(d) for d in data.get("hours", ())),
            days=tuple(DaysRule.from_dict(d) for d in data.get("days", ())),
            dates=tuple(DateFact.from_dict(d) for d in data.get("dates", ())),
            ranges=tuple(DateRange.from_dict(d) for d in data.get("ranges", ())),
            counts=tuple(CountFact.from_dict(d) for d in data.get("counts", ())),
            items=tuple(ItemFact.from_dict(d) for d in data.get("items", ())),
        )


# --------------------------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------------------------


def extract_facts(text: str) -> Facts:
    """Read phones, mail, hours, closed days, dates, ranges, counts and items from `text`.

    Pure and deterministic; see the module docstring for the rules it applies.
    """
    folded = _fold(text)
    urls = [(m.start(), m.end()) for m in _URL.finditer(folded)]
    dates = _find_dates(text, folded, urls)
    return Facts(
        phones=tuple(_find_phones(text, folded, urls)),
        mails=tuple(_find_mails(text, folded)),
        hours=tuple(_find_hours(text, folded)),
        days=tuple(_find_days(text, folded)),
        dates=tuple(dates),
        ranges=tuple(_find_ranges(text, folded, dates)),
        counts=tuple(_find_counts(text, folded, urls)),
        items=tuple(_find_items(text, folded)),
    )


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps any of `spans`."""
    return any(s < end and start < e for s, e in spans)


def _line_of(folded: str, start: int, end: int) -> tuple[str, str]:
    """The text on the same line before `start` and after `end`."""
    line_start = folded.rfind("\n", 0, start) + 1
    line_end = folded.find("\n", end)
    return folded[line_start:start], folded[end : len(folded) if line_end < 0 else line_end]


def _find_phones(text: str, folded: str, urls: list[tuple[int, int]]) -> Iterator[PhoneFact]:
    """Numbers outside URLs whose prefix and length are plausible, then 局番なし short numbers."""
    found: list[PhoneFact] = []
    for m in _PHONE.finditer(folded):
        if _inside(urls, m.start(), m.end()):
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
        before, after = _line_of(folded, m.start(), m.end())
        if (_FAX_BEFORE.search(before) and not _TEL_AND_FAX.search(before)) or _FAX_AFTER.match(
            after
        ):
            kind = "fax"
        found.append(PhoneFact(text[m.start() : m.end()], m.start(), m.end(), number, kind))
    for m in _SHORT_NUMBER.finditer(folded):
        before, after = _line_of(folded, m.start(), m.end())
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


def _find_mails(text: str, folded: str) -> Iterator[MailFact]:
    """Mail addresses, full-width ＠ and letters included (they are folded first)."""
    for m in _MAIL.finditer(folded):
        address = f"{m['local']}@{m['domain'].lower()}"
        yield MailFact(text[m.start() : m.end()], m.start(), m.end(), address)


def _clock(ap: str | None, hour: str, minute: str | None, half: str | None) -> dt.time | None:
    """A `datetime.time` from the parts of `_time_pattern`; 24:00 becomes `time.max`."""
    h = int(hour)
    mi = 30 if half else int(minute or 0)
    if ap in ("午後", "PM", "pm") and h < 12:
        h += 12
    elif ap in ("午前", "AM", "am") and h == 12:
        h = 0
    if h == 24 and mi == 0:
        return dt.time.max
    if h > 23 or mi > 59:
        return None
    return dt.time(h, mi)


def _find_hours(text: str, folded: str) -> Iterator[HoursFact]:
    """Opening-closing time pairs, and round-the-clock phrases such as 24時間受付."""
    found: list[HoursFact] = []
    for m in _HOURS.finditer(folded):
        opening = _clock(m["oap"], m["oh"], m["om"] or m["om2"], m["ohalf"])
        closing = _clock(m["cap"], m["ch"], m["cm"] or m["cm2"], m["chalf"])
        if opening is None or closing is None or opening == closing:
            continue
        found.append(HoursFact(text[m.start() : m.end()], m.start(), m.end(), opening, closing))
    for m in _ALL_DAY.finditer(folded):
        found.append(
            HoursFact(text[m.start() : m.end()], m.start(), m.end(), dt.time(0), dt.time.max)
        )
    return iter(sorted(found, key=lambda f: f.start))


def _day_flags(body: str) -> tuple[bool, bool, bool, bool]:
    """Which of (Saturday, Sunday, holidays, year end) a days phrase such as 土・日・祝日 names."""
    year_end = "年末年始" in body
    holidays = "祝" in body or "祭日" in body
    rest = body
    for word in ("年末年始", "祝祭日", "祝日", "祭日", "祝", "曜日", "曜"):
        rest = rest.replace(word, "")
    return "土" in rest, "日" in rest, holidays, year_end


def _find_days(text: str, folded: str) -> Iterator[DaysRule]:
    """Closed-day and open-day phrases; the first phrase to claim a span wins."""
    found: list[DaysRule] = []
    taken: list[tuple[int, int]] = []

    def add(
        start: int,
        end: int,
        closed: tuple[bool, bool, bool, bool] = (False, False, False, False),
    ) -> None:
        """Record the phrase text[start:end] closing (Sat, Sun, holidays, year end) as given."""
        if _inside(taken, start, end):
            return
        taken.append((start, end))
        sat, sun, holidays, year_end = closed
        found.append(
            DaysRule(
                raw=text[start:end],
                start=start,
                end=end,
                saturday_open=not sat,
                sunday_open=not sun,
                holidays_open=not holidays,
                year_end_closed=year_end,
            )
        )

    for m in _CLOSED_DAYS.finditer(folded):
        add(
            m.start("body") + len(m["body"]) - len(m["body"].lstrip()),
            m.end(),
            _day_flags(m["body"]),
        )
    for m in _OPEN_DAYS.finditer(folded):
        add(m.start("body") + len(m["body"]) - len(m["body"].lstrip()), m.end())
    for m in _EVERY_DAY.finditer(folded):
        add(m.start(), m.end())
    for m in _WEEKDAYS_ONLY.finditer(folded):
        add(m.start(), m.end(), (True, True, True, False))
    return iter(sorted(found, key=lambda f: f.start))


def _valid_day(year: int | None, month: int, day: int | None) -> bool:
    """Whether the month (and day, in a leap year when the year is unknown) exists."""
    if not 1 <= month <= 12:
        return False
    if day is None:
        return True
    return 1 <= day <= calendar.monthrange(year or 2000, month)[1]


def _find_dates(text: str, folded: str, urls: list[tuple[int, int]]) -> list[DateFact]:
    """Dates, most specific form first (和暦, 西暦, numeric, 月日, M/D), then year inference."""
    taken: list[tuple[int, int]] = list(urls)
    found: list[DateFact] = []

    def add(m: re.Match[str], year: int | None, era: str | None = None) -> None:
        if _inside(taken, m.start(), m.end()):
            return
        month = int(m["m"])
        day = int(m["d"]) if m["d"] else None
        if not _valid_day(year, month, day):
            return
        taken.append((m.start(), m.end()))
        precision: DatePrecision = "day" if day is not None else "month"
        found.append(
            DateFact(
                text[m.start() : m.end()], m.start(), m.end(), year, month, day, precision, era=era
            )
        )

    for m in _DATE_ERA.finditer(folded):
        base, last = _ERA_BASE[m["era"]]
        era_year = 1 if m["ey"] == "元" else int(m["ey"])
        if 1 <= era_year <= last:
            add(m, base + era_year, m["era"])
    for pattern in (_DATE_WESTERN, _DATE_NUMERIC):
        for m in pattern.finditer(folded):
            add(m, int(m["y"]))
    for pattern in (_DATE_MONTH_DAY, _DATE_SLASH):
        for m in pattern.finditer(folded):
            add(m, None)
    found.sort(key=lambda f: f.start)

    # Year inference from the nearest preceding date that states its year.
    anchor: int | None = None
    inferred: list[DateFact] = []
    for fact in found:
        if fact.year is not None:
            anchor = fact.year
            inferred.append(fact)
        elif anchor is not None and _valid_day(anchor, fact.month, fact.day):
            inferred.append(replace(fact, year=anchor, year_inferred=True))
        else:
            inferred.append(fact)
    return inferred


def _find_ranges(text: str, folded: str, dates: list[DateFact]) -> Iterator[DateRange]:
    """Pairs of adjacent dates joined by ~ - から, then single dates followed by 以降/まで/…."""
    used: set[int] = set()
    found: list[DateRange] = []
    for i in range(len(dates) - 1):
        first, last = dates[i], dates[i + 1]
        if i in used or not _RANGE_SEPARATOR.match(folded[first.end : last.start]):
            continue
        first, last = _settle_range_years(first, last)
        tail = _RANGE_TAIL.match(folded, last.end)
        end = tail.end() if tail else last.end
        found.append(DateRange(text[first.start : end], first.start, end, "between", first, last))
        used.update((i, i + 1))
    for i, fact in enumerate(dates):
        if i in used:
            continue
        m = _OPEN_RANGE.match(folded, fact.end)
        if m is None:
            continue
        kind = _OPEN_RANGE_KIND[m["word"]]
        bounds = (fact, None) if kind in ("since", "after") else (None, fact)
        found.append(DateRange(text[fact.start : m.end()], fact.start, m.end(), kind, *bounds))
    return iter(sorted(found, key=lambda r: r.start))


def _settle_range_years(first: DateFact, last: DateFact) -> tuple[DateFact, DateFact]:
    """Apply the range rules of year inference (see the module docstring)."""
    if first.year is None and last.year is not None and not last.year_inferred:
        year = last.year - 1 if first.month > last.month else last.year
        if _valid_day(year, first.month, first.day):
            first = replace(first, year=year, year_inferred=True)
    if (
        last.year_inferred
        and first.first_day is not None
        and last.year is not None
        and (last.month, last.day or 1) < (first.month, first.day or 1)
        and _valid_day(last.year + 1, last.month, last.day)
    ):
        last = replace(last, year=last.year + 1)
    return first, last


def _find_counts(text: str, folded: str, urls: list[tuple[int, int]]) -> Iterator[CountFact]:
    """Numbers followed by a unit, with the qualifiers written around them."""
    for m in _COUNT.finditer(folded):
        if _inside(urls, m.start(), m.end()):
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


def _sentence_bounds(folded: str, start: int, end: int) -> tuple[int, int]:
    """Start and end (after the closing mark) of the sentence holding [start, end)."""
    before = max(folded.rfind(c, 0, start) for c in "。!?\n")
    after = _SENTENCE_END.search(folded, end)
    return before + 1, (after.end() if after else len(folded))


def _is_question(sentence: str) -> bool:
    """Whether a sentence asks (ends in か or ?), as FAQ questions do."""
    stripped = sentence.rstrip(" \t\n。")
    return stripped.endswith(("?", "か"))


def _find_items(text: str, folded: str) -> Iterator[ItemFact]:
    """Vocabulary terms, each judged against the rest of its sentence for negation."""
    for m in _ITEM.finditer(folded):
        key = cast(str, m.lastgroup)
        s_start, s_end = _sentence_bounds(folded, m.start(), m.end())
        sentence = folded[s_start:s_end]
        if key == "expiry" and not _CARD_CONTEXT.search(sentence):
            continue
        question = _is_question(sentence)
        rest = folded[m.end() : s_end]
        negation = _LEAK_NEGATION.search(rest)
        affirmation = _LEAK_AFFIRMATION.search(rest)
        negated = (
            not question
            and negation is not None
            and (affirmation is None or negation.start() <= affirmation.start())
        )
        yield ItemFact(
            text[m.start() : m.end()],
            m.start(),
            m.end(),
            key,
            negated=negated,
            leak_context=bool(_LEAK_WORD.search(sentence)),
            in_question=question,
        )
