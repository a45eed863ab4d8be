"""The one database seam: engines, sessions, transactions, migrations.

Every SQLite/PostgreSQL difference lives in this package. The rest of the code asks for a
`Database` and uses `with db.transaction() as s:`; it never builds an engine itself.
"""

from breachdesk.db.engine import Database, normalise_url, open_database

__all__ = ["Database", "normalise_url", "open_database"]
