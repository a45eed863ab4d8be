"""Decoding documents: encodings detected strictly, line endings normalised, bad input named."""

from __future__ import annotations

import codecs

import pytest

from breachdesk.errors import DocumentFormatError
from breachdesk.kb.decode import decode

TEXT = "ミドリ雑貨オンライン\n漏えいした項目は何ですか？\t氏名と住所です。 ご安心ください。\n"
LIMIT = 1_000_000


def test_decode_reads_plain_utf8() -> None:
    assert decode("faq.txt", TEXT.encode("utf-8"), max_bytes=LIMIT) == (TEXT, "utf-8")


def test_decode_strips_utf8_bom_and_reports_utf8_sig() -> None:
    text, encoding = decode("faq.txt", codecs.BOM_UTF8 + TEXT.encode("utf-8"), max_bytes=LIMIT)
    assert (text, encoding) == (TEXT, "utf-8-sig")


def test_decode_detects_cp932() -> None:
    assert decode("faq.txt", TEXT.encode("cp932"), max_bytes=LIMIT) == (TEXT, "cp932")


def test_decode_reads_cp932_only_characters() -> None:
    # NEC special characters such as ① and ㈱ exist in CP932 but not in plain Shift_JIS.
    text = "① ㈱ミドリ雑貨\n"
    assert decode("faq.txt", text.encode("cp932"), max_bytes=LIMIT) == (text, "cp932")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_decode_reads_utf16_with_bom(codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    assert decode("faq.txt", bom + TEXT.encode(codec), max_bytes=LIMIT) == (TEXT, "utf-16")


def test_decode_normalises_crlf_and_cr_but_keeps_other_whitespace() -> None:
    raw = "一行目  \r\n\u3000二行目\t\r三行目\n"
    text, _ = decode("faq.txt", raw.encode("cp932"), max_bytes=LIMIT)
    assert text == "一行目  \n\u3000二行目\t\n三行目\n"


@pytest.mark.parametrize("data", [b"", b"  \r\n\t\n", "\u3000\n".encode()])
def test_decode_rejects_empty_file(data: bytes) -> None:
    with pytest.raises(DocumentFormatError) as caught:
        decode("empty.txt", data, max_bytes=LIMIT)
    assert caught.value.path == "empty.txt"
    assert caught.value.line is None
    assert "empty" in caught.value.reason


def test_decode_rejects_binary_data_naming_line_of_first_nul() -> None:
    with pytest.raises(DocumentFormatError) as caught:
        decode("image.txt", b"GIF89a\n\x01\x00\x02\x00", max_bytes=LIMIT)
    assert (caught.value.path, caught.value.line) == ("image.txt", 2)
    assert "binary" in caught.value.reason


def test_decode_rejects_text_full_of_control_characters() -> None:
    with pytest.raises(DocumentFormatError) as caught:
        decode("dump.txt", b"abc\x01\x02\x03\x04\x05\x06", max_bytes=LIMIT)
    assert caught.value.line == 1
    assert "binary" in caught.value.reason


def test_decode_rejects_cp932_file_with_broken_byte_naming_its_line() -> None:
    # A lead byte (0x81) followed by a line feed: the third line is cut mid-character.
    broken = "一行目\n二行目\n三行目".encode("cp932") + b"\x81\n" + "四行目\n".encode("cp932")
    with pytest.raises(DocumentFormatError) as caught:
        decode("broken.txt", broken, max_bytes=LIMIT)
    assert caught.value.path == "broken.txt"
    assert caught.value.line == 3
    assert "neither UTF-8 nor CP932" in caught.value.reason
    assert str(caught.value).startswith("broken.txt:3: ")


def test_decode_rejects_utf8_file_with_broken_byte_naming_its_line() -> None:
    data = "一行目\r\n二行目\r\n".encode() + b"\xff\xfe broken\r\n"
    with pytest.raises(DocumentFormatError) as caught:
        decode("broken.txt", data, max_bytes=LIMIT)
    assert caught.value.line == 3
    assert "0xff" in caught.value.reason


def test_decode_rejects_file_over_the_size_limit() -> None:
    with pytest.raises(DocumentFormatError) as caught:
        decode("huge.txt", b"x" * 101, max_bytes=100)
    assert (caught.value.path, caught.value.line) == ("huge.txt", None)
    assert "over the limit of 100 bytes" in caught.value.reason
