"""The database seam: URLs, migrations and transactions, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from breachdesk.db import Database, normalise_url, open_database
from breachdesk.db.tables import Base, Incident

TABLES = set(Base.metadata.tables)


def head_revision() -> str:
    """The newest migration's id, read from the migration scripts themselves."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from breachdesk.db.engine import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def table_names(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names(schema=db.schema))


def revision(db: Database) -> str:
    with db.engine.connect() as conn:
        return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def incident_slugs(db: Database) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(Incident.slug).order_by(Incident.slug)))


def new_incident(slug: str) -> Incident:
    return Incident(slug=slug, name=f"{slug} の漏えい", facts={})


# --- URLs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("breachdesk.db", "sqlite:///breachdesk.db"),
        ("/var/lib/breachdesk/desk.db", "sqlite:////var/lib/breachdesk/desk.db"),
        (
            "postgresql://desk@db.example:5432/desk",
            "postgresql+psycopg://desk@db.example:5432/desk",
        ),
        ("postgres://desk@db.example/desk", "postgresql+psycopg://desk@db.example/desk"),
        ("postgresql+psycopg://desk@db.example/desk", "postgresql+psycopg://desk@db.example/desk"),
        ("sqlite:///elsewhere.db", "sqlite:///elsewhere.db"),
    ],
)
def test_normalise_url_reads_paths_as_sqlite_and_postgresql_as_psycopg(
    given: str, expected: str
) -> None:
    assert normalise_url(given) == expected


def test_normalise_url_expands_the_home_directory() -> None:
    assert normalise_url("~/desk.db") == f"sqlite:///{Path.home() / 'desk.db'}"


def test_database_knows_its_engine_from_the_url(db: Database) -> None:
    assert db.is_sqlite == (db.engine.dialect.name == "sqlite")
    assert db.url.startswith("sqlite:///" if db.is_sqlite else "postgresql+psycopg://")


def test_opening_a_file_path_creates_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "desk.db"
    database = open_database(str(path))
    try:
        assert path.parent.is_dir()
        assert table_names(database) >= TABLES
    finally:
        database.dispose()


# --- migrations ---------------------------------------------------------------------------


def test_migrations_create_every_table_at_the_head_revision(db: Database) -> None:
    assert table_names(db) >= TABLES
    assert revision(db) == head_revision()


def test_migrating_again_is_idempotent_and_keeps_the_data(db: Database) -> None:
    with db.transaction() as s:
        s.add(new_incident("midori"))
    db.migrate()
    db.migrate()
    assert revision(db) == head_revision()
    assert table_names(db) >= TABLES
    assert incident_slugs(db) == ["midori"]


def test_opening_without_migrate_leaves_the_database_empty_until_migrated(
    tmp_path: Path,
) -> None:
    database = open_database(str(tmp_path / "plain.db"), migrate=False)
    try:
        assert table_names(database) == set()
        database.migrate()
        assert table_names(database) >= TABLES
    finally:
        database.dispose()


def test_an_in_memory_database_keeps_its_tables_across_sessions() -> None:
    database = open_database(":memory:")
    try:
        with database.transaction() as s:
            s.add(new_incident("midori"))
        assert incident_slugs(database) == ["midori"]
    finally:
        database.dispose()


# --- transactions -------------------------------------------------------------------------


def test_a_committed_transaction_is_visible_to_the_next_session(db: Database) -> None:
    with db.transaction() as s:
        s.add(new_incident("midori"))
    assert incident_slugs(db) == ["midori"]


def test_a_transaction_that_raises_rolls_back_everything_it_wrote(db: Database) -> None:
    with pytest.raises(RuntimeError, match="half-way"), db.transaction() as s:
        s.add(new_incident("midori"))
        s.flush()
        assert s.scalar(select(func.count()).select_from(Incident)) == 1
        raise RuntimeError("failed half-way")
    assert incident_slugs(db) == []


def test_a_constraint_violation_rolls_back_the_whole_transaction(db: Database) -> None:
    with db.transaction() as s:
        s.add(new_incident("midori"))
    with pytest.raises(IntegrityError), db.transaction() as s:
        s.add(new_incident("sakura"))
        s.flush()
        s.add(new_incident("midori"))
        s.flush()
    assert incident_slugs(db) == ["midori"]


def test_a_read_session_commits_nothing(db: Database) -> None:
    with db.read() as s:
        s.add(new_incident("midori"))
        s.flush()
    assert incident_slugs(db) == []


def test_the_migrations_build_exactly_the_schema_the_models_declare(db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
