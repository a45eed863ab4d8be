"""`report staffing` and `report regulator` on the kokocoupon seed, through the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from breachdesk.cli import app

runner = CliRunner()


@pytest.mark.seeds
def test_staffing_and_the_regulator_draft_on_the_seed(
    seeds: dict[str, Path], tmp_path: Path
) -> None:
    db = str(tmp_path / "k.db")
    result = runner.invoke(
        app, ["--db", db, "import", str(seeds["kokocoupon"]), "--incident", "kokocoupon"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["--db", db, "report", "staffing", "--incident", "kokocoupon"])
    assert result.exit_code == 0, result.output
    rows = {line.split(",")[0]: line.split(",") for line in result.output.splitlines()[2:]}
    peak = rows["2022-07-29"]
    assert peak[1:4] == ["140", "58", "0.414"]
    implied, agents, lines = float(peak[4]), int(peak[5]), int(peak[6])
    assert implied < agents <= lines
    assert "handling time 300 s" in result.output
    out = tmp_path / "draft.xlsx"
    result = runner.invoke(
        app,
        [
            "--db",
            db,
            "report",
            "regulator",
            "--incident",
            "kokocoupon",
            "--discovered",
            "2022-06-14",
            "--unauthorised-access",
            "--xlsx",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "確報（期限）：2022年8月13日" in result.output
    assert "（未記入：原因を記入してください）" in result.output
    assert "QUOカードPayリマインドメール配信" in result.output
    assert load_workbook(out).active is not None
