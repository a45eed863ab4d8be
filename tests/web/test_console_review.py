"""The console's review queue over HTTP: a chosen suggestion accepted with one click, twins shown
and decided as one, the badge counting only what needs a decision, 確からしさ explained."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.desk import Desk
from breachdesk.kb import editing
from breachdesk.review import service as review

SLUG = "aozora"
FAQ = (
    "Q1. 漏えいした情報は何ですか？\nA1. 氏名と住所です。\n\n"
    "Q2. 補償はありますか？\nA2. 500円分のポイントを付与します。\n\n"
    "Q3. カードは再発行したほうがよいですか？\nA3. 念のため再発行をお勧めします。\n"
)
ODD = "店の前の植木鉢が割れていた件"


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    """A desk never sure enough to answer, so plausible questions get suggestions."""
    settings = Settings(
        db=str(tmp_path / "c.db"),
        dense_model="none",
        cache_dir=tmp_path / "c",
        answer_threshold=1.0,
    )
    the_desk = Desk(settings)
    auth.create_user(the_desk.db, "eri", PASSWORD, "editor")
    faq = tmp_path / "faq.txt"
    faq.write_text(FAQ, encoding="utf-8")
    the_desk.import_documents(SLUG, [faq], name="青空書店")
    return the_desk


def items(html: str) -> list[LexborNode]:
    return HTMLParser(html).css("ul.queue > li")


def test_a_chosen_suggestion_is_a_proposal_to_check_not_the_primary_action(desk: Desk) -> None:
    asked = desk.ask_public(SLUG, "カードの再発行は必要？")
    assert asked.answer.outcome == "suggested" and asked.question_id is not None
    chosen = asked.answer.suggestions[0].entry
    assert asked.feedback_token is not None
    desk.record_choice(asked.question_id, chosen, token=asked.feedback_token, slug=SLUG)
    editor, csrf = signed_in(desk, "eri")
    (item,) = items(editor.get(f"/console/i/{SLUG}/review").text)
    proposal = item.css_first(".proposal")
    assert proposal is not None
    # The button waits in a fold that says to check the entry first, and is a secondary one.
    fold = proposal.css_first("details")
    assert fold is not None and "確かめてから" in fold.text(deep=True)
    form = fold.css_first("form")
    assert form is not None
    fields = {i.attributes["name"]: i.attributes["value"] for i in form.css("input[type=hidden]")}
    assert fields["entry"] == chosen
    (button,) = form.css("button")
    assert "button-secondary" in (button.attributes.get("class") or "")
    # Unanswered, the engine's probability is no grade to show.
    assert item.css_first(".confidence") is None
    editor.post(form.attributes["action"] or "", data={**fields, "csrf_token": csrf})
    assert editing.entry_detail(desk.db, SLUG, chosen).phrasings == ["カードの再発行は必要？"]
    assert review.get_question(desk.db, asked.question_id).review == "attached"


def test_twins_are_one_item_and_the_badge_counts_decisions(desk: Desk) -> None:
    for question in (ODD, ODD + "。", ODD + "です"):
        desk.ask_public(SLUG, question)
    desk.ask_public(SLUG, "明日の天気は晴れますか")
    editor, _ = signed_in(desk, "eri")
    page = editor.get(f"/console/i/{SLUG}/review").text
    shown = items(page)
    assert len(shown) == 2
    assert "同じ質問 3件" in shown[0].text(deep=True)
    badge = HTMLParser(page).css_first('a[href$="/review"] .tab-count')
    assert badge is not None and badge.text(deep=True) == "2"  # twins once, each decision once


def test_the_confidence_is_a_percentage_with_its_meaning_only_on_answers(desk: Desk) -> None:
    desk.ask_public(SLUG, ODD)
    desk.engine.threshold = 0.0  # this once, the desk answers
    answered = desk.ask_public(SLUG, "補償はありますか")
    desk.engine.threshold = 1.0
    assert answered.answer.answered and answered.question_id is not None
    editor, _ = signed_in(desk, "eri")
    page = HTMLParser(editor.get(f"/console/i/{SLUG}/review?state=all").text)
    shown = {int((li.attributes.get("id") or "q0")[1:]): li for li in page.css("ul.queue > li")}
    confidence = shown[answered.question_id].css_first(".confidence")
    assert confidence is not None
    assert re.fullmatch(r"確からしさ \d{1,3} %", confidence.text(deep=True).strip())
    assert "確からしさ" in (confidence.attributes.get("title") or "")
    assert all(
        li.css_first(".confidence") is None
        for qid, li in shown.items()
        if qid != answered.question_id
    )
    assert "スコア" not in page.body.text(deep=True)  # type: ignore[union-attr]


def test_only_an_answer_is_pre_selected_as_the_attach_target(desk: Desk) -> None:
    offered = desk.ask_public(SLUG, "カードってどうしたらいい？")
    assert offered.answer.outcome == "suggested" and offered.question_id is not None
    editor, _ = signed_in(desk, "eri")
    page = HTMLParser(editor.get(f"/console/i/{SLUG}/review").text)
    (item,) = page.css("ul.queue > li")
    select = item.css_first(".queue-actions select[name=entry]")
    assert select is not None
    chosen = [o for o in select.css("option") if "selected" in o.attributes]
    # The engine's own guess is not one click away: the editor picks the entry.
    assert [o.attributes.get("value") for o in chosen] == [""]
