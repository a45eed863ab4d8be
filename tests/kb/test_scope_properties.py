"""Properties of the scope check: a day outside every published period is never inside.

Texts are generated (periods in 西暦, 和暦 and 2023/3/1 forms; between, 以降, より後, まで, より
前; web shop and phone orders; with notices, attacks and exclusions around them) and read
through the package's own fact extraction; the oracle is computed from the generated dates, not
by the code under test. The demo's published text is checked the same way with its own facts.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.kb import service
from breachdesk.kb.facts import extract_facts
from breachdesk.kb.scope import PublishedScope, check_scope, read_scope
from breachdesk.kb.service import EntryView

FIRST, LAST = dt.date(1990, 1, 1), dt.date(2035, 12, 31)
WHERE = {"web": "当社ウェブサイト", "phone": "電話・FAX注文"}
KINDS = ("between", "since", "after", "until", "before")
NOISE = (
    "楽天市場店でのご購入は対象外です。",
    "代金引換のお客様は対象外です。",
    "カード番号、有効期限、セキュリティコードが流出した可能性がございます。",
    "当社を名乗る不審な電話にご注意ください。",
)
_ids = itertools.count()


@dataclass(frozen=True)
class Period:
    kind: str
    first: dt.date
    last: dt.date
    channel: str
    text: str

    def holds(self, day: dt.date) -> bool:
        """The oracle: what the published words mean."""
        return {
            "between": self.first <= day <= self.last,
            "since": self.first <= day,
            "after": self.first < day,
            "until": day <= self.last,
            "before": day < self.last,
        }[self.kind]


def written(day: dt.date, style: str) -> str:
    if style == "slash":
        return f"{day.year}/{day.month}/{day.day}"
    if style == "era" and day >= dt.date(1989, 1, 8):
        era, base = ("令和", 2018) if day >= dt.date(2019, 5, 1) else ("平成", 1988)
        year = day.year - base
        return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


@st.composite
def periods(draw: st.DrawFn) -> Period:
    kind = draw(st.sampled_from(KINDS))
    first = draw(st.dates(FIRST, LAST - dt.timedelta(days=1)))
    last = draw(st.dates(first + dt.timedelta(days=1), LAST))
    style = draw(st.sampled_from(("western", "era", "slash")))
    channel = draw(st.sampled_from(sorted(WHERE)))
    a, b, where = written(first, style), written(last, style), WHERE[channel]
    text = {
        "between": draw(
            st.sampled_from(
                (
                    f"{a}～{b}の期間に{where}でクレジットカード決済をされたお客様が対象です。",
                    f"{a}から{b}までに{where}でご購入のお客様が対象です。",
                )
            )
        ),
        "since": f"{a}以降に{where}でご注文のお客様が対象です。",
        "after": f"{a}より後に{where}でご注文のお客様が対象です。",
        "until": f"{b}までに{where}でご購入のお客様が対象です。",
        "before": f"{b}より前に{where}でご購入のお客様が対象です。",
    }[kind]
    return Period(kind, first, last, channel, text)


@st.composite
def surroundings(draw: st.DrawFn) -> list[str]:
    """Sentences with dates that are no purchase period, and exclusions, around the periods."""
    sent = written(draw(st.dates(FIRST, LAST)), "western")
    start = draw(st.dates(FIRST, LAST - dt.timedelta(days=1)))
    end = written(draw(st.dates(start + dt.timedelta(days=1), LAST)), "western")
    return draw(
        st.lists(
            st.sampled_from(
                (
                    *NOISE,
                    f"対象のお客様には{sent}以降に順にご案内をお送りしています。",
                    f"{written(start, 'western')}から{end}にわたって不正にアクセスがなされました。",
                )
            ),
            max_size=4,
        )
    )


def entry(answer: str, question: str = "対象期間を教えてください。") -> EntryView:
    n = next(_ids)
    return EntryView(
        id=f"p-{n}",
        incident="p",
        kind="qa",
        section="",
        question=question,
        answer=answer,
        version=1,
        position=n,
        file_name="p.txt",
        line_start=1,
        line_end=1,
        facts=extract_facts(question + "\n" + answer).to_dict(),
    )


def published(found: list[Period], noise: list[str], together: bool) -> PublishedScope:
    if together:
        return read_scope([entry("\n\n".join(p.text for p in found)), *map(entry, noise)])
    return read_scope([*(entry(p.text) for p in found), *map(entry, noise)])


@given(
    found=st.lists(periods(), min_size=1, max_size=3),
    noise=surroundings(),
    together=st.booleans(),
    near=st.integers(0, 5),
    far=st.dates(FIRST - dt.timedelta(days=400), LAST + dt.timedelta(days=400)),
    channel=st.sampled_from(("web", "phone", "marketplace", "store")),
    payment=st.sampled_from(("card", "other")),
)
@settings(max_examples=300, deadline=None)
def test_a_day_outside_every_published_period_is_never_inside(
    found: list[Period],
    noise: list[str],
    together: bool,
    near: int,
    far: dt.date,
    channel: str,
    payment: str,
) -> None:
    # Days next to a bound are where an off-by-one would show; any day may be drawn too.
    edges = [
        d
        for p in found
        for d in (p.first - dt.timedelta(days=1), p.first, p.last, p.last + dt.timedelta(days=1))
    ]
    day = edges[near % len(edges)] if near < 4 else far
    assume(not any(p.holds(day) for p in found))
    scope = published(found, noise, together)
    verdict = check_scope(scope, day=day, channel=channel, payment=payment).verdict
    event(verdict)  # --hypothesis-show-statistics: how often each verdict comes
    assert verdict != "inside"


@given(found=st.lists(periods(), min_size=1, max_size=3), noise=surroundings(), data=st.data())
@settings(max_examples=200, deadline=None)
def test_a_day_inside_a_period_for_its_channel_is_inside(
    found: list[Period], noise: list[str], data: st.DataObject
) -> None:
    period = data.draw(st.sampled_from(found))
    low = period.first + dt.timedelta(days=1) if period.kind == "after" else period.first
    high = period.last - dt.timedelta(days=1) if period.kind == "before" else period.last
    if period.kind in ("until", "before"):
        low = FIRST
    if period.kind in ("since", "after"):
        high = LAST
    assume(low <= high)
    day = data.draw(st.dates(low, high))
    scope = published(found, noise, together=False)
    answer = check_scope(scope, day=day, channel=period.channel, payment="card")
    assert answer.verdict == "inside", (period.text, day, answer)
    assert any(c.text == period.text for c in answer.because) or len(answer.because) == 3


@pytest.fixture(scope="module")
def demo_scope(tmp_path_factory: pytest.TempPathFactory) -> tuple[PublishedScope, list[EntryView]]:
    from breachdesk.db import open_database

    db = open_database(str(tmp_path_factory.mktemp("scope") / "demo.db"))
    service.import_documents(db, DEMO_SLUG, list(demo_files()))
    entries = service.list_entries(db, DEMO_SLUG)
    db.dispose()
    return read_scope(entries), entries


@given(
    day=st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 31)),
    channel=st.sampled_from(("web", "phone", "marketplace", "store")),
    payment=st.sampled_from(("card", "other")),
)
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_an_inside_verdict_on_the_demo_rests_on_a_published_period_holding_the_day(
    demo_scope: tuple[PublishedScope, list[EntryView]], day: dt.date, channel: str, payment: str
) -> None:
    scope, entries = demo_scope
    answer = check_scope(scope, day=day, channel=channel, payment=payment)
    if answer.verdict != "inside":
        return
    holding = {
        e.id
        for e in entries
        for r in extract_facts(e.question + "\n" + e.answer).ranges
        if r.contains(day) is True
    }
    assert answer.because and {c.entry for c in answer.because} <= holding
