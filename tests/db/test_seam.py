"""Every SQLite/PostgreSQL difference lives in `breachdesk.db` (STYLE.md, rule 5): no module
outside it imports a dialect's constructs or asks which store it is on — except the register's
bulk load, whose PostgreSQL COPY path is a named exception (see `register.bulk`)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "breachdesk"
ALLOWED = {"register/bulk.py"}
"""The register's bulk insert: binary COPY on PostgreSQL, executemany on SQLite, a writer
thread and ANALYZE on PostgreSQL only — one tuned unit, left where it is."""


_DATABASE = re.compile(r"get_bind|engine|bind|connection|\bconn\b|session|\bs\b")


def store_questions(tree: ast.AST) -> list[str]:
    """What in a module tells the two stores apart: dialect imports, `.dialect`, `is_sqlite`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "sqlalchemy.dialects"
        ):
            found.append(f"line {node.lineno}: from {node.module} import …")
        elif isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if a.name.startswith("sqlalchemy.dialects")
            ]
        elif isinstance(node, ast.Attribute) and (
            node.attr == "is_sqlite"
            # a connection's, an engine's or a session bind's dialect (a csv reader's is not)
            or (node.attr == "dialect" and _DATABASE.search(ast.unparse(node.value)))
        ):
            found.append(f"line {node.lineno}: {ast.unparse(node)}")
    return found


def test_no_module_outside_the_database_seam_tells_the_stores_apart() -> None:
    offenders = {}
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if name.startswith("db/") or name in ALLOWED:
            continue
        found = store_questions(ast.parse(path.read_text(encoding="utf-8")))
        if found:
            offenders[name] = found
    assert offenders == {}


def test_the_check_finds_a_dialect_branch() -> None:
    sample = (
        "from sqlalchemy.dialects import postgresql\n"
        "def f(s):\n    return s.get_bind().dialect.name == 'sqlite' or db.is_sqlite\n"
        "def g(reader):\n    return reader.dialect.delimiter\n"
    )
    assert len(store_questions(ast.parse(sample))) == 3
