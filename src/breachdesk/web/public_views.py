"""What the public help page shows, built from the core's views: pure functions, no I/O.

The page's summary of the published facts (period, items, count, each with the entry it was
read from), the notice as blocks, the FAQ as groups, the desk cards, an answer and its
suggestions as cards. `web.public` renders them; nothing here knows about requests.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from breachdesk.answer.model import ANSWERED, SUGGESTED, Answer
from breachdesk.kb.contacts import Contact
from breachdesk.kb.facts import DateRange, Facts
from breachdesk.kb.service import SECTION_SEP, EntryView

SCOPE_INTENTS = (
    "am_i_affected",
    "incident_period",
    "other_payment_methods",
    "other_store_purchases",
    "how_to_check",
    "family_affected",
)
"""Questions about being affected: not answered, they are offered the scope check and the
published periods (`wants_scope_offer`)."""


@dataclass(frozen=True)
class Source:
    """The entry a fact was read from: its id (the page anchor) and a name for the link."""

    entry: str
    label: str


@dataclass(frozen=True)
class FactLine:
    """One line of the summary box: published text (whitespace removed) and where it is."""

    text: str
    source: Source


@dataclass(frozen=True)
class Summary:
    """The facts box: exposure periods, leaked items and counts, each traceable to an entry;
    `leak_word` is the organisation's own word for the leak (流出, 漏えい, 漏洩 …)."""

    periods: tuple[FactLine, ...] = ()
    items: tuple[FactLine, ...] = ()
    counts: tuple[FactLine, ...] = ()
    leak_word: str = "漏えい"

    def __bool__(self) -> bool:
        return bool(self.periods or self.items or self.counts)

    @property
    def item_sources(self) -> list[Source]:
        """The distinct entries the items were read from, in order."""
        return list(dict.fromkeys(line.source for line in self.items))


@dataclass(frozen=True)
class DeskView:
    """A contact desk as the page shows it; `open_now` is None when no hours are published."""

    label: str
    phone: str
    tel: str
    freedial: bool
    hours: str | None
    mail: str | None
    open_now: bool | None


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True)
class NoticeBlock:
    """A passage of the notice with the section headings to print before it, and its cells
    when it is a tab-separated table (shown as one)."""

    headings: tuple[Heading, ...]
    entry: EntryView
    table: tuple[tuple[str, ...], ...] | None = None


@dataclass(frozen=True)
class FaqGroup:
    title: str | None
    entries: tuple[EntryView, ...]


@dataclass(frozen=True)
class AnswerCard:
    """An approved answer to show: the entry's question and text, verbatim, and the title of
    the organisation's section it is under (None when it has none; never a file name)."""

    matched: str
    text: str
    entry: str
    place: str | None


@dataclass(frozen=True)
class SuggestionView:
    """A suggested entry: its question, and its approved answer shown when it is chosen."""

    entry: str
    question: str
    answer: str
    place: str | None


_LEAK = re.compile(r"流出|漏え?い|漏洩|盗まれ|窃取|不正取得")
_LEAK_WORDS = ("流出", "漏えい", "漏洩", "漏れい")
_ITEMS_HEADING = re.compile(
    r"(?:流出|漏え?い|漏洩)(?:した|の|が)[^。\n]{0,10}(?:情報|項目)"
    r"|(?:情報|項目)(?:が|は|も)[^。\n]{0,6}(?:流出|漏え?い|漏洩)"
)
"""A heading that says "the leaked data items are:" (流出した情報は何ですか, (3) 項目 under
流出の可能性がある情報), not one that merely mentions the leak (情報漏洩があったことを…)."""
_SCOPE = re.compile(r"対象|決済|利用された|不正アクセス|不正にアクセス")
_DENIAL = re.compile(r"ません|対象外|ないこと")
_SPACE = re.compile(r"[\s\u3000]+")
_CLAUSE_BREAK = re.compile(r"[、。,，「」『』()（）:：\n]")
_COUNT_UNITS = frozenset({"件", "名", "人", "枚"})
_CARD_DETAIL = frozenset({"card_number", "expiry", "security_code", "cardholder_name"})
_MAX_LINES = 4
_MAX_CLAUSE = 20


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence (or line) of `text` holding [start, end)."""
    before = max(text.rfind(c, 0, start) for c in "。!?！？\n")
    after = min((i for c in "。!?！？\n" if (i := text.find(c, end)) >= 0), default=len(text))
    return text[before + 1 : after + 1]


def _source(entry: EntryView) -> Source:
    """Name an entry for a link: a question's own words, or a passage's section path."""
    if entry.kind == "qa" or not entry.section:
        return Source(entry.id, entry.question.strip())
    return Source(entry.id, entry.section.replace(SECTION_SEP, " › "))


def source_labels(entries: Iterable[EntryView]) -> dict[str, str]:
    """Each entry's name for a link to it (its question, or a passage's section path)."""
    return {e.id: _source(e).label for e in entries}


def _period_text(found: DateRange) -> str | None:
    if found.kind != "between" or found.first is None or found.last is None:
        return None
    return f"{_squash(found.first.raw)}〜{_squash(found.last.raw)}"


def _count_text(text: str, start: int, raw: str) -> str:
    """The count with the words of its clause before it (`当社は最大で5,283件`), when short."""
    head = text[:start]
    lead = head[max((m.end() for m in _CLAUSE_BREAK.finditer(head)), default=0) :]
    lead = _squash(lead)
    return _squash(raw) if len(lead) > _MAX_CLAUSE else lead + _squash(raw)


def summarise(entries: Sequence[EntryView]) -> Summary:
    """The facts box, read off the facts extracted from each entry (give the notice first).

    Only text the organisation published is shown: a period is a date range whose sentence (or
    whose entry's heading) speaks of the leak or of who is affected; an item is a data item named
    as leaked and not denied; a count is a number of records, people or cards said to be leaked.
    """
    periods: dict[str, FactLine] = {}
    counts: dict[tuple[int | float, str], FactLine] = {}
    items: dict[str, FactLine] = {}
    for entry in entries:
        if not entry.facts:
            continue
        facts = Facts.from_dict(entry.facts)
        text = entry.question + "\n" + entry.answer
        heading = entry.question + "\n" + entry.section
        # A question's own words ask; they state nothing. Headings of passages do state.
        stated = len(entry.question) + 1 if entry.kind == "qa" else 0
        source = _source(entry)
        for found in facts.ranges:
            sentence = _sentence(text, found.start, found.end)
            shown = _period_text(found)
            if (
                shown
                and found.start >= stated
                and (_LEAK.search(sentence + heading) or _SCOPE.search(sentence + heading))
                and not _DENIAL.search(sentence)
            ):
                periods.setdefault(shown, FactLine(shown, source))
        for count in facts.counts:
            sentence = _sentence(text, count.start, count.end)
            if (
                count.unit in _COUNT_UNITS
                and count.start >= stated
                and (_LEAK.search(sentence + heading) or "対象" in sentence)
                and not _DENIAL.search(sentence)
            ):
                shown = _count_text(text, count.start, count.raw)
                counts.setdefault((count.value, count.unit), FactLine(shown, source))
        for item in facts.items:
            if (
                not (item.negated or item.in_question)
                and item.start >= stated
                and (item.leak_context or _ITEMS_HEADING.search(heading))
            ):
                items.setdefault(item.key, FactLine(_squash(item.raw).strip("「」"), source))
    if _CARD_DETAIL & items.keys():
        items.pop("card_info", None)
    return Summary(
        periods=tuple(periods.values())[:_MAX_LINES],
        items=tuple(items.values()),
        counts=tuple(counts.values())[:_MAX_LINES],
        leak_word=leak_word(entries),
    )


def leak_word(entries: Sequence[EntryView]) -> str:
    """The word the organisation uses for the leak, the most frequent of 流出 / 漏えい / 漏洩
    in its texts (漏えい when none is used): the page speaks as the notice does."""
    text = "".join(e.question + e.section + e.answer for e in entries)
    counts = {word: text.count(word) for word in _LEAK_WORDS}
    best = max(_LEAK_WORDS, key=lambda w: counts[w])
    return best if counts[best] else "漏えい"


def desk_views(contacts: Iterable[dict[str, Any]], now: datetime) -> list[DeskView]:
    """The incident's desks, the main one first, each with whether it is open at `now`."""
    views = []
    for data in contacts:
        contact = Contact.from_dict(data)
        views.append(
            DeskView(
                label=contact.label.strip("≪≫《》【】<>[] \u3000") or "お問い合わせ窓口",
                phone=contact.phone,
                tel=re.sub(r"\D", "", contact.phone),
                freedial=contact.phone_kind == "freedial",
                hours=contact.hours_text,
                mail=contact.mail,
                open_now=contact.is_open(now),
            )
        )
    return views


@dataclass(frozen=True)
class Parts:
    """The incident's entries by where the page shows them."""

    notice: list[EntryView]
    faq: list[EntryView]
    contacts: list[EntryView]


def split_entries(entries: Iterable[EntryView]) -> Parts:
    """Notice, FAQ and contact entries.

    A document with any Q&A is a FAQ: its passages and notes (※ご不明な点は…) stay in it, where
    they were written. The passages and notes of the other documents are the notice, the
    organisation's own account of what happened. Contact blocks go beside the desk card.
    """
    entries = list(entries)
    faq_files = {e.file_name for e in entries if e.kind == "qa"}
    parts = Parts([], [], [])
    for e in entries:
        if e.kind == "contact":
            parts.contacts.append(e)
        elif e.file_name in faq_files:
            parts.faq.append(e)
        else:
            parts.notice.append(e)
    return parts


def notice_blocks(entries: Iterable[EntryView]) -> list[NoticeBlock]:
    """The notice's passages in order, each with the headings of the sections it opens.

    A heading is printed once, where its section starts; a heading that is just the passage's
    own first line is not repeated. Levels are h3 for a top section and h4 below it.
    """
    blocks = []
    previous: list[str] = []
    top_seen = False
    for entry in entries:
        parts = [p.strip() for p in entry.section.split(SECTION_SEP) if p.strip()]
        title = entry.question.strip()
        if not parts and title and _squash(title) not in _squash(entry.answer):
            parts = [title]
        first_line = _squash(entry.answer.strip().split("\n", 1)[0])
        common = 0
        while common < min(len(parts), len(previous)) and parts[common] == previous[common]:
            common += 1
        headings = []
        for depth in range(common, len(parts)):
            if _squash(parts[depth]) == first_line:
                continue
            level = 4 if depth > 0 and top_seen else 3
            top_seen = top_seen or level == 3
            headings.append(Heading(level, parts[depth]))
        previous = parts
        blocks.append(NoticeBlock(tuple(headings), entry, table_cells(entry.answer)))
    return blocks


def table_cells(text: str) -> tuple[tuple[str, ...], ...] | None:
    """The cells of a tab-separated table (every line has a tab), rows padded; else None."""
    lines = text.strip("\n").split("\n")
    if len(lines) < 2 or not all("\t" in line for line in lines):
        return None
    rows = [line.split("\t") for line in lines]
    width = max(len(r) for r in rows)
    return tuple(tuple(c.strip() for c in r) + ("",) * (width - len(r)) for r in rows)


def faq_groups(entries: Iterable[EntryView]) -> list[FaqGroup]:
    """The FAQ documents' entries grouped by section, in document order."""
    groups: list[tuple[str, list[EntryView]]] = []
    for entry in entries:
        if groups and groups[-1][0] == entry.section:
            groups[-1][1].append(entry)
        else:
            groups.append((entry.section, [entry]))
    titled = any(section for section, _ in groups)
    return [
        FaqGroup(
            section.replace(SECTION_SEP, " › ")
            or ("その他のご質問" if titled and any(e.kind == "qa" for e in es) else None),
            tuple(es),
        )
        for section, es in groups
    ]


def section_title(section: str | None) -> str | None:
    """An entry's section path as the organisation titled it (「概要 › 対象」), or None."""
    parts = [p.strip() for p in (section or "").split(SECTION_SEP) if p.strip()]
    return " › ".join(parts) or None


def answer_card(answer: Answer) -> AnswerCard | None:
    """The card of an answered question (None unless the outcome is an answer)."""
    if not answer.answered or answer.answer is None or answer.entry is None:
        return None
    return AnswerCard(
        matched=answer.matched_question or "",
        text=answer.answer,
        entry=answer.entry,
        place=section_title(answer.section),
    )


def entry_card(entry: EntryView) -> AnswerCard:
    """The card of an entry shown again (a chosen suggestion, or after a vote sent without
    JavaScript)."""
    return AnswerCard(
        matched=entry.question,
        text=entry.answer,
        entry=entry.id,
        place=section_title(entry.section),
    )


def suggestion_views(answer: Answer) -> tuple[SuggestionView, ...]:
    """The entries offered to choose from when the engine suggests (empty otherwise)."""
    if answer.outcome != SUGGESTED or answer.answered:
        return ()
    return tuple(
        SuggestionView(s.entry, s.question, s.answer, section_title(s.section))
        for s in answer.suggestions
    )


def outcome_of(answer: Answer) -> str:
    """answered, suggested or abstained, as the page shows it."""
    if answer.answered:
        return ANSWERED
    return SUGGESTED if suggestion_views(answer) else "abstained"


def wants_scope_offer(answer: Answer) -> bool:
    """Whether the page offers the scope check with this answer: a question about being
    affected (its intent) that the engine did not answer."""
    return not answer.answered and answer.intent in SCOPE_INTENTS


def question_problem(question: str, limit: int) -> str:
    """The message for a question the engine refused."""
    if len(question) > limit:
        return (
            f"ご質問が長すぎます。{limit:,}文字以内でご入力ください"
            f"（現在 {len(question):,} 文字）。"
        )
    return "ご質問を受け付けられませんでした。お手数ですが、内容をご確認のうえ再度お試しください。"
