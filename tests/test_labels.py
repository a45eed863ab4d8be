"""One mapping from stored codes to the Japanese an operator reads."""

from __future__ import annotations

from breachdesk.inquiries.service import CHANNELS, OUTCOMES
from breachdesk.kb.importers import FORMATS
from breachdesk.labels import KINDS, column_labels, label


def test_every_channel_outcome_and_format_the_core_knows_has_a_japanese_label() -> None:
    for kind, codes in (("channel", CHANNELS), ("outcome", OUTCOMES), ("format", FORMATS)):
        for code in codes:
            assert code in KINDS[kind], (kind, code)
            assert label(kind, code) != code, (kind, code)  # never the stored code itself


def test_an_unknown_code_shows_as_itself_rather_than_vanishing() -> None:
    assert label("channel", "fax") == "fax"
    assert label("outcome", None) == "—"


def test_the_daily_header_is_translated_but_category_names_are_kept() -> None:
    header = ["date", "offered", "answered", "answer_rate", "不正利用", "events"]
    assert column_labels(header) == ["日付", "入電", "応答", "応答率", "不正利用", "出来事"]
    assert set(KINDS) >= {"channel", "outcome", "format", "source", "column"}
