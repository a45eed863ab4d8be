"""Storing a parsed daily table: figures, category figures, campaigns; idempotent re-imports;
the documents import hands a document's table to the desk's storing step, in its own transaction.

The tables are fictional (a fictional city's points-card desk).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from breachdesk.db import Database
from breachdesk.db.tables import (
    Campaign,
    Category,
    DailyCategoryFigure,
    DailyFigure,
    Document,
    Incident,
)
from breachdesk.errors import DocumentFormatError
from breachdesk.inquiries.figures import event_channel, store_daily_table, store_daily_tables
from breachdesk.kb import service
from breachdesk.kb.importers.dailytable import ParsedDailyTable, ParsedDay, ParsedEvent

D1, D2, D3 = date(2022, 5, 9), date(2022, 5, 10), date(2022, 5, 11)


def table(
    days: list[ParsedDay], events: list[ParsedEvent] | None = None, path: str = "report.txt"
) -> ParsedDailyTable:
    labels = list(dict.fromkeys(label for d in days for label in d.categories))
    return ParsedDailyTable(path, days, labels, events or [])


def day(when: date, offered: int | None, answered: int | None, **cats: int | None) -> ParsedDay:
    return ParsedDay(when, offered, answered, dict(cats), 1)


FIRST = table(
    [
        day(D1, 12, 10, 不正利用=1, QUOカードPay関連=None, ポイント返還=4),
        day(D2, 30, 25, 不正利用=0, QUOカードPay関連=20, ポイント返還=None),
        day(D3, None, None, 不正利用=None, QUOカードPay関連=None, ポイント返還=None),
    ],
    [
        ParsedEvent(D1, "ポイント返還 事前告知メール配信", 1),
        ParsedEvent(D2, "メール不通の方へ ショートメッセージ配信", 1),
    ],
)


def new_incident(db: Database, slug: str = "sakura") -> None:
    with db.transaction() as s:
        s.add(Incident(slug=slug, name="さくら市", facts={}))


def store(db: Database, parsed: ParsedDailyTable, slug: str = "sakura") -> None:
    with db.transaction() as s:
        incident = s.scalar(select(Incident).where(Incident.slug == slug))
        assert incident is not None
        store_daily_table(s, incident, parsed)


def snapshot(db: Database) -> dict[str, object]:
    """Everything the store writes, by name, comparable across stores."""
    with db.read() as s:
        names = dict(s.execute(select(Category.id, Category.name)).all())
        return {
            "figures": sorted(
                s.execute(select(DailyFigure.day, DailyFigure.offered, DailyFigure.answered))
            ),
            "categories": sorted(
                (d, names[c], n)
                for d, c, n in s.execute(
                    select(
                        DailyCategoryFigure.day,
                        DailyCategoryFigure.category_id,
                        DailyCategoryFigure.count,
                    )
                )
            ),
            "campaigns": sorted(
                s.execute(select(Campaign.id, Campaign.sent_on, Campaign.channel, Campaign.note))
            ),
            "category_names": sorted(names.values()),
        }


def test_store_maps_known_labels_to_default_categories_and_adds_unknown_ones(
    db: Database,
) -> None:
    new_incident(db)
    store(db, FIRST)
    got = snapshot(db)

    assert got["figures"] == [(D1, 12, 10), (D2, 30, 25), (D3, None, None)]
    assert (D2, "補償・QUOカードPay", 20) in got["categories"]  # type: ignore[operator]
    assert (D1, "補償・QUOカードPay", None) in got["categories"]  # type: ignore[operator]
    assert (D1, "不正利用", 1) in got["categories"]  # type: ignore[operator]
    assert (D1, "ポイント返還", 4) in got["categories"]  # type: ignore[operator]
    assert "ポイント返還" in got["category_names"]  # type: ignore[operator]
    assert "QUOカードPay関連" not in got["category_names"]  # type: ignore[operator]
    assert [(c[1], c[2]) for c in got["campaigns"]] == [(D1, "mail"), (D2, "sms")]  # type: ignore[attr-defined]


def test_storing_the_same_table_twice_changes_nothing(db: Database) -> None:
    new_incident(db)
    store(db, FIRST)
    before = snapshot(db)
    store(db, FIRST)

    assert snapshot(db) == before  # campaign ids included: they survive a re-import


def test_corrected_table_replaces_what_the_same_file_said(db: Database) -> None:
    new_incident(db)
    store(db, FIRST)
    kept_campaign = snapshot(db)["campaigns"][0]  # type: ignore[index]
    corrected = table(
        [day(D1, 13, 11, 不正利用=2), day(D2, 30, 25, 不正利用=0)],
        [ParsedEvent(D1, "ポイント返還 事前告知メール配信", 1)],
    )
    store(db, corrected)
    got = snapshot(db)

    assert got["figures"] == [(D1, 13, 11), (D2, 30, 25)]
    assert got["categories"] == [(D1, "不正利用", 2), (D2, "不正利用", 0)]
    assert got["campaigns"] == [kept_campaign]


def test_a_day_belongs_to_the_file_that_imported_it_last(db: Database) -> None:
    new_incident(db)
    store(db, FIRST)
    store(db, table([day(D3, 5, 5, 不正利用=1)], path="later-report.txt"))
    store(db, table([day(D1, 12, 10, 不正利用=1)]))  # report.txt no longer has D2 or D3

    assert snapshot(db)["figures"] == [(D1, 12, 10), (D3, 5, 5)]


@pytest.mark.parametrize(
    ("note", "channel"),
    [
        ("QUOカードPay 事前告知メール配信", "mail"),
        ("メール不通の方へ ショートメッセージ配信", "sms"),
        ("ＳＭＳ再送", "sms"),
        ("おわび状を郵送", "letter"),
        ("はがき発送", "letter"),
        ("ホームページにお知らせ掲載", "web"),
    ],
)
def test_event_channel_is_read_off_the_note(note: str, channel: str) -> None:
    assert event_channel(note) == channel


REPORT = """\
さくら市ポイントカード情報流出事案への対応について

1 現状

- (1) 全ての会員に対して、おわびのメールを送付した。
- (2) コールセンターを設置し、問い合わせに対応している。

2 今後の対応

- (1) 引き続き、会員へ利用明細の確認を促す。

(さくらポイント)コールセンターの問い合わせ状況

5月\t5月9日\t5月10日\t5月11日
\t月\t火\t水
入電件数合計\t12\t30\t{bad}
応答件数\t10\t25\t7
不正利用\t1\t0\t-

5月10日
おわびメール配信
"""


def test_import_stores_the_documents_daily_table_with_its_entries(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "sakura-report.txt"
    path.write_text(REPORT.format(bad="7"), encoding="utf-8")

    # The inquiry desk's storing step, as `Desk.import_documents` passes it to the import.
    results = service.import_documents(db, "sakura", [path], daily=store_daily_tables)
    again = service.import_documents(db, "sakura", [path], daily=store_daily_tables)

    assert results[0].added > 0 and again[0].unchanged
    got = snapshot(db)
    assert [f[1:] for f in got["figures"]] == [(12, 10), (30, 25), (7, 7)]  # type: ignore[attr-defined]
    assert [(c[1], c[3]) for c in got["campaigns"]] == [(D2, "おわびメール配信")]  # type: ignore[attr-defined]


def test_import_with_a_bad_daily_table_writes_nothing(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "sakura-report.txt"
    path.write_text(REPORT.format(bad="七"), encoding="utf-8")

    with pytest.raises(DocumentFormatError, match="not a count") as caught:
        service.import_documents(db, "sakura", [path], daily=store_daily_tables)

    assert caught.value.line == REPORT.split("\n").index("入電件数合計\t12\t30\t{bad}") + 1
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 0
        assert s.scalar(select(func.count()).select_from(Document)) == 0
        assert s.scalar(select(func.count()).select_from(DailyFigure)) == 0


def test_the_knowledge_base_import_alone_stores_entries_and_no_figures(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "sakura-report.txt"
    path.write_text(REPORT.format(bad="七"), encoding="utf-8")  # a table it does not even read

    (result,) = service.import_documents(db, "sakura", [path])

    assert result.added > 0
    assert snapshot(db)["figures"] == [] and snapshot(db)["campaigns"] == []


def test_a_failing_daily_step_rolls_back_the_entries_of_its_import(
    db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "sakura-report.txt"
    path.write_text(REPORT.format(bad="7"), encoding="utf-8")
    given: list[int] = []

    def failing(s: Session, incident: Incident, tables: list[ParsedDailyTable]) -> None:
        store_daily_tables(s, incident, tables)
        given.append(len(tables))
        raise RuntimeError("the figures could not be stored")

    with pytest.raises(RuntimeError):
        service.import_documents(db, "sakura", [path], daily=failing)

    assert given == [1]
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 0
        assert s.scalar(select(func.count()).select_from(DailyFigure)) == 0
