"""The notice's own sentences for the regulator draft: discovery day, cause, occurrence."""

from __future__ import annotations

from datetime import date

from breachdesk.demo import demo_files
from breachdesk.reports.notice_facts import notice_facts


def test_the_demo_notice_states_its_discovery_day_and_cause() -> None:
    facts = notice_facts([path.read_text(encoding="utf-8") for path in reversed(demo_files())])
    assert facts.discovered is not None and facts.discovered.day == date(2026, 9, 3)
    assert facts.discovered.day_text() == "2026年9月3日"
    assert facts.cause is not None and "決済画面が改ざん" in facts.cause.sentence
    assert facts.occurred is not None
    assert (facts.occurred.day, facts.occurred.until) == (date(2026, 3, 1), date(2026, 8, 31))


def test_the_ends_of_a_period_are_not_the_discovery_day() -> None:
    text = (
        "令和3年8月2日から令和4年1月25日にわたって不正にアクセスがなされたことが判明しました。"
        "同年2月10日、委託先からの報告により発覚しました。"
    )
    facts = notice_facts([text])
    assert facts.discovered is not None and facts.discovered.day == date(2022, 2, 10)
    assert facts.occurred is not None
    assert (facts.occurred.day, facts.occurred.until) == (date(2021, 8, 2), date(2022, 1, 25))


def test_a_month_and_day_take_the_year_written_before_them() -> None:
    facts = notice_facts(
        ["2024年のお知らせです。\n5月7日、カード会社からの連絡を受け判明しました。"]
    )
    assert facts.discovered is not None and facts.discovered.day == date(2024, 5, 7)


def test_what_only_mentions_a_cause_or_asks_about_it_is_not_a_cause() -> None:
    facts = notice_facts(["流出原因の防止等の対策は完了しております。", "原因は何ですか？"])
    assert facts.cause is None and facts.discovered is None and facts.occurred is None


def test_a_day_without_any_year_is_not_guessed() -> None:
    assert notice_facts(["9月3日に判明しました。"]).discovered is None
