"""A migration never loses what is stored. On SQLite, Alembic's batch mode rebuilds a table by
copying it; with foreign keys on, dropping the old `entries` table would cascade into every
version that points at it, and an upgraded knowledge base would come back empty."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from breachdesk.db import Database
from breachdesk.db.engine import MIGRATIONS_DIR
from breachdesk.demo import demo_files
from breachdesk.kb import service


def migrate(db: Database, revision: str, *, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = db.engine
    (command.downgrade if down else command.upgrade)(cfg, revision)


def row_counts(db: Database) -> dict[str, int]:
    names = [t for t in inspect(db.engine).get_table_names() if t != "alembic_version"]
    with db.engine.connect() as conn:
        return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in names}


def test_a_batch_migration_down_and_up_keeps_every_row(db: Database) -> None:
    service.import_documents(db, "sakura-books", demo_files())
    before = row_counts(db)
    assert before["entries"] > 0 and before["entry_versions"] >= before["entries"]

    # 0009's downgrade rebuilds `entries` on SQLite (drop column); its upgrade adds it back.
    migrate(db, "0008", down=True)
    after = row_counts(db)
    # The tables of later revisions are gone with them (they were empty); every other kept its rows.
    assert {t: before[t] for t in after} == after
    assert all(before[t] == 0 for t in set(before) - set(after))
    migrate(db, "head")
    assert row_counts(db) == before
    if db.is_sqlite:
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
