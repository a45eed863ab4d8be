"""An import is one transaction: entries, categories and the audit row commit together or not
at all, and re-importing a file after a partial state (left by an older version killed with
-9 between its steps) repairs it instead of answering "unchanged"."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.db.tables import AuditEvent, Entry, Incident
from breachdesk.desk import Desk
from breachdesk.inquiries import service as inquiries
from breachdesk.kb import service

FAQ = (
    "Q. カードの再発行に手数料はかかりますか\nA. かかりません。\n\n"
    "Q. パスワードを変更したほうがよいですか\nA. はい、変更してください。\n"
)


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    settings = Settings(
        db=str(tmp_path / "a.db"), dense_model="none", cache_dir=tmp_path / "c", intents=False
    )
    return Desk(settings)


@pytest.fixture
def faq(tmp_path: Path) -> Path:
    path = tmp_path / "faq.txt"
    path.write_text(FAQ, encoding="utf-8")
    return path


def counts(desk: Desk) -> tuple[int, int, int]:
    """Incidents, entries, entries with a category."""
    with desk.db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Incident)) or 0,
            s.scalar(select(func.count()).select_from(Entry)) or 0,
            s.scalar(select(func.count()).select_from(Entry).where(Entry.category_id.is_not(None)))
            or 0,
        )


def audited(desk: Desk) -> int:
    with desk.db.read() as s:
        return (
            s.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "documents.import")
            )
            or 0
        )


def test_an_import_writes_entries_categories_and_its_audit_row_together(
    desk: Desk, faq: Path
) -> None:
    desk.import_documents("shop", [faq], actor="eri", audit=True, address="127.0.0.1")
    assert counts(desk) == (1, 2, 2)
    assert audited(desk) == 1
    rows, _ = auth.list_audit(desk.db, limit=1)
    assert rows[0].actor == "eri" and rows[0].detail["files"] == ["faq.txt"]


@pytest.mark.parametrize("step", ["categories", "audit"])
def test_a_crash_in_a_later_step_leaves_nothing_half_written(
    desk: Desk, faq: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError("killed")

    if step == "categories":
        monkeypatch.setattr(inquiries, "map_entry_categories", crash)
    else:
        monkeypatch.setattr(auth, "record", crash)
    with pytest.raises(RuntimeError):
        desk.import_documents("shop", [faq], actor="eri", audit=True)
    assert counts(desk) == (0, 0, 0)
    assert audited(desk) == 0


def test_re_importing_after_a_partial_import_repairs_the_categories(desk: Desk, faq: Path) -> None:
    # What an older version left after kill -9: the entries, but not their categories.
    service.import_documents(desk.db, "shop", [faq])
    assert counts(desk) == (1, 2, 0)
    results = desk.import_documents("shop", [faq])
    assert results[0].unchanged
    assert counts(desk) == (1, 2, 2)
