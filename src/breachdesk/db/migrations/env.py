"""Alembic environment: runs against the engine handed over by `Database.migrate()`."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from breachdesk.db.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        engine = create_engine(
            config.get_main_option("sqlalchemy.url") or "sqlite://", hide_parameters=True
        )
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        context.run_migrations()


run_migrations_online()
