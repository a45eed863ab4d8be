"""What frames a notice's body: its title, letterhead, greeting, closing marks and signature.

These parts answer nothing, so a notice's reader (`notice`) files them as notes or drops them:

- **The title** is the first line that names the notice (お知らせ, お詫び, ご報告, …について,
  …に関する, ご注意) among the opening lines, after a letterhead of date, addressee and sender
  (`2026年10月20日` / `お客様各位` / `株式会社…` / `代表取締役 …`) and rule lines (`━━━━`); a
  line without a sentence that runs into it (`…への不正アクセスによる` / `…に関するお詫び`), or
  that a short last line ends (`…個人情報漏えいの可能` / `性について`), is its first half. A
  heading is never the title, but the first line may be a bracketed one (`【重要】…のお知らせ`).
- **Closing marks** (`記`, `以上`, `敬具`, `草々` alone on a line) and **rule lines** are dropped,
  as blank lines are. After `以上` or `敬具` a short plain line heads nothing: it is the sender's.
- **Notes**, never offered as answers: a letterhead above or under the title (a few short lines:
  dates, senders, `…各位`; with a phone number it names a desk and answers); a date line on its
  own outside a heading (an update stamp); a greeting (`拝啓　平素は…`, or a sentence of thanks
  alone: 「いつもご利用いただき、誠にありがとうございます。」); a sentence that only announces
  the report below (「下記のとおりご報告いたします。」); a pointer to the desk that says nothing
  else (「ご不明な点は下記窓口まで…」); a closing apology (「改めまして…お詫び申し上げます」); and,
  at the end of the notice, courtesy sentences (「今後とも…よろしくお願い申し上げます」,
  「誠に申し訳ございません」) and the signature (the sender's name, role, address or URL: short
  lines without a sentence, a phone number or a `：` field). A date line under a heading is that
  heading's answer (`1. 発生日` / `2026年3月9日`), and a pointer that gives the number itself
  answers "where do I call?".
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from breachdesk.kb.parsed import EntryKind

from .headings import parse_heading
from .lines import is_blank, is_note

_TITLE_SEARCH_LINES = 8
_PLAIN_MAX_CHARS = 30
_TITLE_MAX_CHARS = 100
_TITLE_TAIL_CHARS = 12
"""A title line this short under another is the end of a title the page's width broke."""
_ADDRESSEE = ("各位", "様", "様へ", "さま", "さまへ", "皆様", "皆さま")
"""How an addressee line ends (`お客様各位`, `患者さま、取引先の皆さまへ`)."""
_LETTERHEAD_MAX_LINES = 4
_SIGNATURE_MAX_LINES = 4
_SIGNATURE_LINE_MAX_CHARS = 40
_REFERRAL_MAX_CHARS = 120
_GREETING_MAX_CHARS = 100

_TITLE_WORDS = re.compile(
    r"お知らせ|お詫び|おわび|ご報告|報告|について|に関する|ご注意|注意喚起|ご案内"
)
_TITLE_HEADINGS = frozenset({"bracket", "label"})
"""Heading kinds a title may look like (`【重要】…のお知らせ`); a numbered line never is one."""
_RUNS_INTO = re.compile(r"(?:による|における|への|での|からの|の|に|と|及び|および|並びに|、)$")
_DATE_LINE = re.compile(
    r"^[\s\u3000]*(?:(?:令和|平成)[\s\u3000]*(?:元|[0-9０-９]{1,2})|[0-9０-９]{4})[\s\u3000]*年"
    r"(?:[（(][^)）]{1,8}[)）])?"
    r"[\s\u3000]*[0-9０-９]{1,2}[\s\u3000]*月(?:[\s\u3000]*[0-9０-９]{1,2}[\s\u3000]*日)?"
    r"(?:[（(][^)）]{1,4}[)）])?[\s\u3000]*(?:現在|発表|公表|更新|掲載)?[\s\u3000]*$"
)
_NOT_PLAIN = re.compile(r"[。、．，:：!！?？\t]|^[\s\u3000]*[-・*＊※●○◎◯▶►→]")
_CLOSING_MARKS = frozenset({"記", "以上", "敬具", "敬白", "謹白", "草々", "早々", "かしこ"})
_CLOSING_MARK_MAX_CHARS = 12
"""A longer line is never a closing mark, however it is spaced."""
_SPACES = re.compile(r"[\s\u3000]")
_RULE = re.compile(r"^[\s\u3000]*[━─―‐\-=＝_＿*＊~～〜・…■□◆◇●○◎★☆▲△▼▽]{3,}[\s\u3000]*$")
_REFERRAL = re.compile(
    r"^(?:本件に(?:関し(?:まして|て)?|つきまして|ついて)、?)?(?:ご不明な点|ご不明点|ご質問|お問い?合わ?せ|詳しくは|詳細(?:について)?は)"
    r"[^\n]*(?:下記|以下|次の|上記|左記)[^\n]*(?:窓口|問い?合わ?せ先|連絡先|まで)"
)
_ANNOUNCES = re.compile(
    r"^[^。\n]*(?:下記|以下|次)の?(?:とおり|通り)[^。\n]*(?:ご?報告|お知らせ|ご案内|ご説明)[^。\n]*。$"
)
"""A sentence that only says the report follows (「下記のとおりご報告いたします。」)."""
_APOLOGY = re.compile(r"^(?:改めまして|改めて|重ねて|最後に)[^\n]*(?:お詫び|おわび)申し上げ")
_GREETING = re.compile(r"^[\s\u3000]*(?:拝啓|謹啓|前略)")
_THANKS = re.compile(
    r"^[^。\n]*(?:ありがとうございます|御礼申し上げます|お(?:喜|慶)び申し上げます)。$"
)
"""A greeting's thanks standing alone (「いつもご利用いただき、誠にありがとうございます。」)."""
_COURTESY = re.compile(
    r"(?:お詫び|おわび)(?:申し上げ|いたし)|申し訳(?:ござい|ありませ)|よろしくお願い(?:申し上げ|いたし)"
    r"|ご愛顧|ご容赦"
    r"|ご理解(?:と|を)?(?:ご協力)?(?:を)?賜"
)
_SENDER = re.compile(
    r"株式会社|有限会社|合同会社|法人|協会|組合|生協|病院|クリニック|医院|学校|大学|[都道府県市区町村]役?所?$"
    r"|[都道府県市区町村][\s\u3000]|(?:部|課|局|室|係)$|代表|社長|理事長|院長|校長|市長|https?://|©|Copyright",
    re.MULTILINE,
)
"""What names a sender: a kind of body, a role, a URL or a copyright."""
_PHONE_DIGITS = re.compile(r"[0-9０-９]{2,4}[-－‐ー−][0-9０-９]{2,4}")
_FIELD = re.compile(r"[：@＠]|(?<!https)(?<!http):")
_SENTENCE = re.compile(r"[^。．！？]+[。．！？]?")


def is_date_line(line: str) -> bool:
    """A line that is a date and nothing else (`2026年10月20日`, `令和8年9月30日更新`)."""
    return bool(_DATE_LINE.match(line))


def is_rule(line: str) -> bool:
    """A decoration line: `━━━━`, `＝＝＝＝`, `・・・・`."""
    return bool(_RULE.match(line))


def is_closing_mark(line: str) -> bool:
    """`記`, `以上`, `敬具` … alone on a line (inner spaces allowed: `以　上`)."""
    return len(line) <= _CLOSING_MARK_MAX_CHARS and _SPACES.sub("", line) in _CLOSING_MARKS


def ends_letter(line: str) -> bool:
    """A closing mark that ends the letter (`以上`, `敬具`): what follows is a postscript."""
    return is_closing_mark(line) and _SPACES.sub("", line) != "記"


def is_frame(line: str) -> bool:
    """A line read as a blank one: empty, a rule or a closing mark."""
    return is_blank(line) or is_rule(line) or is_closing_mark(line)


def _title_candidate(line: str) -> bool:
    heading = parse_heading(line)
    kind_ok = heading is None or heading.kind in _TITLE_HEADINGS
    return (
        kind_ok
        and "。" not in line
        and "\t" not in line
        and not is_date_line(line)
        and 0 < len(line.strip()) <= _TITLE_MAX_CHARS
    )


def title_span(lines: Sequence[str]) -> tuple[int, int] | None:
    """The first and last line of the title (see the module docstring), or None."""
    filled = [i for i, line in enumerate(lines) if not is_frame(line)][:_TITLE_SEARCH_LINES]
    if not filled:
        return None
    first = filled[0]
    heading = parse_heading(lines[first])
    if heading is not None and heading.kind not in _TITLE_HEADINGS:
        return None
    if "\t" in lines[first]:
        return None
    for index in filled:
        line = lines[index]
        if index != first and (
            "\t" in line or parse_heading(line) is not None or ("。" in line and not is_note(line))
        ):
            break
        if _title_candidate(line) and _TITLE_WORDS.search(line):
            above = index - 1
            if (
                above >= 0
                and above in filled
                and _title_candidate(lines[above])
                and (
                    _RUNS_INTO.search(lines[above].strip())
                    or len(line.strip()) <= _TITLE_TAIL_CHARS
                )
            ):
                return above, index
            return index, index
    return (first, first) if _title_candidate(lines[first]) else None


def title_text(lines: Sequence[str], span: tuple[int, int]) -> str:
    """The title's text, its two halves joined."""
    return "".join(lines[i].strip() for i in range(span[0], span[1] + 1))


def is_plain_label(line: str) -> bool:
    """A short line without sentence punctuation or a list mark (`概要`, `お問い合わせ先`)."""
    text = line.strip()
    return 0 < len(text) <= _PLAIN_MAX_CHARS and not _NOT_PLAIN.search(line)


def _is_letterhead(answer: str) -> bool:
    """A date, an addressee or a sender around the title (`令和8年10月28日` / `みなと市 上下水道局`),
    without a phone number."""
    lines = [line.strip() for line in answer.split("\n") if line.strip()]
    return (
        len(lines) <= _LETTERHEAD_MAX_LINES
        and not _PHONE_DIGITS.search(answer)
        and all(
            is_date_line(line) or is_plain_label(line) or line.endswith(_ADDRESSEE)
            for line in lines
        )
    )


def unit_kind(answer: str, *, under_heading: bool, opening: bool) -> EntryKind:
    """`note` for a letterhead (`opening`: no passage before it, no heading above it), a lone
    date outside a heading, a greeting, a bare pointer to the desk or a closing apology; else
    `passage` (see the module docstring)."""
    first = answer.lstrip()
    lines = [line for line in first.split("\n") if line.strip()]
    if opening and not under_heading and _is_letterhead(first):
        return "note"
    if not under_heading and all(is_date_line(line) for line in lines):
        return "note"
    greeting = _GREETING.match(first) or _THANKS.match(first.strip())
    if greeting and len(first) <= _GREETING_MAX_CHARS:
        return "note"
    if _APOLOGY.match(first) or _ANNOUNCES.match(first.strip()):
        return "note"
    if is_note(first):  # a ※ remark may carry facts (why the figures differ); a pointer does not
        first = first.lstrip("※＊*注:：) 　")
    if (
        len(first) <= _REFERRAL_MAX_CHARS
        and _REFERRAL.match(first)
        and not _PHONE_DIGITS.search(first)
    ):
        return "note"
    return "passage"


def is_signature(answer: str) -> bool:
    """A sender's name, title, address or URL: a few short lines without a sentence, a phone
    number or a `：` field, one of them naming a body or a role (株式会社, 市, 代表 …), a URL
    or a copyright."""
    lines = [line.strip() for line in answer.split("\n") if line.strip()]
    return (
        0 < len(lines) <= _SIGNATURE_MAX_LINES
        and bool(_SENDER.search(answer))
        and not _PHONE_DIGITS.search(answer)
        and not is_note(answer)
        and "\t" not in answer
        and all(
            len(line) <= _SIGNATURE_LINE_MAX_CHARS
            and not _FIELD.search(line)
            and not re.search(r"[。．！？]", line)
            and parse_heading(line) is None
            for line in lines
        )
    )


def is_courtesy(answer: str) -> bool:
    """Text whose every sentence is an apology or a courtesy (「…お詫び申し上げます」)."""
    sentences = [s for s in _SENTENCE.findall(answer.replace("\n", "")) if s.strip()]
    return bool(sentences) and all(_COURTESY.search(sentence) for sentence in sentences)
