"""Answerable units: what the text under one heading of a notice splits into.

An entry's answer is what a person gets, so the body under a heading is cut where its parts
answer different things, and kept whole where a part would lose its subject:

- **Paragraphs.** A blank line ends a paragraph, and so does a line that ends a sentence (`。`
  `．` `！` `？`, a closing bracket or a `（…）` remark after it): web copies and PDF text put each
  paragraph, or each sentence, on a line of its own without blank lines between. A date alone on
  a line (an update stamp) is a paragraph of its own, unless a short label stands next to it
  (a letterhead's date and sender); so are a letterhead's lines above a sentence that follows
  them without a blank line (`ヘアサロン ルーチェ 代表 白石 航` / `いつもご利用いただき…`). A
  line that stops mid-sentence (a PDF's hard break, a contact block's `電話：…` lines, a
  timeline's `10月12日　…` lines) runs on into the next.
- **What points back stays with what it points to.** A paragraph that opens by pointing back
  (こちら, これ, その, 当該, 上記, 同日, 以上の, そのため, ただし, うち …) joins the one before it;
  so does a short paragraph (up to `RUN_ON_MAX_CHARS`: a URL, a desk's name and number) after one
  that points ahead to it (下記, 以下, 次の, a closing `：`), and a paragraph too short to answer
  anything alone (「深くお詫び申し上げます。」, up to `SHORT_PARAGRAPH_CHARS`).
- **A list with its lead-in.** List items (`・` `●` `-` `①` `(1)` `1.` …, with the lines that
  continue them), the paragraph right above them (「流出した可能性のある情報は以下のとおりです。」;
  across a blank line only when it points ahead or is a desk's name: `…お問い合わせ窓口`) and a
  remark right below them (「なお、パスワードは含まれておりません。」, `※…`) are one unit. A list
  too long for one answer (over `LIST_MAX_CHARS`, unless every item is a word or two) gives one
  unit per item, the lead-in opening the first.
- **Long paragraphs.** A paragraph over `LONG_PARAGRAPH_CHARS` splits between sentences, never
  before a sentence that points back or one too short to stand alone (under `MIN_GROUP_CHARS`:
  it adds to the sentence before it).

`split_units` only cuts: every unit is a verbatim slice of the lines it is given, from a line
and column to a line and column.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from .headings import parse_heading
from .letterhead import is_date_line, is_plain_label
from .lines import is_blank

LIST_MAX_CHARS = 400
"""A lead-in and its list up to this long stay one unit."""
SHORT_ITEM_CHARS = 30
"""Items this short (a word or two: 氏名, 電話番号) keep their list whole however long it is."""
LONG_PARAGRAPH_CHARS = 300
"""A paragraph longer than this splits into groups of sentences."""
MIN_GROUP_CHARS = 25
"""A group of sentences is at least this long; a shorter sentence (「対象は最大で4,210名です。」)
adds to the one before it."""
RUN_ON_MAX_CHARS = 200
"""The longest paragraph that joins the one pointing ahead to it."""
SHORT_PARAGRAPH_CHARS = 20
"""A paragraph this short (「深くお詫び申し上げます。」) answers nothing alone: it joins the one
before it."""
LABEL_MAX_CHARS = 40
"""The longest desk's name that labels the list of its fields below it."""

_BULLET = re.compile(r"^[\s\u3000]*(?:[・•◦▪▫→➢➤]|[-*+＊][\s\u3000])")
_SENTENCE_END = re.compile(
    r"(?:(?<![0-9０-９])[。．！？!?.])[」』）)】\]]*(?:[（(][^（）()]{0,60}[）)])?[\s\u3000]*$"
)
_SENTENCE_BREAK = re.compile(
    r"(?:(?<![0-9０-９])[。．！？])[」』）)】]*(?:[（(][^（）()]{0,60}[）)])?"
)
"""The end of a sentence inside a line; a `（…）` remark right after it belongs to it
(「…配布。（6 月 30 日～7 月 8 日）」)."""
_POINTS_BACK = re.compile(
    r"^[\s\u3000]*(?:こちら|これ(?!まで)|それ|その|この(?!たび|度)|当該|上記|前記|右記"
    r"|同(?:日|時|社|様|年|月|期間|機関|システム|サイト|センター|窓口)|以上の|そのため|このため"
    r"|したがって|従って|よって|ただし|但し|具体的には|(?:この|その)?うち|併せて|あわせて)"
)
_DESK = re.compile(r"窓口|センター|デスク|ダイヤル|相談室|問い?合わ?せ|連絡先|[：:][\s\u3000]*$")
"""A line that names a desk (or ends in `：`) labels the list of its fields below it."""
_REMARK = re.compile(r"^[\s\u3000]*(?:なお|ただし|但し|※|＊|注[:：)）])")
"""A remark on what comes just before it (「なお、パスワードは流出しておりません。」)."""
_POINTS_AHEAD = re.compile(
    r"下記|(?<![0-9０-９万千百円件名人歳])以下(?![「『（(])|次の|次に|左記|[：:][\s\u3000]*$"
)


@dataclass(frozen=True)
class Unit:
    """A verbatim slice: `lines[start:end]`, the first from `first_col`, the last up to
    `last_col` (None: to its end)."""

    start: int
    end: int
    first_col: int = 0
    last_col: int | None = None


@dataclass
class _Piece:
    """A paragraph (`text`) or a list, and whether a blank line comes before it."""

    kind: str
    start: int
    end: int
    gap: bool
    items: list[tuple[int, int]] = field(default_factory=list)


def leads_across_a_gap(text: str) -> bool:
    """Whether a paragraph leads into a list one blank line below it: it points ahead
    (「…は以下のとおりです。」) or names a desk whose fields follow (`…お問い合わせ窓口`)."""
    stripped = text.strip()
    label = (
        "\n" not in stripped
        and len(stripped) <= LABEL_MAX_CHARS
        and bool(_DESK.search(stripped))
        and not ends_sentence(stripped)
    )
    return label or points_ahead(stripped)


def is_item_line(line: str) -> bool:
    """Whether a line opens a list item: a bullet (`・` `-` `•`) or a marker (`①` `(1)` `●`)."""
    return bool(_BULLET.match(line)) or parse_heading(line) is not None


def ends_sentence(line: str) -> bool:
    """Whether a line ends a sentence: `。` (or `．！？`), perhaps with a bracket or remark after."""
    return bool(_SENTENCE_END.search(line))


def points_back(text: str) -> bool:
    """Whether a sentence opens by pointing back at the one before (こちら, その, 当該, 同日 …)."""
    return bool(_POINTS_BACK.match(text))


def points_ahead(text: str) -> bool:
    """Whether a paragraph's last sentence points at what follows (下記, 以下, 次の, `：`)."""
    sentences = [s for s in re.split(r"(?<=[。．！？])", text.strip()) if s.strip()]
    return bool(sentences) and bool(_POINTS_AHEAD.search(sentences[-1]))


class _Block:
    """The lines handed to `split_units`, with the column the first one starts at."""

    def __init__(
        self, lines: Sequence[str], start: int, end: int, first_col: int, items: Collection[int]
    ) -> None:
        self.lines = lines
        self.start = start
        self.end = end
        self.first_col = first_col
        self.marked = items

    def col(self, index: int) -> int:
        return self.first_col if index == self.start else 0

    def text(self, start: int, end: int) -> str:
        return "\n".join(self.lines[i][self.col(i) :] for i in range(start, end))

    def is_item(self, index: int) -> bool:
        return index in self.marked or is_item_line(self.lines[index][self.col(index) :])

    def runs_on(self, item: int, index: int) -> bool:
        """Whether the non-item line `index` continues the item that starts at `item`."""
        before = self.lines[index - 1]
        if not ends_sentence(before) and len(before.strip()) > SHORT_ITEM_CHARS:
            return True  # the item's line was broken mid-sentence
        if _indent(self.lines[index]) > _indent(self.lines[item]) + 1:
            return True  # indented under the item's text
        so_far = self.text(item, index)
        sentence_item = "。" in so_far or len(so_far) > 2 * SHORT_ITEM_CHARS
        following = index
        while following < self.end and not is_blank(self.lines[following]):
            if self.is_item(following):
                return sentence_item  # text between two items of sentences belongs to the first
            following += 1
        return False


def _indent(line: str) -> int:
    """How far a line's text is indented (a full-width space counts two)."""
    stripped = line.lstrip(" \t\u3000")
    return sum(2 if char == "\u3000" else 1 for char in line[: len(line) - len(stripped)])


def _dated(line: str, neighbour: str) -> bool:
    """Whether a date line stands apart from its neighbour: it does, unless the neighbour is a
    short label like itself (a letterhead's sender)."""
    return is_date_line(line) and not is_plain_label(neighbour)


def _after_letterhead(above: Sequence[str], line: str) -> bool:
    """Whether `line` is a sentence below lines that are all a letterhead's (dates, a sender's
    name: short labels that name no desk)."""
    return (
        (ends_sentence(line) or len(line.strip()) > 2 * SHORT_ITEM_CHARS)
        and all(is_date_line(text) or is_plain_label(text) for text in above)
        and not any(_DESK.search(text) for text in above)
    )


def _pieces(block: _Block) -> list[_Piece]:
    pieces: list[_Piece] = []
    gap = False
    index = block.start
    lines = block.lines
    while index < block.end:
        if is_blank(lines[index]):
            gap, index = bool(pieces), index + 1
            continue
        if block.is_item(index):
            items: list[tuple[int, int]] = []
            stop = index
            while stop < block.end and block.is_item(stop):
                item_end = stop + 1
                while (
                    item_end < block.end
                    and not is_blank(lines[item_end])
                    and not block.is_item(item_end)
                    and block.runs_on(stop, item_end)
                ):
                    item_end += 1
                items.append((stop, item_end))
                stop = item_end
            pieces.append(_Piece("list", index, stop, gap, items))
        else:
            stop = index
            while stop < block.end and not is_blank(lines[stop]):
                if stop > index and (
                    block.is_item(stop)
                    or _dated(lines[stop], lines[stop - 1])
                    or _after_letterhead(lines[index:stop], lines[stop])
                ):
                    break
                stop += 1
                following = lines[stop] if stop < block.end else ""
                if ends_sentence(lines[stop - 1]) or _dated(lines[stop - 1], following):
                    break
            pieces.append(_Piece("text", index, stop, gap))
        index, gap = stop, False
    return pieces


def _length(block: _Block, pieces: Sequence[_Piece]) -> int:
    return sum(len(block.text(p.start, p.end).strip()) for p in pieces)


def _group(block: _Block, pieces: Sequence[_Piece]) -> list[list[_Piece]]:
    units: list[list[_Piece]] = []
    for piece in pieces:
        last = units[-1] if units else None
        if piece.kind == "list":
            lead = None
            if last is not None and last[-1].kind == "text":
                above = block.text(last[-1].start, last[-1].end)
                lead = last if not piece.gap or leads_across_a_gap(above) else None
            words = all(
                len(block.text(start, end).strip()) <= SHORT_ITEM_CHARS
                for start, end in piece.items
            )
            whole = _length(block, [piece]) + (_length(block, lead) if lead else 0)
            if words or whole <= LIST_MAX_CHARS:
                if lead is not None:
                    lead.append(piece)
                else:
                    units.append([piece])
                continue
            for number, (start, end) in enumerate(piece.items):
                item = _Piece("list", start, end, piece.gap and number == 0, [(start, end)])
                if number == 0 and lead is not None:
                    lead.append(item)
                else:
                    units.append([item])
            continue
        text = block.text(piece.start, piece.end)
        if last is not None and not piece.gap:
            previous = last[-1]
            runs_on = (
                previous.kind == "text"
                and len(text.strip()) <= RUN_ON_MAX_CHARS
                and points_ahead(block.text(previous.start, previous.end))
            )
            short = (
                len(text.strip()) <= SHORT_PARAGRAPH_CHARS
                and ends_sentence(text)
                and previous.kind == "text"
            )
            remark = previous.kind == "list" and bool(_REMARK.match(text))
            if runs_on or short or remark or points_back(text):
                last.append(piece)
                continue
        units.append([piece])
    return units


def _positions(block: _Block, start: int, end: int) -> list[tuple[int, int | None, int, int]]:
    """Where sentences end inside `lines[start:end]`: (line, column the sentence ends at or None
    for the line's end, line and column the next sentence starts at)."""
    found: list[tuple[int, int | None, int, int]] = []
    for index in range(start, end):
        line = block.lines[index]
        for match in _SENTENCE_BREAK.finditer(line, block.col(index)):
            after = match.end()
            rest = line[after:]
            if not rest.strip():
                if index + 1 < end:
                    found.append((index, None, index + 1, 0))
                continue
            skipped = len(rest) - len(rest.lstrip(" \t\u3000"))
            found.append((index, after, index, after + skipped))
    return found


def _sentence_groups(block: _Block, start: int, end: int) -> list[Unit]:
    """A long paragraph `lines[start:end]` cut between sentences (see the module docstring)."""
    breaks = _positions(block, start, end)
    if not breaks:
        return [Unit(start, end, block.col(start))]
    bounds = [(start, block.col(start))] + [(line, col) for _, _, line, col in breaks]
    ends: list[tuple[int, int | None]] = [(line, col) for line, col, _, _ in breaks]
    ends.append((end - 1, None))

    def text(number: int) -> str:
        (first, col), (last, stop) = bounds[number], ends[number]
        return _slice(block, first, col, last, stop)

    groups: list[list[int]] = [[0]]
    size = len(text(0))
    for number in range(1, len(bounds)):
        sentence = text(number)
        if (
            size >= MIN_GROUP_CHARS
            and len(sentence) >= MIN_GROUP_CHARS
            and not points_back(sentence)
        ):
            groups.append([number])
            size = 0
        else:
            groups[-1].append(number)
        size += len(sentence)
    units = []
    for group in groups:
        (first, col), (last, stop) = bounds[group[0]], ends[group[-1]]
        units.append(Unit(first, last + 1, col, stop))
    return units


def _slice(block: _Block, first: int, col: int, last: int, stop: int | None) -> str:
    parts = []
    for index in range(first, last + 1):
        line = block.lines[index]
        begin = col if index == first else 0
        parts.append(line[begin:stop] if index == last else line[begin:])
    return "\n".join(parts).strip()


def split_units(
    lines: Sequence[str],
    start: int,
    end: int,
    *,
    first_col: int = 0,
    items: Collection[int] = (),
) -> list[Unit]:
    """The answerable units of `lines[start:end]`, in order (see the module docstring).

    `first_col` is where the first line's text starts (after an item's marker); `items` are
    lines known to be list items though they carry no marker (an HTML page's `<li>`).
    """
    block = _Block(lines, start, end, first_col, frozenset(items))
    units: list[Unit] = []
    for group in _group(block, _pieces(block)):
        first, last = group[0].start, group[-1].end
        long = _length(block, group) > LONG_PARAGRAPH_CHARS
        if long and all(piece.kind == "text" for piece in group):
            units.extend(_sentence_groups(block, first, last))
        else:
            units.append(Unit(first, last, block.col(first)))
    return units
