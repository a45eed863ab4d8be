"""Envelope encryption and master-key rotation, on SQLite and PostgreSQL."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest
from register_support import DeskMaker, add_incident
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import select

from breachdesk.db import Database
from breachdesk.db.tables import Register
from breachdesk.desk import Desk
from breachdesk.errors import KeyUnavailableError
from breachdesk.register import keys, service
from breachdesk.register.crypto import (
    DataKey,
    MasterKey,
    load_master_key,
    new_master_key,
    write_key_file,
)
from breachdesk.register.importer import import_register
from breachdesk.register.keys import Keyring
from breachdesk.register.sample import Person


def test_a_master_key_round_trips_through_its_text_and_has_a_stable_id() -> None:
    text = new_master_key()
    assert len(text) == 44
    assert MasterKey.parse(text).id == MasterKey.parse(text + "\n").id
    assert MasterKey.parse(text).id != MasterKey.parse(new_master_key()).id
    assert text not in repr(MasterKey.parse(text))


@pytest.mark.parametrize(
    "bad", ["", "short", "x" * 44, "truncated"], ids=["empty", "short", "not-base64", "truncated"]
)
def test_a_malformed_master_key_is_a_clear_error_that_does_not_echo_it(bad: str) -> None:
    if bad == "truncated":  # generated here: collection must be the same in every xdist worker
        bad = new_master_key()[:-4]
    with pytest.raises(
        KeyUnavailableError, match="breachdesk のマスターキーではありません"
    ) as caught:
        MasterKey.parse(bad)
    assert not bad or bad not in str(caught.value)


def test_a_missing_master_key_names_both_settings(tmp_path: Path) -> None:
    with pytest.raises(KeyUnavailableError, match="BREACHDESK_MASTER_KEY_FILE"):
        load_master_key(None, None)
    with pytest.raises(KeyUnavailableError, match="を読めません"):
        load_master_key(None, tmp_path / "absent.key")
    key_file = tmp_path / "m.key"
    key_file.write_text(new_master_key())
    key_file.chmod(0o600)
    assert load_master_key("", key_file).id == MasterKey.from_file(key_file).id


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o666])
def test_a_key_file_that_group_or_others_may_read_is_refused_naming_the_fix(
    tmp_path: Path, mode: int
) -> None:
    key_file = tmp_path / "m.key"
    key_file.write_text(new_master_key())
    key_file.chmod(mode)
    with pytest.raises(KeyUnavailableError, match="chmod 600") as caught:
        load_master_key(None, key_file)
    assert f"{mode:04o}" in str(caught.value) and key_file.read_text().strip() not in str(
        caught.value
    )
    key_file.chmod(0o600)
    assert load_master_key(None, key_file).id == MasterKey.parse(key_file.read_text()).id


def test_a_new_key_file_is_written_owner_only_and_never_over_an_existing_one(
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "new.key"
    write_key_file(key_file, new_master_key())
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = key_file.read_text()
    with pytest.raises(KeyUnavailableError, match="上書き"):
        write_key_file(key_file, new_master_key())
    assert key_file.read_text() == first and MasterKey.from_file(key_file)


def test_records_are_bound_to_their_context_and_indexes_to_their_kind() -> None:
    key = DataKey(DataKey.generate())
    blob = key.encrypt(b"secret", b"row 1")
    assert b"secret" not in blob
    assert key.decrypt(blob, b"row 1") == b"secret"
    with pytest.raises(KeyUnavailableError):
        key.decrypt(blob, b"row 2")
    assert key.blind("mail", "a@b.jp") == key.blind("mail", "a@b.jp")
    assert key.blind("mail", "a@b.jp") != key.blind("customer", "a@b.jp")
    assert DataKey(DataKey.generate()).blind("mail", "a@b.jp") != key.blind("mail", "a@b.jp")


def populated(db: Database, keyring: Keyring, csv: Path, slugs: tuple[str, ...]) -> None:
    for slug in slugs:
        add_incident(db, slug)
        import_register(db, keyring, slug, csv)


def readable_with(db: Database, master: MasterKey, slugs: tuple[str, ...], who: Person) -> bool:
    ring = Keyring(lambda: master)
    for slug in slugs:
        found = service.lookup(db, ring, slug, "mail", who.mail, reason="test", actor="t")
        if [p.masked["phone"] for p in found] != [f"090-****-{who.phone[-4:]}"]:
            return False
    return True


SLUGS = ("shop-a", "shop-b", "shop-c")


def test_rotation_rewraps_every_data_key_and_the_old_key_opens_none(
    db: Database,
    master: MasterKey,
    keyring: Keyring,
    crowd_csv: Path,
    crowd: list[Person],
    tmp_path: Path,
) -> None:
    populated(db, keyring, crowd_csv, SLUGS)
    new = MasterKey.parse(new_master_key())
    rotation = keys.rotate(db, master, new)
    assert (rotation.rewrapped, rotation.new_key_id) == (3, new.id)
    assert readable_with(db, new, SLUGS, crowd[5])
    with pytest.raises(KeyUnavailableError, match=master.id):
        readable_with(db, master, SLUGS, crowd[5])
    with db.read() as s:
        assert {r.key_id for r in s.scalars(select(Register))} == {new.id}
        assert all(r.pending_wrapped_key is None for r in s.scalars(select(Register)))


def test_an_interrupted_rotation_leaves_every_record_readable_and_can_be_finished(
    db: Database,
    master: MasterKey,
    keyring: Keyring,
    crowd_csv: Path,
    crowd: list[Person],
) -> None:
    populated(db, keyring, crowd_csv, SLUGS)
    new = MasterKey.parse(new_master_key())

    def crash_after_first(register_id: int) -> None:
        raise KeyboardInterrupt  # the operator's Ctrl-C, or a lost connection

    with pytest.raises(KeyboardInterrupt):
        keys.prepare_rotation(db, master, new, after_each=crash_after_first)
    # Half-way: the old key still opens every register; the new one the register it reached.
    assert readable_with(db, master, SLUGS, crowd[9])
    assert readable_with(db, new, SLUGS[:1], crowd[9])
    with pytest.raises(
        KeyUnavailableError, match="もう一度 `breachdesk keys rotate` を実行してください"
    ):
        keys.commit_rotation(db, new)  # refuses: nothing switched while some are behind
    assert readable_with(db, master, SLUGS, crowd[9])
    keys.rotate(db, master, new)
    assert readable_with(db, new, SLUGS, crowd[9])
    with pytest.raises(KeyUnavailableError):
        readable_with(db, master, SLUGS, crowd[9])


def test_a_wrong_key_serves_nothing_and_writes_no_new_register(
    db: Database, keyring: Keyring, crowd_csv: Path, crowd: list[Person]
) -> None:
    populated(db, keyring, crowd_csv, ("shop-a",))
    stranger = Keyring(lambda: MasterKey.parse(new_master_key()))
    with pytest.raises(KeyUnavailableError):
        service.lookup(db, stranger, "shop-a", "mail", crowd[0].mail, reason="x", actor="t")
    with pytest.raises(KeyUnavailableError):
        service.stats(db, stranger, "shop-a")
    add_incident(db, "shop-b")
    with pytest.raises(KeyUnavailableError, match="何も書き込んでいません"):
        import_register(db, stranger, "shop-b", crowd_csv)
    with db.read() as s:
        assert len(list(s.scalars(select(Register)))) == 1


def test_the_503_page_names_neither_the_key_file_nor_the_key_ids_but_the_log_does(
    make_desk: DeskMaker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from console_session import signed_in

    register_desk = make_desk()  # the register, made under the fixture's master key
    secret_dir = tmp_path / "secret-keys-dir"
    secret_dir.mkdir()
    wrong = secret_dir / "wrong.key"
    write_key_file(wrong, new_master_key())
    open_to_all = secret_dir / "open.key"
    open_to_all.write_text(new_master_key())
    open_to_all.chmod(0o644)
    for key_file, said in ((wrong, MasterKey.from_file(wrong).id), (open_to_all, str(open_to_all))):
        settings = register_desk.settings.model_copy(
            update={"master_key": None, "master_key_file": key_file}
        )
        desk = Desk(settings, db=register_desk.db)
        client, _ = signed_in(desk, "ola")
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="breachdesk.web"):
            page = client.get("/console/i/shop/register")
        assert page.status_code == 503
        shown = HTMLParser(page.text).body
        assert shown is not None
        text = shown.text()
        assert "鍵" in text
        for secret in (str(secret_dir), key_file.name, said, MasterKey.from_file(wrong).id):
            assert secret not in page.text, secret
        assert said in caplog.text  # the server log keeps what the operator needs
