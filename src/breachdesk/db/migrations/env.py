"""Alembic environment: runs against the engine handed over by `Database.migrate()`.

On SQLite, Alembic's batch mode changes a table by copying it into a new one and dropping the
old. breachdesk's connections turn foreign keys on, and with them on, dropping `entries` would
cascade into every version, phrasing and feedback row that points at it: an upgrade (or a
downgrade) would empty the knowledge base. So the migration runs with foreign keys off — the
pragma only takes effect outside a transaction, hence before `begin()` — and checks afterwards,
still inside the transaction, that no row points nowhere; if one does, nothing is committed.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from breachdesk.db.tables import Base

config = context.config
target_metadata = Base.metadata


class DanglingRowsError(RuntimeError):
    """A migration left rows whose foreign keys point at nothing; it was rolled back."""


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(
            config.get_main_option("sqlalchemy.url") or "sqlite://", hide_parameters=True
        )
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                context.configure(
                    connection=connection,
                    target_metadata=target_metadata,
                    render_as_batch=sqlite,
                )
                context.run_migrations()
                if sqlite:
                    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                    if dangling:
                        tables = sorted({str(row[0]) for row in dangling})
                        raise DanglingRowsError(
                            "migration left rows pointing at nothing in " + ", ".join(tables)
                        )
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()


run_migrations_online()
