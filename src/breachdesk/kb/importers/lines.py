"""Lines of a text document, verbatim slices of them, and the cues the text importers share.

Every text importer cuts the document into line ranges and hands each range here, so that the
rule "the answer is a verbatim slice of the source, outer blank lines stripped" lives in one place.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from breachdesk.kb.decode import decode
from breachdesk.kb.parsed import EntryKind, ParsedEntry, Source

DEFAULT_MAX_BYTES = 20_000_000

_QUESTION_END = re.compile(
    r"(?:[？?]|か|ください|下さい|たい|ほしい|欲しい|でしょうか|は|について|教えて)"
    r"[。．.！!]?\s*[）)」』]?\s*$"
)
_STRICT_QUESTION_END = re.compile(
    r"(?:[？?]|か|でしょうか|ください|下さい|教えて)[。．.！!]?\s*[）)」』]?\s*$"
)
_NOTE_MARK = re.compile(r"^\s*(?:[※＊*]|注[:：)）]|注記)")
_CONTACT_HEADING = re.compile(
    r"(?:お?問い?合わ?せ|相談|連絡)(?:先|窓口)|窓口|コールセンター|お客様相談室"
)
_SENTENCE_END = re.compile(r"[。．]")
_HEADING_MAX_CHARS = 40
_NOTE_QUESTION_MAX_CHARS = 80


def source_text(source: Source) -> str:
    """The decoded text of a source, decoding its bytes when the caller has not done so."""
    if source.text is not None:
        return source.text
    return decode(source.path, source.data, max_bytes=DEFAULT_MAX_BYTES)[0]


def is_blank(line: str) -> bool:
    """Whether a line holds nothing but whitespace (full-width spaces included)."""
    return not line.strip()


def looks_like_question(text: str, *, strict: bool = False) -> bool:
    """Whether a line reads like a question: it ends in ？, か, ください, たい, は, について …

    `strict` accepts only a real question (？, か, でしょうか, ください): a heading such as
    `今後の対応について` is a topic in a notice, though a bulleted FAQ asks it as a question.
    """
    pattern = _STRICT_QUESTION_END if strict else _QUESTION_END
    return bool(pattern.search(text.strip()))


def is_note(text: str) -> bool:
    """Whether a line is a remark such as `※ …` or `注：…`."""
    return bool(_NOTE_MARK.match(text))


def is_contact_heading(text: str) -> bool:
    """Whether a line heads a contact block (お問い合わせ先, 相談窓口 …): short and no sentence."""
    stripped = text.strip()
    return (
        0 < len(stripped) <= _HEADING_MAX_CHARS
        and not _SENTENCE_END.search(stripped)
        and bool(_CONTACT_HEADING.search(stripped))
    )


def note_question(text: str) -> str:
    """The question a note is filed under: its first sentence, else `注記`."""
    body = _NOTE_MARK.sub("", text.strip(), count=1).strip()
    match = _SENTENCE_END.search(body)
    first = body[: match.end()] if match else body.split("\n", 1)[0]
    return first if 0 < len(first) <= _NOTE_QUESTION_MAX_CHARS else "注記"


def verbatim(
    lines: Sequence[str],
    start: int,
    end: int,
    *,
    first_col: int = 0,
    last_col: int | None = None,
    keep_indent: bool = False,
) -> tuple[str, int, int] | None:
    """The text of `lines[start:end]` as published, with its 1-based first and last line.

    `first_col` skips a marker at the start of the first line (`A.`, `- `); `last_col` ends the
    last line there (a unit that stops between two sentences of one line). Outer blank lines are
    dropped; the text is stripped unless `keep_indent` (tables whose first cell is empty start
    with a tab that belongs to the table). Returns None when the range holds no text.
    """
    chunk = list(lines[start:end])
    if chunk and last_col is not None:
        chunk[-1] = chunk[-1][:last_col]
    if chunk:
        chunk[0] = chunk[0][first_col:]
    first = next((i for i, line in enumerate(chunk) if not is_blank(line)), None)
    if first is None:
        return None
    last = max(i for i, line in enumerate(chunk) if not is_blank(line))
    text = "\n".join(chunk[first : last + 1])
    text = text.strip("\n") if keep_indent else text.strip()
    return text, start + first + 1, start + last + 1


def make_entry(
    kind: EntryKind,
    question: str,
    lines: Sequence[str],
    start: int,
    end: int,
    *,
    section: tuple[str, ...] = (),
    first_col: int = 0,
    last_col: int | None = None,
    keep_indent: bool = False,
) -> ParsedEntry | None:
    """An entry whose answer is the verbatim slice `lines[start:end]`; None if that is empty."""
    sliced = verbatim(
        lines, start, end, first_col=first_col, last_col=last_col, keep_indent=keep_indent
    )
    if sliced is None or not question.strip():
        return None
    answer, line_start, line_end = sliced
    return ParsedEntry(kind, question.strip(), answer, section, line_start, line_end)


def split_contacts(
    lines: Sequence[str], start: int, end: int, section: tuple[str, ...] = ()
) -> tuple[int, list[ParsedEntry]]:
    """Find a trailing contact block in `lines[start:end]`.

    Returns where the block starts (`end` when there is none) and one `contact` entry per contact
    heading in it, each filed under its heading (a sub-heading right below stays in the text). Called on the last answer of a FAQ, where
    publishers put their desk's phone, hours and mail.
    """
    headings = [i for i in range(start, end) if is_contact_heading(lines[i])]
    # A heading right under another (お問い合わせ先 / 臨時窓口) is part of that block.
    headings = [i for i in headings if i - 1 not in headings]
    if not headings:
        return end, []
    entries = []
    for index, heading in enumerate(headings):
        stop = headings[index + 1] if index + 1 < len(headings) else end
        entry = make_entry("contact", lines[heading], lines, heading + 1, stop, section=section)
        if entry is not None:
            entries.append(entry)
    return headings[0], entries


def split_trailing_note(
    lines: Sequence[str], start: int, end: int, section: tuple[str, ...] = ()
) -> tuple[int, ParsedEntry | None]:
    """Split a closing `※ …` paragraph off the text `lines[start:end]`.

    The last answer of a FAQ often ends with a remark addressed to every reader (※ご質問は下記
    窓口まで…); it is filed as a `note` rather than as part of that one answer. Returns the new
    end of the answer and the note, or `(end, None)` when there is no such paragraph.
    """
    filled = [i for i in range(start, end) if not is_blank(lines[i])]
    if not filled:
        return end, None
    first = filled[-1]
    while first - 1 >= start and not is_blank(lines[first - 1]):
        first -= 1
    if first == filled[0] or not is_note(lines[first]):
        return end, None
    entry = make_entry("note", note_question(lines[first]), lines, first, end, section=section)
    return first, entry
