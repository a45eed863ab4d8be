"""Redaction: what is personal data is replaced, what only looks like it survives."""

from __future__ import annotations

import re

import pytest

from breachdesk.privacy.redact import (
    CARD,
    MAIL,
    MY_NUMBER,
    PHONE,
    luhn_valid,
    my_number_valid,
    redact,
    redact_details,
    redact_for_log,
)


def with_check_digit(body: str) -> str:
    """The 12-digit My Number for an 11-digit body (first valid last digit)."""
    return next(body + str(c) for c in range(10) if my_number_valid(body + str(c)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("カード4111111111111111です", f"カード{CARD}です"),
        ("番号 4111-1111-1111-1111 を使いました", f"番号 {CARD} を使いました"),
        ("４１１１ １１１１ １１１１ １１１１", CARD),
        ("5500 0000 0000 0004", CARD),
        ("378282246310005（アメックス）", f"{CARD}（アメックス）"),
        ("電話は090-1234-5678まで", f"電話は{PHONE}まで"),
        ("0120-112-344", PHONE),
        ("03(1234)5678に", f"{PHONE}に"),
        ("＋８１ ９０ １２３４ ５６７８", PHONE),
        ("０９０１２３４５６７８", PHONE),
        ("aki@example.jpへ送りました", f"{MAIL}へ送りました"),
        ("連絡先はaki.b+x@mail.example.co.jpです", f"連絡先は{MAIL}です"),
        # The forms a live probe got past the first version (issue 10).
        ("カード 5555\u00a05555\u00a05555\u00a04444 です", f"カード {CARD} です"),
        ("5555 - 5555 - 5555 - 4444", CARD),
        ("3782.822463.10005", CARD),
        ("電話 090.8765.4321 へ", f"電話 {PHONE} へ"),
        ("番号は8765.4321.0989", f"番号は{MY_NUMBER}"),
        ("ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ に", f"{MAIL} に"),
        # The same classes: other spaces, dashes and dots, IME punctuation, kanji digits.
        ("4111\u200b1111\u200b1111\u200b1111", CARD),
        ("4111\u20091111\u20091111\u20091111", CARD),
        ("090−8765−4321", PHONE),
        ("090〜8765〜4321", PHONE),
        ("090・8765・4321", PHONE),
        ("090。8765。4321", PHONE),
        ("〇九〇ー八七六五ー四三二一です", f"{PHONE}です"),
        ("+81 (0)90 8765 4321", PHONE),
        ("hanako @ example.jp", MAIL),
        ("hanako＠example。jp", MAIL),
        # Two findings in one run of numbers are two findings, not one 27-digit number.
        ("4111 1111 1111 1111、090 8765 4321", f"{CARD}、{PHONE}"),
        ("4111-1111-1111-1111 090-8765-4321", f"{CARD} {PHONE}"),
        ("+4111 1111 1111 1111", f"+{CARD}"),
    ],
)
def test_personal_data_is_replaced(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111112は私のカードです",  # 16 digits failing Luhn: not a card
        "1234 5678 9012 3456",  # fails Luhn too
        "63,337件のカードが対象です",
        "QUOカードPay 500円分",
        "〒100-0001 東京都千代田区",
        "2022年7月29日（金）",
        "注文番号 20220729-0001",
        "令和4年1月25日から",
        "受付 9:00～17:00",
        "123456789012",  # 12 digits with a wrong My Number check digit
        "バージョン 1.2.3、価格 1,000円、2022.07.29",
        "受付時間 9:00〜17:00（土日祝を除く）",
    ],
)
def test_things_that_only_look_like_personal_data_survive(text: str) -> None:
    assert redact(text) == text


def test_my_number_check_digit() -> None:
    assert my_number_valid("123456789018")  # the example the 施行規則's formula gives
    assert not my_number_valid("123456789012")
    assert not my_number_valid("12345678901")
    number = with_check_digit("98765432109")
    assert redact(f"個人番号は{number}です") == f"個人番号は{MY_NUMBER}です"
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert redact(f"個人番号は{wrong}です") == f"個人番号は{wrong}です"


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")


def test_details_count_kinds_but_never_values() -> None:
    text, found = redact_details("4111111111111111 と 090-1234-5678 と a@b.jp と 03-1111-2222")
    assert found == {CARD: 1, PHONE: 2, MAIL: 1}
    assert "4111" not in text and "1234" not in text
    assert all("4111" not in key for key in found)


def test_log_redaction_is_cut() -> None:
    line = redact_for_log("あ" * 500 + "4111111111111111")
    assert len(line) == 201 and line.endswith("…")
    assert "4111" not in redact_for_log("x" * 10 + "4111111111111111")


def test_log_redaction_escapes_line_breaks() -> None:
    line = redact_for_log('q\n127.0.0.1 "GET /console" 200')
    assert "\n" not in line and "\\x0a" in line


def luhn_runs(text: str) -> list[str]:
    return [r for r in re.findall(r"\d{13,19}", text) if luhn_valid(r)]


def test_no_luhn_valid_run_survives_in_generated_text() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies

    def card(digits: list[int]) -> str:
        body = "".join(map(str, digits))
        return next(body + str(c) for c in range(10) if luhn_valid(body + str(c)))

    cards = st.lists(st.integers(0, 9), min_size=12, max_size=18).map(card)
    # No digits in the noise: twenty digits of noise around separators can themselves be a
    # Luhn-valid number (test_redact_properties mixes numbers of every kind instead).
    noise = st.text(alphabet="あいう漢字 -、。", max_size=20)

    @hypothesis.settings(max_examples=200, deadline=None)
    @hypothesis.given(st.lists(st.tuples(noise, cards), min_size=1, max_size=4), noise)
    def check(parts: list[tuple[str, str]], tail: str) -> None:
        # Cards are separated from the noise by a non-digit, as they are in text people type
        # (a 25-digit run is not a card number, whatever windows of it would pass Luhn).
        text = "".join(f"{a}「{b}」" for a, b in parts) + tail
        assert all(luhn_runs(piece) == [] for piece in re.split(r"[「」]", redact(text)))
        assert redact(text).count(CARD) == len(parts)

    check()
