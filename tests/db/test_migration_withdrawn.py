"""Revision 0009 (`entries.withdrawn`) on SQLite and PostgreSQL: it runs over a database that
holds entries, marks withdrawn those whose last audited word is an editor's 公開停止, and goes
back down cleanly."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from breachdesk.db import Database
from breachdesk.db.engine import MIGRATIONS_DIR


def migrate(db: Database, revision: str, *, down: bool = False) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = db.engine
    (command.downgrade if down else command.upgrade)(cfg, revision)


ENTRIES = {
    "shop-withdrawn": (True, ["entry.retire"]),
    "shop-withdrawn-again": (True, ["entry.retire", "entry.restore", "entry.retire"]),
    "shop-restored-then-dropped": (True, ["entry.retire", "entry.restore"]),
    "shop-dropped": (True, []),
    "shop-served": (False, ["entry.retire", "entry.restore"]),
}


def test_revision_0009_marks_the_entries_an_editor_withdrew(db: Database) -> None:
    migrate(db, "0008", down=True)
    assert "withdrawn" not in {c["name"] for c in inspect(db.engine).get_columns("entries")}
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO incidents (slug, name, kb_version, facts, created_at, updated_at) "
                "VALUES ('shop', 'shop', 1, '{}', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        incident = conn.execute(text("SELECT id FROM incidents")).scalar_one()
        for n, (entry, (retired, actions)) in enumerate(ENTRIES.items()):
            conn.execute(
                text(
                    "INSERT INTO entries (id, incident_id, file_name, kind, position, retired, "
                    "created_at) VALUES (:id, :incident, 'faq.txt', 'qa', :n, :retired, "
                    "CURRENT_TIMESTAMP)"
                ),
                {"id": entry, "incident": incident, "n": n, "retired": retired},
            )
            for action in actions:
                conn.execute(
                    text(
                        "INSERT INTO audit_log (at, actor, action, target, detail) "
                        "VALUES (CURRENT_TIMESTAMP, 'eri', :action, :target, '{}')"
                    ),
                    {"action": action, "target": entry},
                )

    migrate(db, "head")

    with db.engine.connect() as conn:
        withdrawn = dict(conn.execute(text("SELECT id, withdrawn FROM entries")).all())
    assert {e for e, w in withdrawn.items() if w} == {"shop-withdrawn", "shop-withdrawn-again"}
    migrate(db, "0008", down=True)
    assert "withdrawn" not in {c["name"] for c in inspect(db.engine).get_columns("entries")}
    migrate(db, "head")
