"""The README's quick tour runs as written against the demo, in a fresh folder.

Every command of the tour's first code block is run in-process through the CLI (the answer
engine lexical-only, so no model loads); `> FILE` redirections are written, the prompted
password is typed, and `serve` — which would not return — is only checked to parse.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from breachdesk.cli import app

README = Path(__file__).resolve().parents[1] / "README.md"


def tour() -> list[str]:
    """The command lines of the first bash block under '## Quick tour'."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Quick tour") :]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_the_tour_uses_the_demo_database_and_incident() -> None:
    lines = tour()
    assert len(lines) >= 10
    assert all(line.startswith("breachdesk --db demo.db ") for line in lines)
    assert lines[0].split("#")[0].split() == ["breachdesk", "--db", "demo.db", "demo"]


def test_every_tour_command_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(
        env={"BREACHDESK_DENSE_MODEL": "none", "BREACHDESK_CACHE_DIR": str(tmp_path / "cache")}
    )
    for line in tour():
        words = shlex.split(line, comments=True)
        assert words[0] == "breachdesk"
        args, out = words[1:], None
        if ">" in args:
            at = args.index(">")
            args, out = args[:at], tmp_path / args[at + 1]
        if "serve" in args:
            result = runner.invoke(app, [*args, "--help"])
            assert result.exit_code == 0, (line, result.output)
            continue
        typed = "tour-password-123\ntour-password-123\n" if "user" in args else None
        result = runner.invoke(app, args, input=typed)
        assert result.exit_code == 0, (line, result.stdout, result.stderr)
        if out is not None:
            out.write_text(result.stdout, encoding="utf-8")
    assert (tmp_path / "demo.db").is_file()
    assert (tmp_path / "daily.csv").read_text(encoding="utf-8").startswith("date,offered")
    assert (tmp_path / "daily-ja.csv").read_text(encoding="utf-8").startswith("日付,入電")
    for made in ("daily.xlsx", "daily.png", "draft.xlsx"):
        assert (tmp_path / made).stat().st_size > 0
