"""Opening, creating and rotating the registers' data keys.

Each register row keeps its data key wrapped by the master key, with the master key's id. A
rotation is two-phase so that stopping it at any moment leaves every register readable:

1. *prepare*, one transaction per register: the data key is wrapped by the new master key too,
   into `pending_*`; the old wrap stays. Interrupted here, the old key still opens everything
   (and so does the new one, through the pending wraps); running the rotation again finishes it.
2. *commit*, one transaction for all: every pending wrap replaces the old one. From then on
   only the new key opens the registers.

A key that matches neither wrap is a `KeyUnavailableError` naming both ids; nothing is served.
A new register is only created under the key the existing registers use, so a mistyped key
file cannot split the desk between two master keys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from threading import Lock

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from breachdesk.db import Database
from breachdesk.db.tables import Incident, Register, utcnow
from breachdesk.errors import KeyUnavailableError, NotFoundError
from breachdesk.register.crypto import DataKey, MasterKey


def wrap_context(register_id: int) -> bytes:
    return f"breachdesk register {register_id}".encode()


def open_data_key(register: Register, master: MasterKey) -> DataKey:
    """The register's data key, unwrapped by `master` (the current wrap, or a pending one)."""
    if register.key_id == master.id:
        wrapped = register.wrapped_key
    elif register.pending_key_id == master.id and register.pending_wrapped_key is not None:
        wrapped = register.pending_wrapped_key
    else:
        raise KeyUnavailableError(
            f"設定されているマスターキー {master.id} では名簿 {register.id} を開けません"
            f"（この名簿のデータキーはマスターキー {register.key_id} で暗号化されています）。"
            "BREACHDESK_MASTER_KEY と BREACHDESK_MASTER_KEY_FILE を確認してください"
        )
    return DataKey(master.unwrap(wrapped, wrap_context(register.id)))


class Keyring:
    """The master key (loaded on first use) and the data keys it has opened, by register id."""

    def __init__(self, load_master: Callable[[], MasterKey]) -> None:
        self._load_master = load_master
        self._master: MasterKey | None = None
        self._keys: dict[int, DataKey] = {}
        self._lock = Lock()

    @property
    def master(self) -> MasterKey:
        if self._master is None:
            self._master = self._load_master()
        return self._master

    def data_key(self, register: Register) -> DataKey:
        with self._lock:
            key = self._keys.get(register.id)
            if key is None:
                key = self._keys[register.id] = open_data_key(register, self.master)
            return key

    def forget(self) -> None:
        """Drop the cached data keys (after a rotation, so the next use re-opens them)."""
        with self._lock:
            self._keys.clear()


def incident_id(s: Session, slug: str) -> int:
    found = s.scalar(select(Incident.id).where(Incident.slug == slug))
    if found is None:
        raise NotFoundError("incident", slug)
    return found


# Built once: every look-up and self-check starts here (see service._FIND).
_BY_SLUG = (
    select(Register)
    .join(Incident, Incident.id == Register.incident_id)
    .where(Incident.slug == bindparam("slug"))
)


def find_register(s: Session, slug: str) -> Register | None:
    return s.scalar(_BY_SLUG, {"slug": slug})


def get_register(s: Session, slug: str) -> Register:
    """The incident's register; NotFoundError if the incident or its register does not exist."""
    register = find_register(s, slug)
    if register is None:
        incident_id(s, slug)
        raise NotFoundError("affected register", slug)
    return register


def ensure_register(s: Session, slug: str, keyring: Keyring) -> tuple[Register, DataKey]:
    """The incident's register with its data key, created (in the caller's transaction) if new."""
    register = find_register(s, slug)
    if register is not None:
        return register, keyring.data_key(register)
    master = keyring.master
    others = {
        r.key_id
        for r in s.scalars(select(Register))
        if master.id not in (r.key_id, r.pending_key_id)
    }
    if others:
        raise KeyUnavailableError(
            f"設定されているマスターキー {master.id} は、ほかの名簿が使っている鍵"
            f"（{'、'.join(sorted(others))}）と違います。何も書き込んでいません"
        )
    material = DataKey.generate()
    register = Register(
        incident_id=incident_id(s, slug), key_id=master.id, wrapped_key=b"", mapping={}
    )
    s.add(register)
    s.flush()
    register.wrapped_key = master.wrap(material, wrap_context(register.id))
    return register, DataKey(material)


@dataclass(frozen=True)
class Rotation:
    """What a rotation did: registers re-wrapped now, and those already under the new key."""

    rewrapped: int
    already: int
    new_key_id: str


def prepare_rotation(
    db: Database,
    old: MasterKey,
    new: MasterKey,
    *,
    after_each: Callable[[int], None] | None = None,
) -> int:
    """Phase 1: wrap every register's data key by `new` as well, one transaction per register.

    Registers already under `new` are skipped. Returns how many were prepared.
    """
    if old.id == new.id:
        raise KeyUnavailableError(
            "新しいマスターキーがいま使っている鍵と同じです。"
            "`breachdesk keys new --out FILE` で新しい鍵を作ってください"
        )
    with db.read() as s:
        ids = list(s.scalars(select(Register.id).order_by(Register.id)))
    prepared = 0
    for register_id in ids:
        with db.transaction() as s:
            # A row lock on PostgreSQL; SQLAlchemy writes no FOR UPDATE for SQLite, whose
            # write lock covers the whole database at the transaction's first write.
            register = s.get(Register, register_id, with_for_update=True)
            if register is None or register.key_id == new.id:
                continue
            material = old.unwrap(_current_wrap(register, old), wrap_context(register.id))
            register.pending_key_id = new.id
            register.pending_wrapped_key = new.wrap(material, wrap_context(register.id))
            register.updated_at = utcnow()
            prepared += 1
        if after_each is not None:
            after_each(register_id)
    return prepared


def _current_wrap(register: Register, old: MasterKey) -> bytes:
    if register.key_id == old.id:
        return register.wrapped_key
    if register.pending_key_id == old.id and register.pending_wrapped_key is not None:
        return register.pending_wrapped_key  # an earlier rotation to `old` was interrupted
    raise KeyUnavailableError(
        f"設定されているマスターキー {old.id} では名簿 {register.id} を開けません"
        f"（鍵 {register.key_id} で暗号化されています）。何も切り替えていません"
    )


def commit_rotation(db: Database, new: MasterKey) -> tuple[int, int]:
    """Phase 2, one transaction: pending wraps by `new` replace the old ones.

    Refuses (writing nothing) while any register is neither under `new` nor pending to it.
    Returns (switched, already under `new`).
    """
    with db.transaction() as s:
        registers = list(s.scalars(select(Register).order_by(Register.id)))
        behind = [r.id for r in registers if new.id not in (r.key_id, r.pending_key_id)]
        if behind:
            raise KeyUnavailableError(
                f"名簿 {'、'.join(map(str, behind))} はまだ新しい鍵 {new.id} で暗号化されていません。"
                "もう一度 `breachdesk keys rotate` を実行してください"
            )
        switched = 0
        for r in registers:
            if r.key_id == new.id:
                r.pending_key_id = None
                r.pending_wrapped_key = None
                continue
            assert r.pending_wrapped_key is not None
            r.key_id, r.wrapped_key = new.id, r.pending_wrapped_key
            r.pending_key_id, r.pending_wrapped_key = None, None
            r.updated_at = utcnow()
            switched += 1
        return switched, len(registers) - switched


def rotate(db: Database, old: MasterKey, new: MasterKey) -> Rotation:
    """Re-wrap every data key with `new`; afterwards `old` opens none of them."""
    prepare_rotation(db, old, new)
    switched, already = commit_rotation(db, new)
    return Rotation(switched, already, new.id)
