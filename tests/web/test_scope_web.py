"""The scope check's web faces: `GET /api/v1/incidents/{slug}/scope`, the page
`/i/{slug}/check/scope`, and the help page's offer of it under an unanswered question about
being affected (without JavaScript; tests/browser covers the script)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode
from typer.testing import CliRunner

from breachdesk.answer.model import ABSTAINED, ANSWERED, SUGGESTED, Answer, Suggestion
from breachdesk.cli import app as cli_app
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk, PublicAnswer
from breachdesk.web.app import create_app
from breachdesk.web.middleware import PUBLIC_LIMITED
from breachdesk.web.public_views import SCOPE_INTENTS

API = f"/api/v1/incidents/{DEMO_SLUG}/scope"
PAGE = f"/i/{DEMO_SLUG}/check/scope"
SEPTEMBER = {"day": "2026-09-10", "channel": "web", "payment": "card"}
# A fictional shop with no register and no desk: the page must still answer and send people on.
SHOP_FAQ = (
    "Q. 対象となる期間を教えてください。\n"
    "A. 2023年3月1日～2023年9月30日に当店ウェブサイトでクレジットカード決済をされたお客様が対象です。\n"
    "\n"
    "Q. 楽天市場店で買いました。\n"
    "A. 楽天市場店は別のシステムのため、情報の流出はございません。\n"
)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    folder = tmp_path_factory.mktemp("scope-web")
    settings = Settings(
        db=str(folder / "web.db"),
        dense_model="none",
        cache_dir=folder / "cache",
        rate_limit_per_minute=0,
    )
    the_desk = Desk(settings)
    the_desk.import_documents(DEMO_SLUG, demo_files())
    (folder / "shop.txt").write_text(SHOP_FAQ, encoding="utf-8")
    the_desk.import_documents("shop", [folder / "shop.txt"], name="テスト店の漏えい")
    yield the_desk
    the_desk.db.dispose()


@pytest.fixture(scope="module")
def client(desk: Desk) -> Iterator[TestClient]:
    with TestClient(create_app(desk.settings, desk=desk), base_url="https://testserver") as c:
        yield c


def answers(desk: Desk, slug: str = DEMO_SLUG) -> dict[str, str]:
    return {e.id: e.answer for e in desk.entries(slug)}


# --- the API ---------------------------------------------------------------------------------


def resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    found: dict[str, Any] = document
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    return found


def conforms(value: Any, schema: dict[str, Any], document: dict[str, Any]) -> None:
    """`value` matches the OpenAPI schema (the parts this route uses: objects, arrays, strings,
    enums, required and no other properties)."""
    schema = resolve(schema, document)
    if "enum" in schema:
        assert value in schema["enum"], (value, schema["enum"])
    kind = schema.get("type")
    if kind == "object":
        assert isinstance(value, dict)
        assert set(schema.get("required", ())) <= value.keys()
        assert value.keys() <= schema["properties"].keys(), value.keys()
        for key, item in value.items():
            conforms(item, schema["properties"][key], document)
    elif kind == "array":
        assert isinstance(value, list)
        for item in value:
            conforms(item, schema["items"], document)
    elif kind == "string":
        assert isinstance(value, str)


def test_the_scope_api_answers_in_its_published_json_schema(client: TestClient, desk: Desk) -> None:
    document = client.get("/openapi.json").json()
    route = document["paths"]["/api/v1/incidents/{slug}/scope"]["get"]
    assert {p["name"] for p in route["parameters"]} == {"slug", "day", "channel", "payment"}
    schema = route["responses"]["200"]["content"]["application/json"]["schema"]
    shown = resolve(schema, document)
    assert set(shown["required"]) == {"verdict", "because"}
    assert resolve(shown["properties"]["verdict"], document)["enum"] == [
        "inside",
        "outside",
        "unknown",
    ]
    for params in (
        SEPTEMBER,
        {"day": "2026-05-10", "channel": "web", "payment": "card"},
        {"day": "2026-05-10", "channel": "store", "payment": "card"},
    ):
        response = client.get(API, params=params)
        assert response.status_code == 200
        conforms(response.json(), schema, document)
    body = client.get(API, params=SEPTEMBER).json()
    assert body["verdict"] == "outside"
    published = answers(desk)
    assert body["because"] and all(c["text"] in published[c["entry"]] for c in body["because"])


def test_the_scope_api_reads_days_as_people_write_them(client: TestClient) -> None:
    bodies = [
        client.get(API, params={**SEPTEMBER, "day": day}).json()
        for day in ("2026-09-10", "2026/9/10", "2026年9月10日", "令和8年9月10日")
    ]
    assert all(b == bodies[0] for b in bodies)


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        (API, {**SEPTEMBER, "day": "2026-13-01"}, 422),
        (API, {**SEPTEMBER, "day": "来週"}, 422),
        (API, {**SEPTEMBER, "channel": "fax"}, 422),
        (API, {**SEPTEMBER, "payment": "cash"}, 422),
        (API, {"channel": "web", "payment": "card"}, 422),
        ("/api/v1/incidents/no-such-incident/scope", SEPTEMBER, 404),
    ],
)
def test_the_scope_api_refuses_what_it_cannot_read(
    client: TestClient, path: str, params: dict[str, str], status: int
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == status
    assert set(response.json()) == {"error"}


def test_every_face_gives_the_same_verdict_and_sentences(client: TestClient, desk: Desk) -> None:
    core = desk.scope(DEMO_SLUG, day=dt.date(2026, 9, 10), channel="web", payment="card")
    api = client.get(API, params=SEPTEMBER).json()
    cli = CliRunner().invoke(
        cli_app,
        [
            *("--db", desk.settings.db, "scope", "--incident", DEMO_SLUG),
            *("--day", "2026年9月10日", "--channel", "web", "--payment", "card", "--json"),
        ],
    )
    assert cli.exit_code == 0, cli.output
    assert core.to_dict() == api == json.loads(cli.output)


def test_the_scope_api_is_rate_limited_like_the_other_public_routes() -> None:
    assert PUBLIC_LIMITED.match(API)
    assert PUBLIC_LIMITED.match(f"/api/v1/incidents/{DEMO_SLUG}/ask")


# --- the page --------------------------------------------------------------------------------


def page(client: TestClient, params: dict[str, str] | None = None, status: int = 200) -> HTMLParser:
    response = client.get(PAGE, params=params or {})
    assert response.status_code == status, response.text[:300]
    assert "no-store" in response.headers["cache-control"]
    return HTMLParser(response.text)


def text(node: LexborNode | None) -> str:
    assert node is not None
    return node.text(deep=True)


def test_the_page_without_a_purchase_shows_the_form_and_the_published_periods(
    client: TestClient, desk: Desk
) -> None:
    tree = page(client)
    assert tree.css_first("#scope-answer") is None
    form = tree.css_first("form#scope-check")
    assert form is not None and form.attributes["method"] == "get"
    assert form.attributes["action"] == PAGE
    day = form.css_first('input[name="day"]')
    assert day is not None and tree.css_first(f'label[for="{day.attributes["id"]}"]')
    assert [i.attributes["value"] for i in form.css('input[name="channel"]')] == [
        "web",
        "phone",
        "marketplace",
        "store",
    ]
    assert [i.attributes["value"] for i in form.css('input[name="payment"]')] == ["card", "other"]
    periods = tree.css(".scope-published .scope-periods > li")
    assert [text(p.css_first(".fact")) for p in periods] == ["2026年3月1日〜2026年8月31日"]
    link = periods[0].css_first("a.fact-source")
    assert link is not None
    entry = (link.attributes["href"] or "").removeprefix(f"/i/{DEMO_SLUG}#entry-")
    assert text(periods[0].css_first("blockquote")) in answers(desk)[entry]


@pytest.mark.parametrize(
    ("params", "verdict"),
    [
        (SEPTEMBER, "outside"),
        ({"day": "2026-05-10", "channel": "web", "payment": "card"}, "inside"),
        ({"day": "2026-05-10", "channel": "web", "payment": "other"}, "outside"),
        ({"day": "2026-05-10", "channel": "phone", "payment": "card"}, "unknown"),
    ],
)
def test_the_page_gives_the_verdict_with_the_sentences_it_rests_on(
    client: TestClient, desk: Desk, params: dict[str, str], verdict: str
) -> None:
    tree = page(client, params)
    shown = tree.css_first("#scope-answer")
    assert shown is not None and shown.attributes["data-verdict"] == verdict
    year, month, day = (int(part) for part in params["day"].split("-"))
    assert text(shown.css_first(".scope-asked dd")) == f"{year}年{month}月{day}日"
    published = answers(desk)
    quotes = shown.css("blockquote.scope-quote")
    assert len(quotes) == len(client.get(API, params=params).json()["because"])
    for quote in quotes:
        link = quote.next
        assert link is not None and link.tag == "a"
        entry = (link.attributes["href"] or "").removeprefix(f"/i/{DEMO_SLUG}#entry-")
        assert text(quote) in published[entry]
    desk_phone = shown.css_first('a[href^="tel:"]')
    assert desk_phone is not None  # every verdict shows the desk; unknown sends people there
    form = tree.css_first("form#scope-check")
    assert form is not None
    checked = form.css_first('input[name="channel"][checked]')
    assert checked is not None and checked.attributes["value"] == params["channel"]


def test_the_page_reads_a_japanese_date_and_explains_one_it_cannot(client: TestClient) -> None:
    tree = page(client, {**SEPTEMBER, "day": "2026年9月10日"})
    shown = tree.css_first("#scope-answer")
    assert shown is not None and text(shown.css_first(".scope-asked dd")) == "2026年9月10日"
    day = tree.css_first('input[name="day"]')
    assert day is not None and day.attributes["value"] == "2026-09-10"
    bad = page(client, {**SEPTEMBER, "day": "2026年13月1日"}, status=422)
    assert bad.css_first("#scope-answer") is None
    field = bad.css_first('input[name="day"]')
    assert field is not None and field.attributes["aria-invalid"] == "true"
    message = bad.css_first(f"#{field.attributes['aria-describedby']}")
    assert "2026年9月10日" in text(message)


def test_the_page_answers_an_incident_without_register_or_desk(client: TestClient) -> None:
    response = client.get(
        "/i/shop/check/scope",
        params={"day": "2023-05-05", "channel": "marketplace", "payment": "card"},
    )
    tree = HTMLParser(response.text)
    shown = tree.css_first("#scope-answer")
    assert shown is not None and shown.attributes["data-verdict"] == "outside"
    assert "楽天市場店は別のシステムのため" in text(shown.css_first("blockquote"))
    assert tree.css_first('a[href="/i/shop/check"]') is None  # no register: no self-check link
    check = HTMLParser(client.get("/i/shop/check").text)
    assert check.css_first("form#scope-check") and not check.css_first("form#self-check")


# --- the help page's offer -------------------------------------------------------------------


def canned(desk: Desk, outcome: str, intent: str | None) -> Answer:
    """An answer of the given outcome and intent, built from the demo's own entries."""
    entry = next(e for e in desk.entries(DEMO_SLUG) if e.kind == "qa")
    answered = outcome == ANSWERED
    return Answer(
        incident=DEMO_SLUG,
        question="去年の春に本を買ったのですが",
        answered=answered,
        answer=entry.answer if answered else None,
        matched_question=entry.question if answered else None,
        entry=entry.id if answered else None,
        entry_version=entry.version if answered else None,
        section=entry.section if answered else None,
        source=None,
        score=0.9 if answered else 0.2,
        outcome=outcome,
        suggestions=[Suggestion(entry.id, entry.question, entry.answer, entry.section)]
        if outcome == SUGGESTED
        else [],
        intent=intent,
    )


@pytest.mark.parametrize(
    ("outcome", "intent", "offered"),
    [
        *((ABSTAINED, intent, True) for intent in SCOPE_INTENTS),
        (SUGGESTED, "am_i_affected", True),
        (SUGGESTED, "incident_period", True),
        (ANSWERED, "am_i_affected", False),
        (ABSTAINED, None, False),
        (ABSTAINED, "reissue_card", False),
        (SUGGESTED, "unknown_charge", False),
    ],
)
def test_an_unanswered_question_about_being_affected_is_offered_the_scope_check(
    client: TestClient,
    desk: Desk,
    monkeypatch: pytest.MonkeyPatch,
    outcome: str,
    intent: str | None,
    offered: bool,
) -> None:
    answer = canned(desk, outcome, intent)
    monkeypatch.setattr(
        desk, "ask_public", lambda slug, q, **_: PublicAnswer(dataclasses.replace(answer), 1, "t")
    )
    response = client.post(f"/i/{DEMO_SLUG}", data={"q": answer.question})
    region = HTMLParser(response.text).css_first("#answer")
    assert region is not None
    offer = region.css_first(".scope-offer")
    assert (offer is not None) is offered
    if offer is None:
        return
    link = offer.css_first(f'a[href="{PAGE}"]')
    assert link is not None and text(link).strip()
    period = offer.css_first(".scope-periods > li")
    assert period is not None and text(period.css_first(".fact")) == "2026年3月1日〜2026年8月31日"
    source = period.css_first("a.fact-source")
    assert source is not None
    entry = (source.attributes["href"] or "").removeprefix("#entry-")
    assert text(period.css_first("blockquote")) in answers(desk)[entry]
    named = next(e for e in desk.entries(DEMO_SLUG) if e.id == entry)
    assert text(source) == named.question  # the link names the FAQ entry it leads to
    # The anchor is on this page: the entry the sentence comes from.
    assert HTMLParser(response.text).css_first(f"#entry-{entry}") is not None
    desk_card = region.css_first(".desk-card")
    assert desk_card is not None  # the desk is still offered, after the scope check


def template_content(node: LexborNode | None) -> HTMLParser:
    """A <template>'s content, parsed (its nodes live outside the document tree)."""
    assert node is not None
    html = node.html or ""
    return HTMLParser(html[html.index(">") + 1 : html.rindex("</template>")])


def test_the_page_gives_the_script_the_offer_and_the_intents_it_is_for(
    client: TestClient,
) -> None:
    tree = HTMLParser(client.get(f"/i/{DEMO_SLUG}").text)
    form = tree.css_first("form#ask-form")
    assert form is not None
    assert (form.attributes["data-scope-intents"] or "").split() == list(SCOPE_INTENTS)
    offer = template_content(tree.css_first("template#tpl-scope-offer"))
    link = offer.css_first(".scope-offer a.button")
    assert link is not None and link.attributes["href"] == PAGE
    assert offer.css(".scope-offer .scope-periods > li")
    for name in ("tpl-suggested", "tpl-abstained"):
        slot = template_content(tree.css_first(f"template#{name}")).css_first(
            '[data-slot="scope-offer"]'
        )
        assert slot is not None and not slot.text(deep=True).strip()


def test_a_page_without_a_question_offers_no_scope_check(client: TestClient) -> None:
    tree = HTMLParser(client.get(f"/i/{DEMO_SLUG}").text)
    assert tree.css_first(f"#answer a[href='{PAGE}']") is None


def test_the_published_periods_quote_the_demo_files_verbatim(desk: Desk) -> None:
    text_of_files = "\n".join(Path(p).read_text(encoding="utf-8") for p in demo_files())
    for period in desk.published_scope(DEMO_SLUG).periods():
        assert period.source.text in text_of_files
