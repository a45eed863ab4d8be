"""Document importers: one module per source shape, and the registry that picks one.

`parse_document` is the entry point: bytes in, a `ParsedDocument` out. Binary formats (XLSX,
PDF) are chosen by extension or magic bytes; text is decoded strictly (UTF-8, CP932, UTF-16) and
its shape sniffed: table > dashlist > bullet > markdown > qa, with notice as the fallback. A text
that lost its line breaks (a PDF's text saved as `.txt`) has them put back first (`breaks`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePath
from typing import Protocol, cast

from breachdesk.errors import DocumentFormatError
from breachdesk.kb.decode import decode
from breachdesk.kb.parsed import ParsedDocument, ParsedEntry, Source

from . import bullet, dashlist, html, markdown, notice, pdf, qa, table, xlsx
from .breaks import needs_breaks, restore_breaks
from .lines import DEFAULT_MAX_BYTES
from .sniffing import detect_text_format


class Importer(Protocol):
    """An importer module: its format name and a pure `parse` of one source."""

    @property
    def NAME(self) -> str: ...  # a module constant, read through the protocol

    def parse(self, source: Source) -> list[ParsedEntry]: ...


FORMATS: dict[str, Importer] = {
    module.NAME: module
    for module in (table, dashlist, bullet, qa, notice, markdown, html, xlsx, pdf)
}
"""Every importer by format name, as accepted by `parse_document(format=…)`."""

EXTENSIONS = {
    ".xlsx": xlsx.NAME,
    ".xlsm": xlsx.NAME,
    ".pdf": pdf.NAME,
    ".html": html.NAME,
    ".htm": html.NAME,
    ".md": markdown.NAME,
    ".markdown": markdown.NAME,
    ".csv": table.NAME,
    ".tsv": table.NAME,
}
_BINARY = frozenset({xlsx.NAME, pdf.NAME})
_MAGIC = ((b"%PDF-", pdf.NAME), (b"PK\x03\x04", xlsx.NAME))


def _binary_format(path: str, data: bytes) -> str | None:
    by_extension = EXTENSIONS.get(PurePath(path).suffix.lower())
    if by_extension in _BINARY:
        return by_extension
    return next((name for magic, name in _MAGIC if data.startswith(magic)), None)


def detect_format(source: Source) -> str:
    """The format name for a source: by extension, then magic bytes, then by sniffing its text."""
    by_extension = EXTENSIONS.get(PurePath(source.path).suffix.lower())
    if by_extension is not None:
        return by_extension
    binary = _binary_format(source.path, source.data)
    if binary is not None:
        return binary
    text = source.text
    if text is None:
        text = decode(source.path, source.data, max_bytes=DEFAULT_MAX_BYTES)[0]
    return detect_text_format(text)


def parse_document(
    path: str, data: bytes, *, format: str = "auto", max_bytes: int = DEFAULT_MAX_BYTES
) -> ParsedDocument:
    """Import one document: decode it, pick its importer and return its entries.

    `format` is `auto` or a name in `FORMATS`. Raises `DocumentFormatError` for an unknown
    format, an unreadable or over-size file, and a document in which no entry is found.
    """
    if format != "auto" and format not in FORMATS:
        valid = ", ".join(["auto", *sorted(FORMATS)])
        raise DocumentFormatError(path, None, f"unknown format {format!r}; valid formats: {valid}")
    if len(data) > max_bytes:
        raise DocumentFormatError(
            path, None, f"file is {len(data):,} bytes, over the limit of {max_bytes:,} bytes"
        )
    if not data:
        raise DocumentFormatError(path, None, "empty file: it holds no text")
    binary = format if format in _BINARY else None
    if format == "auto":
        binary = _binary_format(path, data)
    if binary is not None:
        source = Source(path, data)
    else:
        text, encoding = decode(path, data, max_bytes=max_bytes)
        if format in ("auto", notice.NAME, qa.NAME) and needs_breaks(text):
            text = restore_breaks(text)  # line numbers are then those of the restored text
        source = Source(path, data, text, encoding)
    name = format if format != "auto" else detect_format(source)
    importer = FORMATS[name]
    entries = importer.parse(source)
    if not entries:
        raise DocumentFormatError(path, None, f"no entries found (read as {name})")
    titler = cast("Callable[[Source], str | None] | None", getattr(importer, "title", None))
    return ParsedDocument(
        path=path,
        format=name,
        encoding=source.encoding,
        entries=entries,
        title=titler(source) if titler else None,
    )


__all__ = ["EXTENSIONS", "FORMATS", "Importer", "detect_format", "parse_document"]
