"""The scope check without identity, from the published entries only."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.config import Settings
from breachdesk.desk import Desk
from breachdesk.register.scope import check_scope, read_scope
from breachdesk.web.app import create_app

CARD = ["card_number", "expiry", "security_code"]
FAQ = (
    "Q. 対象となる期間を教えてください。\n"
    "A. 2023年3月1日～2023年9月30日に当店ウェブサイトでクレジットカード決済をされたお客様が対象です。\n"
    "なお、2023年10月20日以降に対象の方へご案内をお送りしています。\n",
    "Q. 楽天市場店で買いました。\nA. 楽天市場店は別のシステムのため、情報の流出はございません。\n",
)


def verdict(day: str, channel: str = "web", payment: str = "card", items: list[str] = CARD) -> str:
    scope = read_scope(FAQ, items)
    return check_scope(
        scope, day=dt.date.fromisoformat(day), channel=channel, payment=payment
    ).verdict


@pytest.mark.parametrize(
    ("day", "channel", "payment", "expected"),
    [
        ("2023-05-05", "web", "card", "inside"),
        ("2023-03-01", "web", "card", "inside"),
        ("2023-09-30", "web", "card", "inside"),
        ("2023-10-01", "web", "card", "outside"),  # the notice date is not a period
        ("2023-02-28", "web", "card", "outside"),
        ("2023-05-05", "marketplace", "card", "outside"),
        ("2023-05-05", "web", "other", "outside"),  # only card items leaked
    ],
)
def test_a_purchase_is_placed_against_the_published_scope(
    day: str, channel: str, payment: str, expected: str
) -> None:
    assert verdict(day, channel, payment) == expected


def test_other_payments_are_inside_when_more_than_card_data_leaked() -> None:
    assert verdict("2023-05-05", payment="other", items=[*CARD, "name", "email"]) == "inside"


def test_nothing_published_for_a_channel_is_unknown() -> None:
    scope = read_scope(["Q. 何が起きましたか。\nA. 不正アクセスがありました。"], CARD)
    assert check_scope(scope, day=dt.date(2023, 5, 5), channel="web", payment="card").verdict == (
        "unknown"
    )


def test_cellcellar_scope_matches_its_notice(seeds: dict[str, Path]) -> None:
    text = seeds["cellcellar"].read_text(encoding="utf-8")
    scope = read_scope([p for p in text.split("\n\n") if p.strip()], [*CARD, "cardholder_name"])
    on = dt.date(2020, 3, 1)
    assert check_scope(scope, day=on, channel="web", payment="card").verdict == "inside"
    assert check_scope(scope, day=dt.date(2020, 5, 1), channel="web", payment="card").verdict == (
        "outside"
    )
    assert check_scope(scope, day=on, channel="marketplace", payment="card").verdict == "outside"


def test_the_scope_page_answers_without_the_register(tmp_path: Path) -> None:
    faq = tmp_path / "faq.txt"
    faq.write_text("\n".join(FAQ), encoding="utf-8")
    settings = Settings(db=str(tmp_path / "d.db"), dense_model="none", cache_dir=tmp_path / "c")
    desk = Desk(settings)
    desk.import_documents("shop", [faq], name="テスト店の漏えい")
    client = TestClient(create_app(settings, desk=desk), base_url="https://testserver")
    page = client.get(
        "/i/shop/check/scope", params={"day": "2023-05-05", "channel": "web", "payment": "card"}
    )
    assert page.status_code == 200
    answer = HTMLParser(page.text).css_first("#scope-answer")
    assert answer is not None and answer.attributes["data-verdict"] == "inside"
    form = HTMLParser(client.get("/i/shop/check").text)
    assert form.css_first("form#scope-check") and not form.css_first("form#self-check")
    help_page = HTMLParser(client.get("/i/shop").text)
    assert help_page.css_first('a[href="/i/shop/check"]') is not None
