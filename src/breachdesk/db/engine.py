"""Engine construction, URL handling, transactions and Alembic migrations."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url
from sqlalchemy import text as text_sql
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_REVISION = re.compile(r'^revision\s*(?::\s*str\s*)?=\s*["\']([^"\']+)["\']', re.M)
_PARENT = re.compile(r'^down_revision\s*(?::[^=]*)?=\s*["\']([^"\']+)["\']', re.M)
_MIGRATION_LOCK = 0x626400  # "bd" + 0: the advisory lock kind of a schema's migration


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
        self._kwargs = kwargs
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._autocommitting: Engine | None = None
        self._autocommit_lock = threading.Lock()

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
    def autocommit(self) -> Iterator[Connection]:
        """A connection on which each statement commits on its own and, on PostgreSQL, without
        waiting for the write-ahead log to reach the disk (``synchronous_commit`` off; SQLite's
        WAL at ``synchronous=NORMAL`` already does not wait). For counters whose every change is
        one atomic statement and whose last fraction of a second a crash may lose: the rate
        limit's count on every public request is one round trip, not a session's BEGIN,
        statement and COMMIT (whose wait for the disk alone cost it 8 ms)."""
        with self._autocommit_engine().connect() as connection:
            yield connection

    def _autocommit_engine(self) -> Engine:
        # Its own small pool whose connections are set up once (switching a pooled connection
        # to autocommit and back at every checkout cost SQLite more than the statement);
        # an in-memory database is one connection, so it shares that one.
        with self._autocommit_lock:
            if self._autocommitting is None:
                if self._kwargs.get("poolclass") is StaticPool:
                    self._autocommitting = self.engine.execution_options(
                        isolation_level="AUTOCOMMIT"
                    )
                else:
                    kwargs = {**self._kwargs, "isolation_level": "AUTOCOMMIT", "pool_size": 4}
                    if not self.is_sqlite:  # the schema's or the URL's options, and this
                        given = make_url(self.url).query.get("options", "")
                        options = kwargs.get("connect_args", {}).get("options", given)
                        kwargs["connect_args"] = {
                            "options": f"{options} -csynchronous_commit=off".strip(),
                            # A server that does not answer fails a count in seconds, not
                            # at the operating system's TCP timeout minutes later.
                            "connect_timeout": 5,
                        }
                    self._autocommitting = create_engine(self.url, **kwargs)
                    if self.is_sqlite:
                        event.listen(self._autocommitting, "connect", _sqlite_pragmas)
            return self._autocommitting

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
        which alone costs a CLI command about a tenth of a second. On PostgreSQL the upgrade
        runs under an advisory lock on the schema: processes that start together on a schema
        that needs migrating (the workers of `serve --workers N`, several servers) migrate it
        once, one after another, instead of failing on the tables the first one created.
        """
        if self._at_head():
            return
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["engine"] = self.engine
        with self._migration_lock():
            if not self._at_head():  # another process may have migrated it meanwhile
                command.upgrade(cfg, "head")

    def revision(self) -> str | None:
        """The schema's stored Alembic revision; None for a database never migrated."""
        with self.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            stored = connection.execute(text_sql("SELECT version_num FROM alembic_version"))
            return next((str(row[0]) for row in stored), None)

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        """Hold the schema's migration lock on PostgreSQL, the store several servers share (a
        SQLite file belongs to one server: migrate it before starting several workers on it)."""
        if self.is_sqlite:
            yield
            return
        key = {"kind": _MIGRATION_LOCK}
        with self.engine.connect() as connection:
            # A session-level lock: it outlives this commit, and Alembic migrates through
            # another connection while this one holds it.
            connection.execute(
                text_sql("SELECT pg_advisory_lock(:kind, hashtext(current_schema()))"), key
            )
            connection.commit()
            try:
                yield
            finally:
                connection.execute(
                    text_sql("SELECT pg_advisory_unlock(:kind, hashtext(current_schema()))"), key
                )
                connection.commit()

    def _at_head(self) -> bool:
        """Whether the stored revision is the single head of the migration files."""
        heads = head_revisions()
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
        if self._autocommitting is not None:
            self._autocommitting.dispose()


def known_revisions() -> set[str]:
    """Every revision of this version's migration files."""
    return set(_revisions_and_parents()[0])


def head_revisions() -> set[str]:
    """The newest revision(s) of the migration files: one, unless the files are mid-change."""
    revisions, parents = _revisions_and_parents()
    return revisions - parents


def _revisions_and_parents() -> tuple[set[str], set[str]]:
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        if found := _REVISION.search(text):
            revisions.add(found.group(1))
        parents.update(_PARENT.findall(text))
    return revisions, parents


def open_database(db: str, *, migrate: bool = True, schema: str | None = None) -> Database:
    """Open (and by default migrate) the database named by a path or URL."""
    database = Database(db, schema=schema)
    if migrate:
        database.migrate()
    return database


__all__ = ["Database", "head_revisions", "known_revisions", "normalise_url", "open_database"]
