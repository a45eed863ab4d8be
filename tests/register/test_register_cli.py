"""`breachdesk keys …` and `breachdesk register …` through Typer's CliRunner, on SQLite."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from register_support import add_incident
from typer.testing import CliRunner, Result

from breachdesk.auth import service as auth
from breachdesk.cli import app
from breachdesk.db import open_database
from breachdesk.register.crypto import MasterKey
from breachdesk.register.sample import Person


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.db = tmp_path / "desk.db"
        self.key = tmp_path / "master.key"
        self.runner = CliRunner()
        add_incident(open_database(str(self.db)), "shop")
        made = self.runner.invoke(app, ["keys", "new", "--out", str(self.key)])
        assert made.exit_code == 0, made.output

    def __call__(self, *args: str, key: Path | None = None) -> Result:
        env = {"BREACHDESK_MASTER_KEY_FILE": str(key or self.key), "BREACHDESK_MASTER_KEY": ""}
        return self.runner.invoke(app, ["--db", str(self.db), *args], env=env)


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_import_prints_added_updated_unchanged_and_progress(cli: Cli, crowd_csv: Path) -> None:
    first = cli("register", "import", str(crowd_csv), "--incident", "shop")
    assert first.exit_code == 0, first.output
    assert "60 行（追加 60、更新 0、変更なし 0。" in first.stdout
    assert "行、毎秒" in first.stderr
    again = cli("register", "import", str(crowd_csv), "--incident", "shop")
    assert "60 行（追加 0、更新 0、変更なし 60。" in again.stdout


def test_lookup_prints_masked_values_only_and_is_audited_as_the_os_user(
    cli: Cli, crowd_csv: Path, crowd: list[Person]
) -> None:
    cli("register", "import", str(crowd_csv), "--incident", "shop")
    who = crowd[11]
    found = cli(
        "register", "lookup", "--incident", "shop", "--mail", who.mail, "--reason", "電話", "--json"
    )
    assert found.exit_code == 0, found.output
    [line] = found.stdout.splitlines()
    person = json.loads(line)
    assert person["phone"] == f"090-****-{who.phone[-4:]}"
    assert who.mail not in found.stdout and who.name not in found.stdout
    rows, _ = auth.list_audit(open_database(str(cli.db)), action="register.lookup")
    assert rows[0].actor.startswith("cli:") and rows[0].detail["reason"] == "電話"
    missing = cli("register", "lookup", "--incident", "shop", "--phone", who.phone)
    assert missing.exit_code != 0  # --reason is required
    two = cli(
        "register", "lookup", "--incident", "shop", "--phone", "1", "--mail", "a", "--reason", "x"
    )
    assert two.exit_code == 2


def test_stats_count_people_per_item(cli: Cli, crowd_csv: Path, crowd: list[Person]) -> None:
    cli("register", "import", str(crowd_csv), "--incident", "shop")
    result = cli("register", "stats", "--incident", "shop", "--json")
    data = json.loads(result.stdout)
    assert data["people"] == 60
    assert data["items"]["phone"] == sum("電話番号" in p.items for p in crowd)


def test_rotation_then_the_old_key_is_refused_with_a_clear_error(
    cli: Cli, crowd_csv: Path, tmp_path: Path
) -> None:
    cli("register", "import", str(crowd_csv), "--incident", "shop")
    new = tmp_path / "new.key"
    new.write_text(cli.runner.invoke(app, ["keys", "new"]).stdout)
    new.chmod(0o600)
    rotated = cli("keys", "rotate", "--new-key-file", str(new))
    assert rotated.exit_code == 0, rotated.output
    assert "1 件の名簿をマスターキー" in rotated.stdout
    old = cli("register", "stats", "--incident", "shop")
    assert old.exit_code == 2 and "開けません" in old.stderr
    assert cli("register", "stats", "--incident", "shop", key=new).exit_code == 0
    none = cli("register", "stats", "--incident", "shop", key=tmp_path / "missing.key")
    assert none.exit_code == 2 and "マスターキーのファイル" in none.stderr
    assert "を読めません" in none.stderr


def test_keys_new_writes_an_owner_only_file_or_prints_with_a_chmod_warning(
    cli: Cli, tmp_path: Path
) -> None:
    assert stat.S_IMODE(cli.key.stat().st_mode) == 0o600
    assert MasterKey.from_file(cli.key)
    again = cli.runner.invoke(app, ["keys", "new", "--out", str(cli.key)])
    assert again.exit_code == 2 and "上書き" in again.stderr
    printed = cli.runner.invoke(app, ["keys", "new"])
    assert printed.exit_code == 0 and MasterKey.parse(printed.stdout)
    assert "chmod 600" in printed.stderr and "chmod" not in printed.stdout


def test_a_key_file_others_can_read_is_refused_with_the_fix(cli: Cli, crowd_csv: Path) -> None:
    cli.key.chmod(0o644)
    refused = cli("register", "import", str(crowd_csv), "--incident", "shop")
    assert refused.exit_code == 2 and "chmod 600" in refused.stderr
    cli.key.chmod(0o600)
    assert cli("register", "import", str(crowd_csv), "--incident", "shop").exit_code == 0


def test_a_lookup_without_a_reason_prints_nothing_of_the_person_and_audits_nothing(
    cli: Cli, crowd_csv: Path, crowd: list[Person]
) -> None:
    cli("register", "import", str(crowd_csv), "--incident", "shop")
    who = crowd[12]
    for reason in ("", "  "):
        refused = cli(
            "register", "lookup", "--incident", "shop", "--mail", who.mail, "--reason", reason
        )
        assert refused.exit_code == 2 and "理由を入力してください" in refused.stderr
        assert "参照番号" not in refused.stdout and who.mail[1:] not in refused.output
    assert auth.list_audit(open_database(str(cli.db)), action="register.lookup")[1] == 0


def test_lookup_and_import_name_columns_in_japanese(
    cli: Cli, crowd_csv: Path, crowd: list[Person]
) -> None:
    imported = cli("register", "import", str(crowd_csv), "--incident", "shop")
    assert "同じ方かどうかは顧客番号で照合" in imported.stdout
    found = cli(
        "register", "lookup", "--incident", "shop", "--mail", crowd[1].mail, "--reason", "電話"
    )
    assert "顧客番号=" in found.stdout and "メールアドレス=" in found.stdout
    assert "customer=" not in found.stdout and "mail=" not in found.stdout
