"""notify/templates.py and notify/preview.py: placeholders checked with file, line and column;
subjects; the SMS limit at draft time; versions reused or drafted; approval; a masked preview."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from notify_support import Register, make_register

from breachdesk.auth.service import Actor
from breachdesk.db import Database
from breachdesk.errors import DocumentFormatError
from breachdesk.notify.preview import preview_template
from breachdesk.notify.templates import (
    PLACEHOLDERS,
    approve_template,
    draft_template,
    list_templates,
    parse_template,
    render,
)

EDITOR = Actor("eri")


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("{name} 様\n{nmae} の件\n", 2, 1),
        ("こんにちは\n\n  {name.upper} 様", 3, 3),
        ("{items[0]}", 1, 1),
        ("{name!r}", 1, 1),
        ("{code:>20}", 1, 1),
        ("{name} {", 1, 8),
        ("a } b", 1, 3),
        ("{\nname}", 1, 1),
    ],
)
def test_a_bad_placeholder_names_the_file_line_and_column(
    text: str, line: int, column: int
) -> None:
    with pytest.raises(DocumentFormatError) as caught:
        parse_template(text, "letter", where="letter.txt")
    assert caught.value.path == "letter.txt" and caught.value.line == line
    assert f"{column}文字目" in caught.value.reason


@given(st.lists(st.sampled_from([*PLACEHOLDERS, "{{", "}}", "あ", "x", " ", "\n"]), min_size=1))
def test_any_text_of_known_placeholders_parses_and_renders_each_value(parts: list[str]) -> None:
    text = "本文" + "".join("{" + p + "}" if p in PLACEHOLDERS else p for p in parts)
    parsed = parse_template(text, "letter", where="t")
    values = {p: f"<{p}>" for p in PLACEHOLDERS}
    out = render(parsed.body, values)
    assert parsed.fields == {p for p in parts if p in PLACEHOLDERS}
    literal = {"{{": "{", "}}": "}"}
    expected = "本文" + "".join(values.get(p, literal.get(p, p)) for p in parts)
    assert out == expected.rstrip("\n") + "\n"


def test_a_mail_subject_line_is_split_off() -> None:
    for first in (
        "件名：お知らせ {name}様",
        "Subject: お知らせ {name}様",
        "件名: お知らせ {name}様",
    ):
        parsed = parse_template(f"{first}\n本文 {{items}}\n", "mail", where="mail.txt")
        assert parsed.subject == "お知らせ {name}様"
        assert parsed.body == "本文 {items}\n"
    assert parse_template("本文だけ\n", "mail", where="m").subject == ""
    # Only a mail has a subject line; a letter keeps it as text.
    assert parse_template("件名：x\n本文", "letter", where="l").body.startswith("件名：x")


def test_an_sms_over_the_limit_with_worst_case_values_is_refused_at_draft(
    db: Database, tmp_path: Path
) -> None:
    reg = make_register(db, tmp_path, count=3)
    text = "【テスト】{name}様 {items} {check_url} {desk}"
    with pytest.raises(DocumentFormatError, match="上限 60 文字") as caught:
        draft_template(
            db,
            reg.slug,
            "sms",
            text,
            by=EDITOR,
            public_base_url="https://h.example.jp",
            sms_max_chars=60,
            where="sms.txt",
        )
    assert caught.value.path == "sms.txt"
    view = draft_template(
        db,
        reg.slug,
        "sms",
        text,
        by=EDITOR,
        public_base_url="https://h.example.jp",
        sms_max_chars=670,
        where="sms.txt",
    )
    assert view.status == "draft"


def test_an_unchanged_text_reuses_its_version_and_a_changed_one_is_a_new_draft(
    db: Database, tmp_path: Path
) -> None:
    reg = make_register(db, tmp_path, count=3)

    def draft(text: str) -> tuple[int, int, str]:
        v = draft_template(
            db, reg.slug, "letter", text, by=EDITOR, public_base_url="u", sms_max_chars=670
        )
        return v.id, v.version, v.status

    first = draft("{name} 様\n")
    assert draft("{name} 様\n") == first
    approved = approve_template(db, first[0], by=Actor("ada"))
    assert (approved.status, approved.approved_by) == ("approved", "ada")
    assert draft("{name} 様\r\n") == (first[0], 1, "approved")  # the same text, another line end
    second = draft("{name} 様、お詫び\n")
    assert second[1:] == (2, "draft")
    assert [(v.version, v.status) for v in list_templates(db, reg.slug)] == [
        (1, "approved"),
        (2, "draft"),
    ]


def test_a_preview_renders_a_real_person_with_masked_values(db: Database, tmp_path: Path) -> None:
    reg: Register = make_register(db, tmp_path, count=5)
    view = draft_template(
        db,
        reg.slug,
        "mail",
        "件名：{name}様へ\n{name} 様\n項目：{items}\n",
        by=EDITOR,
        public_base_url="https://h.example.jp",
        sms_max_chars=670,
    )
    person = next(p for p, x in reg.people.items() if x.n == 4)
    shown = preview_template(
        db,
        reg.keyring,
        view.id,
        person_id=person,
        public_base_url="https://h.example.jp",
        by=EDITOR,
    )
    x = reg.people[person]
    assert x.name not in shown.text and x.name not in shown.subject
    assert shown.text.startswith(x.name[0] + "***")
    assert "項目：氏名、住所、カード番号" in shown.text
