"""PDF documents: extract the text layer with pypdf, then read it like any text document.

Some PDFs yield their text with no line breaks at all; before the shape is detected, breaks are
put back (`breaks.restore_breaks`: in front of the markers the text importers rely on — `Q.`,
`A.`, `【質問】`, `・`, `①`, numbered headings — and after a heading's label and a sentence's end).
Most yield one line per printed line, so a sentence is broken wherever the page's width ended
it; such hard breaks are joined (`join_wrapped_lines`): a line that fills the page's width (as
wide as nine in ten of its long lines, less 15 %) and ends mid-sentence runs into the next,
unless that one opens a heading or a list item (a centred or right-aligned line is short, so
it never runs on). Where the page leaves a vertical gap is read off pypdf's layout extraction of
the same page (used only when it holds the same lines; its indentation is not trusted, as it
drifts from one text object to the next): a gap starts a paragraph, a blank line is put there,
and nothing is joined across it. The text read, and the lines entries cite, are the joined
ones.
A PDF without a text layer (a scan) cannot be imported.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import cast

from breachdesk.errors import DocumentFormatError
from breachdesk.kb.parsed import ParsedEntry, Source

from .breaks import break_before_markers
from .breaks import restore_breaks as restore_all_breaks
from .headings import parse_heading
from .sniffing import TextImporter, detect_text_format, text_importer
from .units import ends_sentence

NAME = "pdf"

_MIN_BREAKS = 3
_MAX_AVERAGE_LINE = 200
_FULL_SHARE = 0.85
"""A line at least this share of the page's width is full: the page, not the text, ended it."""
_LONG_LINE = 10
_ITEM = re.compile(r"^[\s\u3000]*(?:[・•※＊*-]|[QＱAＡ問答][0-9０-９]*[.．:：])")
_SPACE = re.compile(r"\s")


def _width(line: str) -> int:
    """A line's printed width in half-width cells (a Japanese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line.strip())


def _gaps(plain: str, layout: str) -> list[bool | None]:
    """For each line of a page's text, whether a vertical gap comes before it, read off pypdf's
    layout extraction of the same page; all None when the two extractions do not hold the same
    lines."""
    lines = plain.split("\n")
    printed = [(i, line) for i, line in enumerate(layout.split("\n")) if line.strip()]
    unknown: list[bool | None] = [None] * len(lines)
    gaps: list[bool | None] = []
    cursor = 0
    for line in lines:
        if not line.strip():
            gaps.append(None)
            continue
        if cursor >= len(printed) or _SPACE.sub("", printed[cursor][1]) != _SPACE.sub("", line):
            return unknown
        gaps.append(cursor > 0 and printed[cursor][0] - printed[cursor - 1][0] > 1)
        cursor += 1
    return gaps if cursor == len(printed) else unknown


def join_wrapped_lines(text: str, gaps: Sequence[bool | None] | None = None) -> str:
    """`text` with the page's hard breaks inside sentences removed (see the module docstring).

    `gaps` (one per line) tell which lines were printed after a vertical gap: such a line starts
    a paragraph (a blank line is put before it) and is never run into.
    """
    lines = text.split("\n")
    after_gap = list(gaps) if gaps is not None and len(gaps) == len(lines) else [None] * len(lines)
    widths = sorted(_width(line) for line in lines if len(line.strip()) >= _LONG_LINE)
    full = widths[int(0.9 * (len(widths) - 1))] * _FULL_SHARE if widths else float("inf")
    joined: list[str] = []
    runs_on = False
    for line, gap in zip(lines, after_gap, strict=True):
        if gap and joined and joined[-1].strip():
            joined.append("")
            runs_on = False
        if runs_on and line.strip() and parse_heading(line) is None and not _ITEM.match(line):
            before, after = joined[-1].rstrip(), line.strip()
            space = " " if before[-1:].isascii() and after[:1].isascii() else ""
            joined[-1] = before + space + after
        else:
            joined.append(line)
        last = joined[-1]
        runs_on = bool(last.strip()) and _width(last) >= full and not ends_sentence(last)
    return "\n".join(joined)


def _needs_breaks(text: str) -> bool:
    lines = text.strip().split("\n")
    return len(lines) <= _MIN_BREAKS or len(text) / len(lines) > _MAX_AVERAGE_LINE


class _Unreadable(Exception):
    """The PDF cannot be read; `extract_text` names the file."""


@functools.lru_cache(maxsize=2)
def _text_layer(data: bytes) -> str:
    """The text of a PDF's bytes (see the module docstring); kept for the document's title."""
    from pypdf import PdfReader  # here, not at import: the CLI's listings stay fast
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [_newlines(page.extract_text() or "") for page in reader.pages]
    except (PyPdfError, ValueError, OSError) as exc:
        raise _Unreadable(f"not a readable PDF: {exc}") from exc
    text = "\n".join(pages)
    if not text.strip():
        raise _Unreadable("the PDF has no text layer (image-only or scanned); run OCR first")
    if _needs_breaks(text):
        return restore_all_breaks(text)
    gaps: list[bool | None] = []
    for page, plain in zip(reader.pages, pages, strict=True):
        try:
            layout = _newlines(page.extract_text(extraction_mode="layout") or "")
        except Exception:  # the layout is only a hint: a page it fails on is read without it
            layout = ""
        gaps += _gaps(plain, layout)
    return join_wrapped_lines(text, gaps)


def extract_text(source: Source) -> str:
    """The text layer of a PDF, line breaks restored when extraction lost them and joined where
    the page's width broke a sentence."""
    try:
        return _text_layer(source.data)
    except _Unreadable as exc:
        raise DocumentFormatError(source.path, None, str(exc)) from exc


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


restore_breaks = break_before_markers
"""Line breaks before the markers only (kept under its old name)."""


def _as_text(source: Source) -> tuple[TextImporter, Source]:
    text = extract_text(source)
    return text_importer(detect_text_format(text)), Source(source.path, source.data, text, None)


def parse(source: Source) -> list[ParsedEntry]:
    """Entries of the PDF's text, read by the text importer whose shape it has."""
    importer, text = _as_text(source)
    return importer.parse(text)


def title(source: Source) -> str | None:
    """The title the text importer reads off the PDF's text (a notice's, a report's)."""
    importer, text = _as_text(source)
    titler = cast("Callable[[Source], str | None] | None", getattr(importer, "title", None))
    return titler(text) if titler else None
