"""The README's quick tour runs as written against the demo, in a fresh folder, and can run
while the README's demo (`scripts/demo.sh --serve`) is serving: its own database and port.

Every command of the tour's first code block is run in-process through the CLI (the answer
engine lexical-only, so no model loads); a leading `NAME=value` sets that environment variable,
`> FILE` redirections are written, the prompted password is typed, and `serve` — which would
not return — is only checked to parse. What the lines print is checked too: the desk ends
today, the register answers with the demo's own key, the regulator draft gives 60 days.
"""

from __future__ import annotations

import re
import shlex
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from breachdesk.cli import app
from breachdesk.inquiries.dates import today_jst

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DEMO_SCRIPT = ROOT / "scripts" / "demo.sh"


def tour_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Quick tour")
    return text[start : text.index("\n## ", start + 1)]


def tour() -> list[str]:
    """The command lines of the first bash block under '## Quick tour'."""
    block = re.search(r"```bash\n(.*?)```", tour_section(), re.S)
    assert block is not None
    return [line for line in block.group(1).splitlines() if line.strip()]


def split(line: str) -> tuple[dict[str, str], list[str], str | None]:
    """A line's environment assignments, its breachdesk arguments and its `> FILE`."""
    words = shlex.split(line, comments=True)
    env = {}
    while "=" in words[0] and not words[0].startswith("-"):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    assert words[0] == "breachdesk", line
    args, out = words[1:], None
    if ">" in args:
        at = args.index(">")
        args, out = args[:at], args[at + 1]
    return env, args, out


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def demo_database_and_port() -> tuple[str, int]:
    """What `scripts/demo.sh --serve` serves: its `--db` and the demo command's default port."""
    script = DEMO_SCRIPT.read_text(encoding="utf-8")
    found = re.search(r"breachdesk --db (\S+) demo", script)
    assert found is not None
    command = typer.main.get_command(app).commands["demo"]  # type: ignore[attr-defined]
    (port,) = [p.default for p in command.params if p.name == "port"]
    return found.group(1), int(port)


def test_the_tour_has_its_own_database_and_port_beside_the_running_demo() -> None:
    lines = [split(line) for line in tour()]
    assert len(lines) >= 10
    databases = {option(args, "--db") for _, args, _ in lines}
    (database,) = databases
    assert lines[0][1] == ["--db", database, "demo"]
    demo_db, demo_port = demo_database_and_port()
    assert database != demo_db
    serving = [args for _, args, _ in lines if "serve" in args]
    assert serving and all(option(args, "--port") not in (None, str(demo_port)) for args in serving)


def test_the_tour_says_how_to_get_the_command() -> None:
    prose = tour_section().split("```bash")[0]
    assert "bash scripts/setup.sh" in prose
    assert "source .venv/bin/activate" in prose and ".venv/bin/breachdesk" in prose


def test_every_tour_command_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(
        env={
            "BREACHDESK_DENSE_MODEL": "none",
            "BREACHDESK_CACHE_DIR": str(tmp_path / "cache"),
            "BREACHDESK_MASTER_KEY": None,
            "BREACHDESK_MASTER_KEY_FILE": None,
        }
    )
    printed: dict[str, str] = {}
    for line in tour():
        env, args, out = split(line)
        if "serve" in args:
            result = runner.invoke(app, [*args, "--help"])
            assert result.exit_code == 0, (line, result.output)
            continue
        typed = "tour-password-123\ntour-password-123\n" if "user" in args else None
        result = runner.invoke(app, args, input=typed, env=env)
        assert result.exit_code == 0, (line, result.stdout, result.stderr)
        printed[" ".join(a for a in args[2:] if not a.startswith("-"))[:40]] = result.stdout
        if out is not None:
            (tmp_path / out).write_text(result.stdout, encoding="utf-8")
    database = option(split(tour()[0])[1], "--db")
    assert database is not None and (tmp_path / database).is_file()
    key = (tmp_path / database).with_suffix(".master.key")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600  # the demo's own key, private

    # The desk's weeks end today (the last open day), and the one logged call is today's.
    rows = (tmp_path / "daily.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("date,offered")
    assert date.fromisoformat(rows[-1].split(",")[0]) == today_jst()
    assert date.fromisoformat(rows[1].split(",")[0]) >= today_jst() - timedelta(days=44)
    assert (tmp_path / "daily-ja.csv").read_text(encoding="utf-8").startswith("日付,入電")
    for made in ("daily.xlsx", "daily.png", "draft.xlsx", "forecast.png"):
        assert (tmp_path / made).stat().st_size > 0
    forecast = next(text for name, text in printed.items() if name.startswith("report forecast"))
    assert date.fromisoformat(forecast.splitlines()[1].split(",")[0]) > today_jst()
    draft = next(text for name, text in printed.items() if name.startswith("report regulator"))
    assert "- 確報（期限）：2026年11月2日（システム計算）" in draft.splitlines()
    stats = next(text for name, text in printed.items() if name.startswith("register stats"))
    assert stats.startswith("300 人（取り込み")
    found = next(text for name, text in printed.items() if name.startswith("register lookup"))
    assert found.startswith("参照番号 ") and "090-****-0001" in found
