"""PDF documents: extract the text layer with pypdf, then read it like any text document.

Some PDFs yield their text with no line breaks at all; before the shape is detected, breaks are
put back (`breaks.restore_breaks`: in front of the markers the text importers rely on — `Q.`,
`A.`, `【質問】`, `・`, `①`, numbered headings — and after a heading's label and a sentence's end).
A PDF without a text layer (a scan) cannot be imported.
"""

from __future__ import annotations

import io

from breachdesk.errors import DocumentFormatError
from breachdesk.kb.parsed import ParsedEntry, Source

from .breaks import break_before_markers
from .breaks import restore_breaks as restore_all_breaks
from .sniffing import detect_text_format, text_importer

NAME = "pdf"

_MIN_BREAKS = 3
_MAX_AVERAGE_LINE = 200


def _needs_breaks(text: str) -> bool:
    lines = text.strip().split("\n")
    return len(lines) <= _MIN_BREAKS or len(text) / len(lines) > _MAX_AVERAGE_LINE


def extract_text(source: Source) -> str:
    """The text layer of a PDF, line breaks restored when extraction lost them."""
    from pypdf import PdfReader  # here, not at import: the CLI's listings stay fast
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(source.data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, OSError) as exc:
        raise DocumentFormatError(source.path, None, f"not a readable PDF: {exc}") from exc
    text = "\n".join(pages).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentFormatError(
            source.path, None, "the PDF has no text layer (image-only or scanned); run OCR first"
        )
    return restore_all_breaks(text) if _needs_breaks(text) else text


restore_breaks = break_before_markers
"""Line breaks before the markers only (kept under its old name)."""


def parse(source: Source) -> list[ParsedEntry]:
    """Entries of the PDF's text, read by the text importer whose shape it has."""
    text = extract_text(source)
    importer = text_importer(detect_text_format(text))
    return importer.parse(Source(source.path, source.data, text, None))
