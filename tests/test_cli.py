"""The `breachdesk` command, driven through Typer's `CliRunner` against a SQLite file.

The answer engine runs lexical-only (`BREACHDESK_DENSE_MODEL=none`), so no model loads; the
documents are the bundled fictional demo incident and small files written into `tmp_path`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
import typer.main
from typer.testing import CliRunner, Result

from breachdesk.cli import app
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files

CONTRACT_KEYS = {
    "incident",
    "answered",
    "answer",
    "matched_question",
    "entry",
    "score",
    "contact",
    "candidates",
}
FIGURES = ("accuracy", "answerable_accuracy", "abstain_rate", "wrong_answer_rate")


class Cli:
    """Runs `breachdesk --db <tmp file> …` with a lexical-only engine and a private cache."""

    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "desk.db"
        self.runner = CliRunner(
            env={
                "BREACHDESK_DENSE_MODEL": "none",
                "BREACHDESK_CACHE_DIR": str(tmp_path / "cache"),
            }
        )

    def __call__(self, *args: str | Path, code: int = 0) -> Result:
        result = self.runner.invoke(app, ["--db", str(self.db), *map(str, args)])
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        return result

    def json_lines(self, *args: str | Path) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self(*args).stdout.splitlines()]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture
def demo(cli: Cli) -> list[dict[str, Any]]:
    """The demo incident imported; its entries as `entries --json` prints them."""
    cli("import", "--incident", DEMO_SLUG, *demo_files())
    return cli.json_lines("entries", "--incident", DEMO_SLUG, "--json")


def reissue(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The demo FAQ's entry about re-issuing a card."""
    return next(e for e in entries if e["question"] == "カードを再発行したいのですが")


def write_lines(path: Path, *rows: dict[str, Any] | str) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row, ensure_ascii=False) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- import -------------------------------------------------------------------------------


def test_import_prints_one_summary_line_per_file(cli: Cli) -> None:
    faq, notice = demo_files()
    result = cli("import", "--incident", DEMO_SLUG, faq, notice)
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"{faq.name}: version 1, format bullet, encoding utf-8: ")
    assert lines[1].startswith(f"{notice.name}: version 1, format notice, encoding utf-8: ")
    assert all(line.endswith("0 changed, 0 kept, 0 retired") for line in lines)
    assert result.stderr == ""


def test_importing_the_same_files_again_reports_nothing_to_do(cli: Cli) -> None:
    cli("import", "--incident", DEMO_SLUG, *demo_files())
    result = cli("import", "--incident", DEMO_SLUG, *demo_files())
    assert result.stdout.splitlines() == [
        f"{path.name}: unchanged (version 1), nothing to do" for path in demo_files()
    ]


def test_import_of_a_bad_file_exits_2_naming_file_line_and_reason_and_stores_nothing(
    cli: Cli, tmp_path: Path
) -> None:
    bad = tmp_path / "faq.txt"
    bad.write_bytes("ミドリ雑貨 よくあるご質問\nQ1. 補償は？\n".encode("cp932") + b"A1. \x81\n")

    result = cli("import", "--incident", "midori", demo_files()[0], bad, code=2)

    assert result.stderr.startswith(f"error: {bad}:3: undecodable byte 0x81")
    assert result.stdout == ""
    assert cli("incidents").stdout == ""


def test_import_rejects_a_bad_slug_with_exit_2(cli: Cli) -> None:
    result = cli("import", "--incident", "Sakura Books", *demo_files(), code=2)
    assert result.stderr.startswith("error: Sakura Books: ")
    assert cli("incidents").stdout == ""


# --- incidents and entries ----------------------------------------------------------------


def test_incidents_lists_each_incident_with_counts_and_desk(
    cli: Cli, demo: list[dict[str, Any]]
) -> None:
    (line,) = cli("incidents").stdout.splitlines()
    slug, entries, documents, desk, _name = line.split("\t")
    assert (slug, entries, documents) == (DEMO_SLUG, f"{len(demo)} entries", "2 documents")
    assert desk == "desk 0120-000-111"
    (row,) = cli.json_lines("incidents", "--json")
    assert (row["slug"], row["entries"], row["kb_version"]) == (DEMO_SLUG, len(demo), 1)
    assert row["contacts"][0]["phone"] == "0120-000-111"


def test_entries_json_prints_one_object_per_entry_with_the_published_text(
    demo: list[dict[str, Any]],
) -> None:
    faq = demo_files()[0].read_text(encoding="utf-8")
    assert demo
    for row in demo:
        assert {"entry", "section", "question", "answer"} <= set(row)
        assert row["entry"].startswith(f"{DEMO_SLUG}-")
        assert row["answer"]
    assert reissue(demo)["answer"] in faq
    assert reissue(demo)["section"] == "カードの再発行と不正利用"


def test_entries_of_an_unknown_incident_exits_3(cli: Cli) -> None:
    result = cli("entries", "--incident", "nobody", code=3)
    assert result.stderr == "error: incident not found: nobody\n"


# --- ask ----------------------------------------------------------------------------------


def test_ask_json_returns_the_contract_shape_with_the_entry_verbatim(
    cli: Cli, demo: list[dict[str, Any]]
) -> None:
    entry = reissue(demo)
    (answer,) = cli.json_lines("ask", "--incident", DEMO_SLUG, "--json", entry["question"])

    assert set(answer) >= CONTRACT_KEYS
    assert {"phone", "hours", "open_now"} <= set(answer["contact"])
    assert answer["incident"] == DEMO_SLUG
    assert answer["answered"] is True
    assert (answer["entry"], answer["answer"]) == (entry["entry"], entry["answer"])
    assert answer["matched_question"] == entry["question"]
    assert 0.0 <= answer["score"] <= 1.0
    assert answer["contact"]["phone"] == "0120-000-111"
    assert answer["contact"]["open_now"] in (True, False, None)
    for candidate in answer["candidates"]:
        assert {"entry", "question", "score"} <= set(candidate)


def test_ask_prints_the_answer_and_the_desk(cli: Cli, demo: list[dict[str, Any]]) -> None:
    entry = reissue(demo)
    result = cli("ask", "--incident", DEMO_SLUG, entry["question"])
    assert result.stdout.startswith(entry["answer"] + "\n")
    assert "窓口:" in result.stdout and "0120-000-111" in result.stdout


def test_ask_on_an_unknown_incident_exits_3(cli: Cli, demo: list[dict[str, Any]]) -> None:
    result = cli("ask", "--incident", "nobody", "カードは再発行できますか", code=3)
    assert result.stderr == "error: incident not found: nobody\n"


def test_ask_without_a_question_or_batch_exits_2(cli: Cli) -> None:
    result = cli("ask", "--incident", DEMO_SLUG, code=2)
    assert "--batch" in result.stderr


def test_ask_batch_answers_every_line_in_input_order_echoing_ids(
    cli: Cli, demo: list[dict[str, Any]], tmp_path: Path
) -> None:
    entry = reissue(demo)
    questions = write_lines(
        tmp_path / "questions.jsonl",
        {"id": "q-3", "incident": DEMO_SLUG, "question": "おすすめの小説を教えてください"},
        {"id": "q-1", "question": entry["question"]},
        "",
        {"question": "サイトはいつ再開しますか?"},
    )

    rows = cli.json_lines("ask", "--batch", questions, "--incident", DEMO_SLUG)

    # A line without an id is known by its line number; blank lines are skipped.
    assert [row["id"] for row in rows] == ["q-3", "q-1", "4"]
    assert all(set(row) >= CONTRACT_KEYS for row in rows)
    assert all(row["incident"] == DEMO_SLUG for row in rows)
    assert rows[1]["question"] == entry["question"]
    assert (rows[1]["entry"], rows[1]["answer"]) == (entry["entry"], entry["answer"])


def test_ask_batch_line_without_an_incident_needs_the_option(
    cli: Cli, demo: list[dict[str, Any]], tmp_path: Path
) -> None:
    questions = write_lines(tmp_path / "q.jsonl", {"id": "q-1", "question": "再発行したい"})
    result = cli("ask", "--batch", questions, code=2)
    assert result.stderr.startswith("error: q-1: no incident")
    assert result.stdout == ""


def test_a_malformed_batch_line_exits_2_naming_file_and_line(
    cli: Cli, demo: list[dict[str, Any]], tmp_path: Path
) -> None:
    questions = write_lines(
        tmp_path / "q.jsonl",
        {"id": "q-1", "question": "再発行したい"},
        '{"id": "q-2", "question": ',
    )
    result = cli("ask", "--batch", questions, "--incident", DEMO_SLUG, code=2)
    assert result.stderr.startswith(f"error: {questions}:2: not valid JSON")
    assert result.stdout == ""


def test_a_batch_line_without_a_question_string_exits_2(
    cli: Cli, demo: list[dict[str, Any]], tmp_path: Path
) -> None:
    questions = write_lines(tmp_path / "q.jsonl", {"id": "q-1", "question": ["再発行"]})
    result = cli("ask", "--batch", questions, "--incident", DEMO_SLUG, code=2)
    assert result.stderr.startswith(f"error: {questions}:1: ")


@pytest.mark.parametrize("command", [["ask", "--batch"], ["eval"]])
def test_a_missing_question_file_exits_2_naming_it(
    cli: Cli, tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "missing.jsonl"
    result = cli(*command, missing, "--incident", DEMO_SLUG, code=2)
    # Rich may wrap the usage error inside a box: compare the words only.
    assert "does not exist" in " ".join(result.stderr.replace("│", " ").split())
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- eval, settings, demo -----------------------------------------------------------------


def test_eval_prints_the_four_figures_per_incident_and_overall(
    cli: Cli, demo: list[dict[str, Any]], tmp_path: Path
) -> None:
    entry = reissue(demo)
    questions = write_lines(
        tmp_path / "dev.jsonl",
        {
            "id": "d-1",
            "incident": DEMO_SLUG,
            "question": entry["question"],
            "expect": {"any_of": [entry["answer"].split("\n")[0]]},
        },
        {"id": "d-2", "incident": DEMO_SLUG, "question": "おすすめの小説は？", "expect": "abstain"},
    )

    title, header, *rows = cli("eval", questions).stdout.split("\n\n")[0].splitlines()

    assert title == "engine"
    assert header.split()[:3] == ["incident", "n", "accuracy"]
    assert [row.split()[:2] for row in rows] == [[DEMO_SLUG, "2"], ["overall", "2"]]
    (systems,) = cli.json_lines("eval", questions, "--json")
    assert set(systems) == {"engine", "words_q", "dense_q"}
    figures = systems["engine"]
    assert set(figures) == {DEMO_SLUG, "overall"}
    assert set(FIGURES) <= set(figures["overall"])
    assert figures["overall"]["questions"] == 2
    assert figures["overall"]["resolved"] == 1.0
    assert figures["overall"]["abstain_rate"] == 1.0


def test_settings_lists_every_setting_with_its_environment_variable(cli: Cli) -> None:
    lines = cli("settings").stdout.splitlines()
    variables = [line.split("\t")[0] for line in lines]
    assert "BREACHDESK_DB" in variables
    assert variables == [f"BREACHDESK_{name.upper()}" for name in Settings.model_fields]
    assert all(len(line.split("\t")) == 3 and line.split("\t")[2] for line in lines)


def test_demo_imports_the_demo_incident_and_prints_answers(cli: Cli) -> None:
    lines = cli("demo").stdout.splitlines()
    assert [line for line in lines if line.startswith("imported ")] == [
        f"imported {path.name}: version 1" for path in demo_files()
    ]
    questions = [line for line in lines if line.startswith("Q: ")]
    answers = [line for line in lines if line.startswith("A: ")]
    assert len(questions) == len(answers) == 3
    (row,) = cli.json_lines("incidents", "--json")
    assert row["slug"] == DEMO_SLUG and row["entries"] > 0


def test_running_the_demo_twice_reimports_nothing(cli: Cli) -> None:
    cli("demo")
    lines = cli("demo").stdout.splitlines()
    assert [line for line in lines if line.startswith("imported ")] == [
        f"imported {path.name}: version 1 (unchanged)" for path in demo_files()
    ]


# --- help ---------------------------------------------------------------------------------

COMMANDS: dict[str, click.Command] = typer.main.get_command(app).commands  # type: ignore[attr-defined]


def test_every_expected_command_is_registered() -> None:
    expected = {"import", "incidents", "entries", "ask", "eval", "demo", "settings", "serve"}
    assert expected <= set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_a_one_line_help(cli: Cli, name: str) -> None:
    summary = (COMMANDS[name].help or "").strip()
    assert summary and "\n" not in summary
    result = cli(name, "--help")
    assert "Usage:" in result.stdout
    assert summary.split()[0] in result.stdout


def test_the_top_level_help_lists_every_command(cli: Cli) -> None:
    result = cli("--help")
    for name in COMMANDS:
        assert name in result.stdout
