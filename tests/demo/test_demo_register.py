"""The demo's register: a few hundred fictional people with the incident's own items, under a
master key of the demo's own written beside the database (0600), imported once, said on screen;
an operator can look a person up from the CLI with that key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from breachdesk.cli import app
from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.demo.register import (
    PEOPLE,
    demo_people,
    ensure_key,
    key_path,
    leaked_items,
    seed_demo_register,
)
from breachdesk.desk import Desk
from breachdesk.errors import KeyUnavailableError
from breachdesk.kb.service import describe_incident, import_documents
from breachdesk.register.crypto import new_master_key
from breachdesk.register.items import parse_items

runner = CliRunner(env={"BREACHDESK_DENSE_MODEL": "none", "BREACHDESK_MASTER_KEY": None})
NOTICE_ITEMS = ["カード名義人名", "カード番号", "有効期限", "セキュリティコード"]


def test_the_key_lives_beside_a_sqlite_database_and_in_the_folder_for_a_server() -> None:
    assert key_path("demo.db") == Path("demo.master.key")
    assert key_path("/srv/desk/tour.db") == Path("/srv/desk/tour.master.key")
    assert key_path("sqlite:////srv/desk/x.sqlite3") == Path("/srv/desk/x.master.key")
    assert key_path("postgresql://db/desk") == Path.cwd() / "breachdesk-demo.master.key"


def test_the_key_file_is_written_once_and_only_its_owner_may_read_it(tmp_path: Path) -> None:
    key = tmp_path / "demo.master.key"
    assert ensure_key(key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    written = key.read_text()
    assert not ensure_key(key) and key.read_text() == written
    key.chmod(0o644)
    assert not ensure_key(key)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    key.write_text("not a key\n")
    with pytest.raises(KeyUnavailableError, match="鍵として読めません"):
        ensure_key(key)


def test_the_items_are_the_notice_s_own_and_the_people_are_fictional() -> None:
    facts = describe_facts()
    items = leaked_items(facts)
    assert items == NOTICE_ITEMS  # the specific items, not the umbrella クレジットカード情報
    listed = demo_people(items)
    assert len(listed) == PEOPLE == len({p.customer for p in listed})
    assert listed == demo_people(items)  # the same people every time
    for p in listed:
        assert p.mail == "" or p.mail.endswith("@example.jp")
        assert p.phone == "" or p.phone.startswith("090-0000-")
        assert p.address == "" or p.address.startswith(
            "東京都さくら区"
        )  # a ward that does not exist
        assert set(parse_items(p.items)) <= set(parse_items("・".join(items)))
        assert p.period.startswith("2026-0")  # an order inside the notice's period
    assert any(not p.mail and p.phone for p in listed)  # some can only be sent an SMS
    assert any(not p.mail and not p.phone and p.address for p in listed)  # some only a letter
    assert any(not (p.mail or p.phone or p.address) for p in listed)  # some cannot be reached
    assert any(p.items != "・".join(items) for p in listed)  # some lost fewer items


def describe_facts() -> dict[str, object]:
    from breachdesk.db import open_database

    db = open_database("sqlite://")
    import_documents(db, DEMO_SLUG, demo_files())
    facts = describe_incident(db, DEMO_SLUG).facts
    db.dispose()
    return facts


def test_the_register_is_imported_once_under_the_demo_key(db: Database, tmp_path: Path) -> None:
    key = tmp_path / "demo.master.key"
    desk = Desk(Settings(db="unused.db", dense_model="none", master_key_file=key), db=db)
    desk.import_documents(DEMO_SLUG, demo_files())
    facts = desk.incident(DEMO_SLUG).facts
    first = seed_demo_register(desk.register, DEMO_SLUG, key, facts)
    assert (first.people, first.key_created) == (PEOPLE, True)
    again = seed_demo_register(desk.register, DEMO_SLUG, key, facts)
    assert (again.people, again.key_created) == (0, False)
    stats = desk.register.stats(DEMO_SLUG)
    assert stats.people == PEOPLE and stats.imports == 1
    assert set(stats.per_item) == {"cardholder_name", "card_number", "expiry", "security_code"}
    (found,) = desk.register.lookup(DEMO_SLUG, "phone", "090-0000-0001", reason="t", actor="t")
    assert found.item_labels == parse_items_labels(demo_people(leaked_items(facts))[0].items)


def parse_items_labels(cell: str) -> list[str]:
    from breachdesk.register.items import item_label

    return [item_label(i) for i in parse_items(cell)]


def test_a_lost_or_wrong_key_is_said_in_japanese(tmp_path: Path) -> None:
    key = tmp_path / "demo.master.key"
    desk = Desk(Settings(db=str(tmp_path / "d.db"), dense_model="none", master_key_file=key))
    desk.import_documents(DEMO_SLUG, demo_files())
    facts = desk.incident(DEMO_SLUG).facts
    seed_demo_register(desk.register, DEMO_SLUG, key, facts)
    key.unlink()  # lost: a new key cannot open the register
    fresh = Desk(desk.settings, db=desk.db)
    with pytest.raises(KeyUnavailableError, match="見つからない"):
        seed_demo_register(fresh.register, DEMO_SLUG, key, facts)
    key.write_text(new_master_key() + "\n")  # someone else's key
    other = Desk(desk.settings, db=desk.db)
    with pytest.raises(KeyUnavailableError, match="名簿を開けません"):
        seed_demo_register(other.register, DEMO_SLUG, key, facts)


def test_the_demo_command_says_where_the_key_is_and_a_look_up_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = runner.invoke(app, ["--db", "demo.db", "demo"])
    assert first.exit_code == 0, (first.stdout, first.stderr)
    key = tmp_path / "demo.master.key"
    said = next(line for line in first.stdout.splitlines() if line.startswith("register: "))
    assert f"{PEOPLE} fictional people ({PEOPLE} imported now)" in said
    assert str(key) in said and "0600" in said and "written now" in said
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    again = runner.invoke(app, ["--db", "demo.db", "demo"])
    said = next(line for line in again.stdout.splitlines() if line.startswith("register: "))
    assert "imported now" not in said and "written now" not in said
    look = [
        "--db",
        "demo.db",
        "register",
        "lookup",
        "--incident",
        DEMO_SLUG,
        "--phone",
        "090-0000-0001",
        "--reason",
        "本人確認済み",
    ]
    found = runner.invoke(app, look, env={"BREACHDESK_MASTER_KEY_FILE": str(key)})
    assert found.exit_code == 0, found.stderr
    assert found.stdout.startswith("参照番号 ") and "090-****-0001" in found.stdout
    assert "カード番号" in found.stdout


def test_the_demo_uses_its_own_key_whatever_key_the_shell_names(tmp_path: Path) -> None:
    from pydantic import SecretStr

    from breachdesk.demo.setup import demo_settings

    shell = Settings(
        db=str(tmp_path / "demo.db"),
        master_key=SecretStr(new_master_key()),
        master_key_file=tmp_path / "production.key",
    )
    own = demo_settings(shell)
    assert own.master_key is None
    assert own.master_key_file == tmp_path / "demo.master.key"


def test_the_demo_can_plan_a_campaign_at_once(tmp_path: Path) -> None:
    """A newcomer's first campaign: approved templates for every channel, codes for everyone,
    and card companies' reports are there after `prepare_demo`, and a second run adds none."""
    from breachdesk.config import Settings
    from breachdesk.demo.setup import prepare_demo
    from breachdesk.notify import remediation

    settings = Settings(db=str(tmp_path / "demo.db"))
    first = prepare_demo(settings)
    assert (first.notify.templates, first.notify.codes) == (3, 400)
    assert first.notify.reissue_reports == 4
    approved = {
        t.channel for t in first.desk.notify.list_templates(DEMO_SLUG) if t.status == "approved"
    }
    assert approved == {"mail", "sms", "letter"}
    figures = remediation.stats(first.desk.db, DEMO_SLUG)
    assert figures.codes.loaded == 400 and figures.codes.assigned == 0
    assert 0 < figures.reissue.rate < 1
    again = prepare_demo(settings)
    assert (again.notify.templates, again.notify.codes, again.notify.reissue_reports) == (0, 0, 0)
