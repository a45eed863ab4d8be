"""The command line's changes commit with their audit row (`cli:` and the operating-system user)
or not at all, and `user` speaks Japanese to the person at the terminal.

The walk covers every command of the users and inquiry-desk groups as the Typer app lists them:
each one that changes something has a case below, the rest are named as read-only, so a new
command fails here until it is one or the other.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from itertools import count
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from breachdesk.auth import service as auth
from breachdesk.cli import app
from breachdesk.config import Settings
from breachdesk.desk import Desk
from breachdesk.inquiries import campaigns
from breachdesk.kb import editing
from db_snapshot import snapshot

SLUG = "aozora"
FAQ = "Q1. 補償はありますか？\nA1. 500円分のポイントを付与します。\n"
PASSWORD = "correct horse battery"
MODULES = ("breachdesk.cli.users", "breachdesk.cli.inquiries")
READ_ONLY = {"user list", "token list", "inquiry list", "campaign list"}
runner = CliRunner()


@dataclass
class Cli:
    """A desk on a SQLite file and the commands' arguments to reach it."""

    path: Path
    desk: Desk
    names: Iterator[int]

    def file(self, name: str, text: str) -> str:
        path = self.path.parent / f"{next(self.names)}-{name}"
        path.write_text(text, encoding="utf-8")
        return str(path)

    def campaign(self) -> str:
        made = campaigns.add_campaign(self.desk.db, SLUG, channel="mail", sent_on=date.today())
        results = Path(self.file("results.csv", "宛先,配信結果\na@example.jp,不達\n"))
        campaigns.import_delivery_results(self.desk.db, made.id, results)
        return str(made.id)

    def token(self) -> str:
        auth.create_token(self.desk.db, f"old{next(self.names)}", "viewer")
        return str(auth.list_tokens(self.desk.db)[-1].id)

    def invoke(self, args: list[str], stdin: str | None = None) -> Any:
        return runner.invoke(app, ["--db", str(self.path), *args], input=stdin)


@dataclass(frozen=True)
class Command:
    args: list[str]
    stdin: str | None = None
    reads: bool = False  # an audited read (an export): only the audit row is written


INCIDENT = ["--incident", SLUG]
CASES: dict[str, Callable[[Cli], Command]] = {
    "user add": lambda c: Command(
        ["user", "add", f"kim{next(c.names)}", "--role", "viewer", "--password-stdin"],
        PASSWORD + "\n",
    ),
    "user password": lambda c: Command(
        ["user", "password", "eri", "--password-stdin"], "another long password\n"
    ),
    "token add": lambda c: Command(["token", "add", "deploy", "--role", "editor"]),
    "token revoke": lambda c: Command(["token", "revoke", c.token()]),
    "inquiry log": lambda c: Command(
        ["inquiry", "log", *INCIDENT, "--channel", "phone", "--outcome", "answered"]
    ),
    "inquiry import-calls": lambda c: Command(
        [
            "inquiry",
            "import-calls",
            c.file("calls.csv", f"日時,結果\n2026-11-20 10:{next(c.names):02d},応答\n"),
            *INCIDENT,
        ]
    ),
    "categories": lambda c: Command(["categories", *INCIDENT, "--add", f"分類{next(c.names)}"]),
    "campaign add": lambda c: Command(
        ["campaign", "add", *INCIDENT, "--channel", "sms", "--sent-on", date.today().isoformat()]
    ),
    "campaign import-results": lambda c: Command(
        [
            "campaign",
            "import-results",
            c.campaign(),
            c.file("results.csv", "宛先,配信結果\na@example.jp,配信済\n"),
        ]
    ),
    "campaign export-bounced": lambda c: Command(
        ["campaign", "export-bounced", c.campaign()], reads=True
    ),
    "campaign purge": lambda c: Command(["campaign", "purge", c.campaign()]),
}


def commands() -> dict[str, str]:
    """Every command of the app as `group name` → the module that defines it."""
    out: dict[str, str] = {}

    def walk(group: Any, prefix: str) -> None:
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                walk(command, f"{prefix}{name} ")
            else:
                out[f"{prefix}{name}"] = command.callback.__module__
        return None

    walk(typer.main.get_command(app), "")
    return out


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    path = tmp_path / "desk.db"
    desk = Desk(Settings(db=str(path), dense_model="none", cache_dir=tmp_path))
    faq = tmp_path / "faq.txt"
    faq.write_text(FAQ, encoding="utf-8")
    desk.import_documents(SLUG, [faq])
    auth.create_user(desk.db, "eri", PASSWORD, "editor")
    return Cli(path, desk, count(1))


def test_every_users_and_desk_command_is_walked() -> None:
    ours = {name for name, module in commands().items() if module in MODULES}
    assert ours - READ_ONLY - set(CASES) == set()
    assert set(CASES) | READ_ONLY <= ours


def test_every_command_commits_with_its_audit_row_or_not_at_all(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = auth.record

    def failing(*_: object, **__: object) -> None:
        raise RuntimeError("the audit row could not be written")

    for name, case in CASES.items():
        command = case(cli)
        before = snapshot(cli.desk.db)
        monkeypatch.setattr(auth, "record", failing)
        result = cli.invoke(command.args, command.stdin)
        assert isinstance(result.exception, RuntimeError), (name, result.output)
        assert snapshot(cli.desk.db) == before, f"{name} changed without its audit row"
        monkeypatch.setattr(auth, "record", real)
        result = cli.invoke(command.args, command.stdin)
        assert result.exit_code == 0, (name, result.output)
        after = snapshot(cli.desk.db)
        assert command.reads or any(after[t] != before[t] for t in after if t != "audit_log"), (
            f"{name} changed nothing"
        )
        rows, _ = auth.list_audit(cli.desk.db, limit=1)
        assert rows[0].actor == f"cli:{getpass.getuser()}", name
        assert len(after["audit_log"]) == len(before["audit_log"]) + 1, name


def test_user_add_asks_for_the_password_twice_in_japanese(cli: Cli) -> None:
    result = cli.invoke(["user", "add", "kim", "--role", "admin"], f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "パスワード（12文字以上）" in result.output
    assert "確認のため、もう一度入力してください" in result.output
    assert "ユーザー「kim」（管理者）を作成しました。" in result.output
    assert PASSWORD not in result.output
    assert "password" not in result.output.lower()


def test_user_add_says_what_is_wrong_in_japanese(cli: Cli) -> None:
    mismatched = "一つ目のパスワードです\n二つ目のパスワードです\n" * 3
    result = cli.invoke(["user", "add", "kim", "--role", "admin"], mismatched)
    assert result.exit_code == 2
    assert "2回の入力が一致しません" in result.output and "中止しました" in result.output
    short = cli.invoke(["user", "add", "kim", "--role", "admin", "--password-stdin"], "short\n")
    assert short.exit_code == 2 and "パスワードは12文字以上にしてください" in short.output
    taken = cli.invoke(["user", "add", "eri", "--role", "admin", "--password-stdin"], PASSWORD)
    assert taken.exit_code == 2 and "「eri」はすでにあります" in taken.output
    bad = cli.invoke(["user", "add", "Kim!", "--role", "admin", "--password-stdin"], PASSWORD)
    assert bad.exit_code == 2 and "半角の英小文字" in bad.output
    role = cli.invoke(["user", "add", "kim", "--role", "boss", "--password-stdin"], PASSWORD)
    assert role.exit_code == 2 and "権限は" in role.output
    assert [u.username for u in auth.list_users(cli.desk.db)] == ["eri"]  # nothing was made


def test_a_password_set_from_the_command_line_signs_the_user_in(cli: Cli) -> None:
    result = cli.invoke(["user", "password", "eri", "--password-stdin"], "a brand new password\n")
    assert result.exit_code == 0 and "パスワードを変更しました" in result.output
    assert auth.authenticate(cli.desk.db, "eri", "a brand new password", "127.0.0.1")
    missing = cli.invoke(["user", "password", "nobody", "--password-stdin"], PASSWORD)
    assert missing.exit_code == 3 and "「nobody」は見つかりません" in missing.output


def test_a_token_is_still_the_last_word_of_token_add(cli: Cli) -> None:
    result = cli.invoke(["token", "add", "deploy", "--role", "editor"])
    value = result.output.split()[-1]
    assert value.startswith("bd_") and "作成しました" in result.output
    principal = auth.resolve_token(cli.desk.db, value)
    assert principal is not None and principal.role == "editor"


def test_import_commits_with_its_audit_row_or_not_at_all(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    faq = cli.file("faq.txt", FAQ + "Q2. 再発行の手数料は？\nA2. 当社が負担します。\n")
    args = ["import", faq, *INCIDENT]
    before = snapshot(cli.desk.db)
    real = auth.record

    def failing(*_: object, **__: object) -> None:
        raise RuntimeError("the audit row could not be written")

    monkeypatch.setattr(auth, "record", failing)
    assert isinstance(cli.invoke(args).exception, RuntimeError)
    assert snapshot(cli.desk.db) == before, "the import stored documents without its audit row"

    monkeypatch.setattr(auth, "record", real)
    result = cli.invoke(args)
    assert result.exit_code == 0, result.output
    rows, _ = auth.list_audit(cli.desk.db, action="documents.import")
    me = f"cli:{getpass.getuser()}"
    assert [(r.actor, r.target) for r in rows] == [(me, SLUG)]
    assert rows[0].detail["files"] == [Path(faq).name] and rows[0].detail["added"] == 2
    [document] = [
        d for d in editing.list_documents(cli.desk.db, SLUG) if d.file_name == Path(faq).name
    ]
    assert document.imported_by == me


def test_an_import_that_makes_an_incident_audits_both_as_the_os_user(cli: Cli) -> None:
    result = cli.invoke(["import", cli.file("faq.txt", FAQ), "--incident", "hoshi"])
    assert result.exit_code == 0, result.output
    rows, _ = auth.list_audit(cli.desk.db, target="hoshi")
    me = f"cli:{getpass.getuser()}"
    assert sorted((r.action, r.actor) for r in rows) == [
        ("documents.import", me),
        ("incident.create", me),
    ]
