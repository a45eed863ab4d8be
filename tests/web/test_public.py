"""The public help page without a browser: the no-JavaScript flows, escaping, anchors, headers."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode

from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.kb.contacts import JST
from breachdesk.kb.facts import extract_facts
from breachdesk.kb.service import EntryView
from breachdesk.review.service import get_question
from breachdesk.web.app import create_app
from breachdesk.web.public import current_time
from breachdesk.web.public_views import summarise

XSS_SLUG = "markup-test"
SCRIPT = "<script>alert(1)</script>"
# A fictional FAQ whose approved texts carry markup, and a fictional notice with a table.
MARKUP_FAQ = f"""<<架空の案内>>

・{SCRIPT}という文字列は表示されますか?
回答には{SCRIPT}と<b>太字</b>が含まれています。
この行は二行目です。

・架空の窓口の受付時間を教えてください
架空ヘルプデスク フリーダイヤル 0120-999-888(受付時間 9:00~17:00 土日祝日を除く)
"""
TABLE_NOTICE = """架空の事例についてのお知らせ

1 概要
 架空の店舗で、お客様の情報が流出した可能性があることが判明いたしました。

2 お支払い方法ごとの対象
お支払い方法\t対象
クレジットカード\t対象
銀行振込\t対象外
"""


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("public")
    settings = Settings(
        db=str(folder / "web.db"),
        dense_model="none",
        cache_dir=folder / "cache",
        rate_limit_per_minute=0,
    )
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    (folder / "markup.txt").write_text(MARKUP_FAQ, encoding="utf-8")
    (folder / "table-notice.txt").write_text(TABLE_NOTICE, encoding="utf-8")
    desk.import_documents(XSS_SLUG, [folder / "markup.txt"], format="bullet")
    desk.import_documents(XSS_SLUG, [folder / "table-notice.txt"], format="notice")
    app = create_app(settings, desk=desk)
    with TestClient(app) as test_client:
        yield test_client
    app.dependency_overrides.clear()


def desk_of(client: TestClient) -> Desk:
    desk: Desk = client.app.state.desk  # type: ignore[attr-defined]
    return desk


def entry_answering(client: TestClient, slug: str, question: str) -> EntryView:
    return next(e for e in desk_of(client).entries(slug) if e.question == question)


def page(client: TestClient, url: str, status: int = 200, **params: str) -> HTMLParser:
    response = client.get(url, params=params)
    assert response.status_code == status, response.text[:500]
    return HTMLParser(response.text)


def text(node: LexborNode | None) -> str:
    assert node is not None
    return node.text(deep=True)


def visible(node: LexborNode | None) -> bool:
    return node is not None and "hidden" not in node.attributes


def squash(value: str) -> str:
    return re.sub(r"\s+", "", value)


def test_a_question_sent_without_javascript_shows_the_approved_answer_verbatim(
    client: TestClient,
) -> None:
    entry = entry_answering(client, DEMO_SLUG, "カードを再発行したいのですが")
    assert "\n" in entry.answer
    tree = page(client, f"/i/{DEMO_SLUG}", q="カードを再発行したい")
    answer = tree.css_first("#answer .answer-found")
    assert answer is not None
    assert text(answer.css_first(".answer-text")) == entry.answer  # line breaks kept
    assert text(answer.css_first(".answer-title")) == entry.question
    assert text(answer.css_first('[data-slot="asked"]')) == "カードを再発行したい"
    link = answer.css_first('[data-slot="link"]')
    assert link is not None and link.attributes["href"] == f"#entry-{entry.id}"
    assert text(link) == entry.section.replace(" > ", " › ")  # the organisation's own title
    assert entry.file_name not in text(tree.css_first("#answer"))
    assert not re.search(r"\.txt|:\d+-\d+", text(tree.css_first("#answer")))
    assert tree.css_first("#answer .maybe, #answer .suggestions") is None
    feedback = answer.css_first("form.feedback-form")
    assert feedback is not None
    assert feedback.attributes["action"] == f"/i/{DEMO_SLUG}/feedback"
    assert feedback.attributes["method"] == "post"
    question_id = feedback.css_first('input[name="question_id"]')
    assert question_id is not None and int(question_id.attributes["value"] or "0") > 0
    assert [b.attributes["value"] for b in feedback.css("button")] == ["yes", "no"]


def test_the_question_form_is_a_plain_labelled_post_form(client: TestClient) -> None:
    # Posted: a question in `?q=` lands in browser history and in proxies' access logs.
    tree = page(client, f"/i/{DEMO_SLUG}")
    form = tree.css_first("form#ask-form")
    assert form is not None
    assert form.attributes["method"] == "post"
    assert (form.attributes["action"] or "").startswith(f"/i/{DEMO_SLUG}")
    field = form.css_first('input[name="q"]')
    assert field is not None and field.attributes["id"] == "q"
    assert tree.css_first('label[for="q"]') is not None
    assert (field.attributes["placeholder"] or "").startswith("例：")
    assert form.attributes["data-ask-url"] == f"/api/v1/incidents/{DEMO_SLUG}/ask"
    assert text(tree.css_first("#answer")).strip() == ""


def test_a_posted_question_is_answered_on_a_private_page_without_it_in_the_address(
    client: TestClient,
) -> None:
    entry = entry_answering(client, DEMO_SLUG, "カードを再発行したいのですが")
    response = client.post(f"/i/{DEMO_SLUG}", data={"q": "カードを再発行したい"})
    assert response.status_code == 200
    assert "q=" not in str(response.url)
    assert "no-store" in response.headers["cache-control"]
    tree = HTMLParser(response.text)
    assert text(tree.css_first("#answer .answer-text")) == entry.answer
    assert text(tree.css_first('#answer [data-slot="asked"]')) == "カードを再発行したい"
    feedback = tree.css_first("#answer form.feedback-form")
    assert feedback is not None and feedback.attributes["action"] == f"/i/{DEMO_SLUG}/feedback"
    too_long = client.post(f"/i/{DEMO_SLUG}", data={"q": "あ" * 1001})
    assert too_long.status_code == 422


def test_an_off_topic_question_gets_a_short_apology_and_the_desk_card_only(
    client: TestClient,
) -> None:
    tree = page(client, f"/i/{DEMO_SLUG}", q="明日の天気は晴れますか")
    none = tree.css_first("#answer .answer-none")
    assert none is not None
    assert tree.css_first("#answer .answer-found") is None
    assert "申し訳ございません" in text(none)
    tel = none.css_first(".desk-card a.tel")
    assert tel is not None and tel.attributes["href"] == "tel:0120000111"
    assert text(none.css_first(".desk-status")) in ("現在受付中", "受付時間外")
    # Nothing else: no feedback under a refusal, no other questions, one box (the desk card).
    assert none.css_first("form, .feedback, .maybe, .suggestions, button") is None
    assert len(none.css(".desk-card")) == 1 and none.css_first(".desk-card .desk-card") is None
    sentences = [p for p in none.iter() if p.tag == "p" and visible(p)]
    assert len(sentences) == 2 and len(text(sentences[-1])) < 100  # the question, the apology


@pytest.mark.parametrize(
    ("when", "status"),
    [
        (datetime(2026, 6, 10, 11, 0, tzinfo=JST), "現在受付中"),  # a Wednesday
        (datetime(2026, 6, 10, 18, 30, tzinfo=JST), "受付時間外"),  # after 17:00
        (datetime(2026, 5, 5, 11, 0, tzinfo=JST), "受付時間外"),  # こどもの日
        (datetime(2026, 6, 13, 11, 0, tzinfo=JST), "受付時間外"),  # a Saturday
    ],
)
def test_the_desk_card_says_whether_the_desk_is_open_now_in_jst(
    client: TestClient, when: datetime, status: str
) -> None:
    client.app.dependency_overrides[current_time] = lambda: when  # type: ignore[attr-defined]
    try:
        tree = page(client, f"/i/{DEMO_SLUG}")
    finally:
        client.app.dependency_overrides.pop(current_time)  # type: ignore[attr-defined]
    card = tree.css_first("#overview .desk-card")
    assert text(card.css_first('[data-slot="status-label"]') if card else None) == status
    assert when.strftime("%H:%M") in text(card.css_first(".status-time") if card else None)
    assert text(card.css_first(".desk-facts dd") if card else None) == "10:00~17:00(土日祝日を除く)"


def test_markup_in_an_approved_answer_is_shown_as_text(client: TestClient) -> None:
    entry = entry_answering(client, XSS_SLUG, f"{SCRIPT}という文字列は表示されますか?")
    tree = page(client, f"/i/{XSS_SLUG}")
    shown = tree.css_first(f"#entry-{entry.id} .prose")
    assert text(shown) == entry.answer
    assert text(tree.css_first(f"#entry-{entry.id} summary")) == entry.question
    assert [s.attributes.get("src") for s in tree.css("script")] == ["/static/help.js"]
    assert tree.css_first("#faq b") is None


def test_a_question_with_markup_is_echoed_escaped(client: TestClient) -> None:
    question = f"{SCRIPT}という文字列は表示されますか"
    tree = page(client, f"/i/{XSS_SLUG}", q=question)
    assert text(tree.css_first('#answer [data-slot="asked"]')) == question
    field = tree.css_first("input#q")
    assert field is not None and field.attributes["value"] == question
    answer = tree.css_first("#answer .answer-text")
    assert SCRIPT in text(answer) and "<b>太字</b>" in text(answer)
    assert [s.attributes.get("src") for s in tree.css("script")] == ["/static/help.js"]
    assert tree.css_first("#answer b") is None


def test_every_entry_has_an_anchor_and_each_faq_entry_a_permalink(client: TestClient) -> None:
    tree = page(client, f"/i/{DEMO_SLUG}")
    entries = desk_of(client).entries(DEMO_SLUG)
    for entry in entries:
        assert tree.css_first(f"#entry-{entry.id}") is not None, entry.id
    faq = tree.css("#faq article.faq-entry")
    assert len(faq) == sum(e.kind == "qa" for e in entries)
    for article in faq:
        anchor = article.attributes["id"]
        assert article.css_first("details > summary") is not None
        permalink = article.css_first(".permalink a")
        assert permalink is not None and permalink.attributes["href"] == f"#{anchor}"
    assert len({n.attributes["id"] for n in tree.css("[id]")}) == len(tree.css("[id]"))


def test_the_headings_are_one_h1_and_never_skip_a_level(client: TestClient) -> None:
    for slug, q in ((DEMO_SLUG, ""), (DEMO_SLUG, "明日の天気は晴れますか"), (XSS_SLUG, "")):
        tree = page(client, f"/i/{slug}", **({"q": q} if q else {}))
        levels = [int(h.tag[1]) for h in tree.css("h1, h2, h3, h4, h5, h6")]
        assert levels.count(1) == 1 and levels[0] == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
        html = tree.css_first("html")
        assert html is not None and html.attributes["lang"] == "ja"


def test_the_summary_box_shows_only_facts_published_in_the_entries_it_links(
    client: TestClient,
) -> None:
    tree = page(client, f"/i/{DEMO_SLUG}")
    summary = tree.css_first("#overview .summary")
    assert summary is not None
    rows = {text(row.css_first("dt")): row for row in summary.css(".summary-row")}
    # The demo's notice says 流出, so the page does too.
    assert list(rows) == ["流出の可能性がある期間", "対象となる情報", "件数"]
    assert [text(n) for n in rows["流出の可能性がある期間"].css(".fact")] == [
        "2026年3月1日〜2026年8月31日"
    ]
    assert [text(n) for n in rows["対象となる情報"].css(".chips li")] == [
        "カード名義人名",
        "カード番号",
        "有効期限",
        "セキュリティコード",
    ]
    assert [text(n) for n in rows["件数"].css(".fact")] == ["最大で3,210件"]
    by_anchor = {f"#entry-{e.id}": e for e in desk_of(client).entries(DEMO_SLUG)}
    for row in rows.values():
        sources = [by_anchor[a.attributes["href"] or ""] for a in row.css("a.fact-source")]
        published = squash(" ".join(e.question + e.answer for e in sources))
        for fact in [*row.css(".fact"), *row.css(".chips li")]:
            for piece in text(fact).split("〜"):
                assert piece in published, piece


def test_there_is_no_summary_box_when_the_entries_state_no_such_facts(client: TestClient) -> None:
    tree = page(client, f"/i/{XSS_SLUG}")
    assert tree.css_first(".summary") is None
    assert tree.css_first("#overview .desk-card") is not None


def test_the_notice_is_shown_in_order_under_its_headings_and_tables_as_tables(
    client: TestClient,
) -> None:
    tree = page(client, f"/i/{DEMO_SLUG}")
    notice = [e for e in desk_of(client).entries(DEMO_SLUG) if e.file_name == "sakura-notice.txt"]
    shown = [n.attributes["id"] for n in tree.css("#notice .passage")]
    assert shown == [f"entry-{e.id}" for e in notice if e.kind != "contact"]
    headings = [text(h) for h in tree.css("#notice h3, #notice h4")]
    assert "1 経緯" in headings and "(2) 件数" in headings
    table = page(client, f"/i/{XSS_SLUG}").css_first("#notice table")
    assert table is not None
    assert [text(c) for c in table.css("thead th")] == ["お支払い方法", "対象"]
    assert [text(c) for c in table.css("tbody tr:first-child > *")] == ["クレジットカード", "対象"]


def test_public_pages_send_a_strict_content_security_policy(client: TestClient) -> None:
    for url, status in ((f"/i/{DEMO_SLUG}", 200), ("/", 200), ("/i/no-such-incident", 404)):
        response = client.get(url)
        assert response.status_code == status
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        tree = HTMLParser(response.text)
        assert all(s.attributes.get("src") for s in tree.css("script"))
        assert tree.css_first("style, [style]") is None
        assert not [
            name
            for node in tree.css("*")
            for name in node.attributes
            if name.lower().startswith("on")
        ]
    asked = client.get(f"/i/{DEMO_SLUG}", params={"q": "カードを再発行したい"})
    assert asked.headers["cache-control"] == "no-store"


def test_an_unknown_incident_is_a_404_page_in_japanese(client: TestClient) -> None:
    tree = page(client, "/i/no-such-incident", status=404)
    assert text(tree.css_first("h1")) == "ページが見つかりません"
    link = tree.css_first('a[href="/"]')
    assert link is not None


def test_an_over_long_question_gets_a_clear_message(client: TestClient) -> None:
    tree = page(client, f"/i/{DEMO_SLUG}", status=422, q="あ" * 1001)
    problem = tree.css_first("#answer .answer-problem")
    assert "1,000文字以内" in text(problem)
    assert tree.css_first("#answer .answer-found, #answer .answer-none") is None
    assert tree.css_first("form#ask-form") is not None


def test_feedback_without_javascript_is_recorded_and_thanked(client: TestClient) -> None:
    entry = entry_answering(client, DEMO_SLUG, "カードを再発行したいのですが")
    tree = page(client, f"/i/{DEMO_SLUG}", q="カードを再発行したい")
    form = tree.css_first("form.feedback-form")
    assert form is not None
    fields = {
        i.attributes["name"]: i.attributes["value"] or ""
        for i in form.css("input[type=hidden]")
        if i.attributes["name"]
    }
    response = client.post(
        form.attributes["action"] or "",
        data={**fields, "helpful": "no"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"/i/{DEMO_SLUG}?") and location.endswith("#answer")
    assert get_question(desk_of(client).db, int(fields["question_id"])).helpful is False

    thanked = HTMLParser(client.get(location).text)
    assert visible(thanked.css_first("#answer .feedback-thanks"))
    assert thanked.css_first("#answer form.feedback-form") is None
    assert text(thanked.css_first("#answer .answer-text")) == entry.answer


def test_feedback_for_an_unknown_question_is_a_404_page(client: TestClient) -> None:
    response = client.post(
        f"/i/{DEMO_SLUG}/feedback",
        data={"question_id": "999999", "feedback_token": "guess", "helpful": "yes"},
    )
    assert response.status_code == 404
    assert text(HTMLParser(response.text).css_first("h1")) == "ページが見つかりません"


def test_the_index_links_every_incident_help_page(client: TestClient) -> None:
    tree = page(client, "/")
    links = {a.attributes["href"] for a in tree.css(".incident-list a")}
    assert links == {f"/i/{DEMO_SLUG}", f"/i/{XSS_SLUG}"}


def template_content(node: LexborNode | None) -> HTMLParser:
    """A <template>'s content, parsed (its nodes live outside the document tree)."""
    assert node is not None and node.html is not None
    html = node.html
    return HTMLParser(html[html.index(">") + 1 : html.rindex("</template>")])


def test_the_script_templates_hold_the_same_answer_markup(client: TestClient) -> None:
    tree = page(client, f"/i/{DEMO_SLUG}")
    found = template_content(tree.css_first("template#tpl-answered"))
    none = template_content(tree.css_first("template#tpl-abstained"))
    suggested = template_content(tree.css_first("template#tpl-suggested"))
    item = template_content(tree.css_first("template#tpl-suggestion"))
    for slot in ("asked", "matched", "text", "place", "link", "qid", "entry"):
        assert found.css_first(f'.answer-found [data-slot="{slot}"]') is not None, slot
    assert found.css_first("form.feedback-form") is not None
    assert none.css_first(".answer-none .desk-card [data-slot='status-label']") is not None
    assert none.css_first("form") is None
    assert suggested.css_first(".answer-suggested form.suggestion-form [data-slot='qid']")
    assert suggested.css_first(".answer-suggested .desk-card [data-slot='status-label']")
    assert suggested.css_first(".feedback") is None
    for slot in ("choose", "suggestion-answer", "suggestion-text", "place", "link"):
        assert item.css_first(f'li.suggestion [data-slot="{slot}"]') is not None, slot
    problem = template_content(tree.css_first("template#tpl-problem")).css_first(".answer-problem")
    assert problem is not None
    assert {"data-too-long", "data-busy", "data-failed"} <= set(problem.attributes)


def test_the_script_sets_text_only_never_html() -> None:
    script = Path(__file__).resolve().parents[2] / "src/breachdesk/web/static/help.js"
    source = script.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, sink


def fictional_entry(kind: str, question: str, answer: str, section: str = "") -> EntryView:
    return EntryView(
        id=f"x-{question}",
        incident="x",
        kind=kind,
        section=section,
        question=question,
        answer=answer,
        version=1,
        position=0,
        file_name="x.txt",
        line_start=1,
        line_end=2,
        facts=extract_facts(question + "\n" + answer).to_dict(),
    )


def test_the_summary_skips_what_a_question_asks_and_what_the_text_denies() -> None:
    summary = summarise(
        [
            fictional_entry("qa", "パスワードも流出したのですか", "流出いたしました。"),
            fictional_entry(
                "qa",
                "流出した情報は何ですか",
                "氏名とメールアドレスです。住所は含まれておりません。",
            ),
            fictional_entry(
                "qa",
                "2026年9月以降の注文は大丈夫ですか",
                "2026年9月1日から2026年9月30日のご注文は対象外です。",
            ),
            fictional_entry(
                "passage",
                "(1) 対象期間",
                "2026年3月1日から2026年8月31日までにカード決済をされたお客様",
                section="2 流出の可能性がある情報 > (1) 対象期間",
            ),
            fictional_entry(
                "passage",
                "1 現状",
                "コールセンターへの問い合わせは1日あたり最大で121件でした。",
                section="1 現状",
            ),
            fictional_entry(
                "passage",
                "2 件数",
                "流出した可能性があるのは、最大で3,210件です。",
                section="2 件数",
            ),
        ]
    )
    assert [line.text for line in summary.items] == ["氏名", "メールアドレス"]
    assert [line.text for line in summary.periods] == ["2026年3月1日〜2026年8月31日"]
    assert [line.text for line in summary.counts] == ["最大で3,210件"]
    assert summary.periods[0].source.label == "2 流出の可能性がある情報 › (1) 対象期間"


# --- suggestions -------------------------------------------------------------------------------

VAGUE = "カードの再発行について"


@pytest.fixture(scope="module")
def suggesting(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """The demo on a desk never sure enough to answer: plausible questions get suggestions."""
    folder = tmp_path_factory.mktemp("suggesting")
    settings = Settings(
        db=str(folder / "web.db"),
        dense_model="none",
        cache_dir=folder / "cache",
        rate_limit_per_minute=0,
        answer_threshold=1.0,
    )
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    with TestClient(create_app(settings, desk=desk)) as test_client:
        yield test_client


def test_a_vague_question_offers_suggestions_with_the_desk_card_and_no_feedback(
    suggesting: TestClient,
) -> None:
    tree = page(suggesting, f"/i/{DEMO_SLUG}", q=VAGUE)
    box = tree.css_first("#answer .answer-suggested")
    assert box is not None
    assert text(box.css_first("h3")) == "お探しの質問はこちらですか？"
    entries = {e.id: e for e in desk_of(suggesting).entries(DEMO_SLUG)}
    buttons = box.css("form.suggestion-form button[name=entry]")
    assert 1 <= len(buttons) <= 5
    for button in buttons:
        entry = entries[button.attributes["value"] or ""]
        assert text(button) == entry.question and entry.kind in ("qa", "passage")
        panel = tree.css_first(f"#{button.attributes['aria-controls']}")
        assert panel is not None and "hidden" in panel.attributes  # shown on a click
        assert text(panel.css_first(".answer-text")) == entry.answer
    assert box.css_first(".desk-card a.tel") is not None
    assert box.css_first(".feedback, form.feedback-form") is None
    assert tree.css_first("#answer .answer-found, #answer .answer-none") is None


def test_choosing_a_suggestion_without_javascript_shows_it_and_logs_the_choice(
    suggesting: TestClient,
) -> None:
    tree = page(suggesting, f"/i/{DEMO_SLUG}", q=VAGUE)
    form = tree.css_first("#answer form.suggestion-form")
    assert form is not None and form.attributes["method"] == "post"
    question_id = (form.css_first("input[name=question_id]") or form).attributes["value"] or ""
    token = (form.css_first("input[name=feedback_token]") or form).attributes["value"] or ""
    chosen = form.css("button[name=entry]")[-1].attributes["value"] or ""
    response = suggesting.post(
        form.attributes["action"] or "",
        data={"question_id": question_id, "feedback_token": token, "entry": chosen},
        follow_redirects=False,
    )
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(f"/i/{DEMO_SLUG}?") and location.endswith("#answer")
    logged = get_question(desk_of(suggesting).db, int(question_id))
    assert logged.chosen_entry == chosen and logged.outcome == "suggested"

    shown = HTMLParser(suggesting.get(location).text)
    entry = next(e for e in desk_of(suggesting).entries(DEMO_SLUG) if e.id == chosen)
    answer = shown.css_first("#answer .answer-found")
    assert answer is not None
    assert text(answer.css_first(".answer-text")) == entry.answer
    assert text(answer.css_first(".answer-title")) == entry.question


def test_a_choice_of_an_entry_that_was_not_suggested_is_refused(suggesting: TestClient) -> None:
    tree = page(suggesting, f"/i/{DEMO_SLUG}", q=VAGUE)
    form = tree.css_first("#answer form.suggestion-form")
    assert form is not None
    question_id = (form.css_first("input[name=question_id]") or form).attributes["value"] or ""
    token = (form.css_first("input[name=feedback_token]") or form).attributes["value"] or ""
    offered = {b.attributes["value"] for b in form.css("button[name=entry]")}
    stranger = next(e.id for e in desk_of(suggesting).entries(DEMO_SLUG) if e.id not in offered)
    sent = {"question_id": question_id, "feedback_token": token, "entry": stranger}
    response = suggesting.post(f"/i/{DEMO_SLUG}/choose", data=sent)
    assert response.status_code == 422
    assert get_question(desk_of(suggesting).db, int(question_id)).chosen_entry is None
    other = suggesting.post("/i/markup-test/choose", data=sent)
    assert other.status_code == 404
