"""Commands that do not answer questions must not load the answer engine's models.

Each command runs in a fresh interpreter (in this process the other tests have imported
everything already), then reports which heavy modules it imported. numpy comes with the
engine, Sudachi with the tokenizer, openpyxl and pypdf with the importers, Alembic with a
migration that is not needed: none of them belongs in `incidents`, `entries` or `report daily`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk

HEAVY = ("numpy", "sudachipy", "openpyxl", "pypdf", "alembic", "matplotlib", "tensorflow")
PROBE = """
import json, sys
from breachdesk.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    heavy = [m for m in {heavy!r} if m in sys.modules]
    print("HEAVY=" + json.dumps(heavy))
"""


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("startup") / "desk.db"
    desk = Desk(Settings(db=str(path), dense_model="none"))
    desk.import_documents(DEMO_SLUG, demo_files())
    desk.db.dispose()
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["incidents"],
        ["entries", "--incident", DEMO_SLUG],
        ["report", "daily", "--incident", DEMO_SLUG],
    ],
    ids=lambda c: " ".join(c[:2]),
)
def test_listing_commands_import_no_model_or_importer(demo_db: Path, command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), "--db", str(demo_db), *command],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    marker = next(line for line in done.stdout.splitlines() if line.startswith("HEAVY="))
    assert json.loads(marker.removeprefix("HEAVY=")) == []
