"""Engine construction, URL handling, transactions and Alembic migrations."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import text as text_sql
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION = re.compile(r'^revision\s*(?::\s*str\s*)?=\s*["\']([^"\']+)["\']', re.M)
_PARENT = re.compile(r'^down_revision\s*(?::[^=]*)?=\s*["\']([^"\']+)["\']', re.M)


def normalise_url(db: str) -> str:
    """Turn `--db` (a file path or a URL) into a SQLAlchemy URL.

    A bare path is a SQLite file; `postgresql://` and `postgres://` select psycopg 3.
    """
    if "://" not in db:
        return f"sqlite:///{Path(db).expanduser()}"
    for prefix in ("postgresql://", "postgres://"):
        if db.startswith(prefix):
            return "postgresql+psycopg://" + db[len(prefix) :]
    return db


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class Database:
    """A connection to breachdesk's store, SQLite or PostgreSQL."""

    def __init__(self, url: str, *, schema: str | None = None) -> None:
        self.url = normalise_url(url)
        self.schema = schema
        # A failed statement's error never carries its values: they are person keys, ciphertexts
        # and blind indexes, and an error ends up in a log or on a page.
        kwargs: dict[str, Any] = {"future": True, "hide_parameters": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if ":memory:" in self.url or self.url == "sqlite://":
                kwargs["poolclass"] = StaticPool
        elif schema:
            kwargs["connect_args"] = {"options": f"-csearch_path={schema}"}
        if self.is_sqlite and self.url.startswith("sqlite:///"):
            Path(self.url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision (idempotent).

        A database already at the newest revision is left alone without importing Alembic,
        which alone costs a CLI command about a tenth of a second.
        """
        if self._at_head():
            return
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["engine"] = self.engine
        command.upgrade(cfg, "head")

    def _at_head(self) -> bool:
        """Whether the stored revision is the single head of the migration files."""
        revisions: set[str] = set()
        parents: set[str] = set()
        for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
            text = path.read_text(encoding="utf-8")
            if found := _REVISION.search(text):
                revisions.add(found.group(1))
            parents.update(_PARENT.findall(text))
        heads = revisions - parents
        if len(heads) != 1:
            return False
        try:
            with self.engine.connect() as connection:
                stored = connection.execute(text_sql("SELECT version_num FROM alembic_version"))
                return [row[0] for row in stored] == list(heads)
        except SQLAlchemyError:
            return False

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(db: str, *, migrate: bool = True, schema: str | None = None) -> Database:
    """Open (and by default migrate) the database named by a path or URL."""
    database = Database(db, schema=schema)
    if migrate:
        database.migrate()
    return database


__all__ = ["Database", "normalise_url", "open_database"]
