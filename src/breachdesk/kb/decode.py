"""Turn the bytes of a text document into text, or say exactly why they cannot be.

Japanese organisations publish in UTF-8 (with or without a BOM), in CP932/Shift_JIS and now and
then in UTF-16. Decoding is strict: a byte that fits no encoding is reported with its line number,
never replaced, because the approved answers must be stored exactly as published.
"""

from __future__ import annotations

import codecs
import re

from breachdesk.errors import DocumentFormatError

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
"""Control characters (Unicode category Cc) other than tab, newline, vertical tab, form feed."""
_CONTROL_SHARE_LIMIT = 0.05
"""Above this share of control characters (other than tab, newline, CR, form feed) a file is
taken for binary data rather than text."""


def decode(path: str, data: bytes, *, max_bytes: int) -> tuple[str, str]:
    """Decode a text document and return `(text, encoding name)`.

    The encoding is one of `utf-8`, `utf-8-sig` (BOM stripped), `cp932` or `utf-16`. Line endings
    are normalised to `\\n`; nothing else in the text changes. Raises `DocumentFormatError` for a
    file over `max_bytes`, an empty file, binary data, or bytes that are neither UTF-8 nor CP932.
    """
    if len(data) > max_bytes:
        raise DocumentFormatError(
            path, None, f"file is {len(data):,} bytes, over the limit of {max_bytes:,} bytes"
        )
    if data.startswith(_UTF16_BOMS):
        text, encoding = _decode_utf16(path, data), "utf-16"
    else:
        _reject_nul_bytes(path, data)
        text, encoding = _decode_8bit(path, data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DocumentFormatError(path, None, "empty file: it holds no text")
    _reject_control_characters(path, text)
    return text, encoding


def _decode_utf16(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-16")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode("utf-16", errors="replace").count("\n") + 1
        raise DocumentFormatError(path, line, f"invalid UTF-16 data: {exc.reason}") from exc


def _reject_nul_bytes(path: str, data: bytes) -> None:
    position = data.find(b"\x00")
    if position >= 0:
        raise DocumentFormatError(
            path, _line_of(data, position), "binary data (NUL bytes), not a text document"
        )


def _decode_8bit(path: str, data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise DocumentFormatError(
                path,
                _line_of(data, exc.start + len(codecs.BOM_UTF8)),
                f"invalid UTF-8 after a UTF-8 byte-order mark (byte 0x{data[exc.start + 3]:02x})",
            ) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_error:
        error = utf8_error
    # Japanese text that decoded as UTF-8 up to the bad byte is UTF-8 with a broken byte: CP932
    # would read it as mojibake without complaint, so it is not tried.
    if data[: error.start].isascii():
        try:
            return data.decode("cp932"), "cp932"
        except UnicodeDecodeError as cp932_error:
            error = cp932_error
    raise DocumentFormatError(
        path,
        _line_of(data, error.start),
        f"undecodable byte 0x{data[error.start]:02x}: the file is neither UTF-8 nor CP932/Shift_JIS",
    )


def _reject_control_characters(path: str, text: str) -> None:
    controls = [match.start() for match in _CONTROL.finditer(text)]
    if controls and len(controls) > _CONTROL_SHARE_LIMIT * len(text):
        line = text.count("\n", 0, controls[0]) + 1
        raise DocumentFormatError(
            path, line, "binary data (many control characters), not a text document"
        )


def _line_of(data: bytes, position: int) -> int:
    """The 1-based line of a byte offset; CR, LF and CRLF each end one line."""
    head = data[:position].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return head.count(b"\n") + 1
