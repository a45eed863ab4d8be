"""`RegisterDesk`: the register's part of `Desk` (``desk.register``), called by both faces.

It holds the keyring (the master key is read on first use, so a desk without a register needs
no key) and passes the settings the register functions need.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.db.tables import Register, RegisterImport
from breachdesk.errors import KeyUnavailableError
from breachdesk.privacy.redact import redact
from breachdesk.register import keys, service
from breachdesk.register.crypto import MasterKey, load_master_key
from breachdesk.register.importer import ProgressCallback, RegisterImportResult, import_register
from breachdesk.register.jobs import ImportJob, ImportJobs
from breachdesk.register.keys import Keyring, Rotation
from breachdesk.register.mail import SmtpMailer
from breachdesk.register.outbox import Outbox
from breachdesk.register.selfcheck import SelfCheck, SelfView
from breachdesk.register.sms import HttpSms

log = logging.getLogger("breachdesk.register")


def _imported_register(s: Session, slug: str) -> Register | None:
    """The incident's register if a list was ever imported into it: its key may have been
    created for callbacks alone (`inquiries.callbacks`), which must not switch on the
    public self-check of an empty register."""
    register = keys.find_register(s, slug)
    if register is None:
        return None
    imported = s.scalar(
        select(RegisterImport.id).where(RegisterImport.register_id == register.id).limit(1)
    )
    return register if imported is not None else None


class RegisterDesk:
    """The affected-person register over one database."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        secret = settings.master_key.get_secret_value() if settings.master_key else None
        self.keyring = Keyring(lambda: load_master_key(secret, settings.master_key_file))
        self.jobs = ImportJobs()

    def import_file(
        self,
        slug: str,
        path: Path,
        *,
        mapping: Mapping[str, str] | None = None,
        items: Mapping[str, str] | None = None,
        actor: str = "cli",
        address: str | None = None,
        file_name: str | None = None,
        progress: ProgressCallback | None = None,
        data: bytes | None = None,
    ) -> RegisterImportResult:
        """Import an affected list (see `register.importer`), all or nothing."""
        return import_register(
            self.db,
            self.keyring,
            slug,
            path,
            mapping=mapping,
            items=items,
            actor=actor,
            address=address,
            file_name=file_name,
            progress=progress,
            data=data,
        )

    def start_import(
        self,
        slug: str,
        file_name: str,
        data: bytes,
        *,
        mapping: Mapping[str, str] | None = None,
        items: Mapping[str, str] | None = None,
        actor: str,
        address: str | None = None,
    ) -> ImportJob:
        """Import an uploaded list in the background; the job reports its progress."""
        _ = self.keyring.master  # a missing key fails now, in the request, not in the thread

        def run(progress: ProgressCallback) -> RegisterImportResult:
            return self.import_file(
                slug,
                Path(file_name),
                mapping=mapping,
                items=items,
                actor=actor,
                address=address,
                file_name=file_name,
                progress=progress,
                data=data,
            )

        return self.jobs.start(slug, redact(file_name), actor, run)

    def lookup(
        self,
        slug: str,
        kind: str,
        value: str,
        *,
        reason: str,
        actor: str,
        address: str | None = None,
    ) -> list[service.PersonView]:
        """People found by one identifier, masked, audited with the reason."""
        return service.lookup(
            self.db, self.keyring, slug, kind, value, reason=reason, actor=actor, address=address
        )

    def reveal(
        self,
        slug: str,
        person: int,
        field: str,
        *,
        reason: str,
        actor: str,
        address: str | None = None,
    ) -> service.Revealed:
        """One value in clear (and the person's masked view), audited."""
        return service.reveal(
            self.db,
            self.keyring,
            slug,
            person,
            field,
            reason=reason,
            actor=actor,
            address=address,
        )

    def exists(self, slug: str) -> bool:
        """Whether the incident has a register with a list imported into it (no key needed,
        nothing personal read). A register made only to seal callback requests is none."""
        with self.db.read() as s:
            return _imported_register(s, slug) is not None

    def available(self, slug: str) -> bool:
        """Whether the incident's register can be used now: it exists and the configured
        master key opens its data key (nothing personal is read). Why not is for the server's
        log: the public page says only that the self-check is not available."""
        with self.db.read() as s:
            register = _imported_register(s, slug)
            if register is None:
                return False
            try:
                self.keyring.data_key(register)
            except KeyUnavailableError as exc:
                log.warning("affected register of %s unavailable: %s", slug, exc)
                return False
        return True

    def stats(self, slug: str) -> service.RegisterStats:
        return service.stats(self.db, self.keyring, slug)

    def export(
        self,
        slug: str,
        *,
        actor: str,
        requested_by: str,
        reason: str,
        address: str | None = None,
    ) -> bytes:
        """The register as masked CSV, naming who asked (admins only, at the edges)."""
        return service.export(
            self.db,
            self.keyring,
            slug,
            actor=actor,
            requested_by=requested_by,
            reason=reason,
            address=address,
        )

    @cached_property
    def outbox(self) -> Outbox:
        """Mail over SMTP and SMS over HTTP when configured; sent in a background thread."""
        mailer, sms = SmtpMailer(self.settings), HttpSms(self.settings)
        return Outbox(
            {
                "mail": mailer.send if mailer.configured else None,
                "sms": sms.send if sms.configured else None,
            }
        )

    @cached_property
    def selfcheck(self) -> SelfCheck:
        return SelfCheck(
            self.db,
            self.keyring,
            limit=self.settings.register_check_limit,
            minutes=self.settings.register_link_minutes,
            base_url=self.settings.public_base_url,
        )

    def self_check(
        self, slug: str, *, kind: str, identifier: str, fact_kind: str, fact: str, address: str
    ) -> None:
        """A person asks whether they are listed; the answer is always the same, and only a
        listed person with a matching fact is sent a link or code (see `register.selfcheck`)."""
        message = self.selfcheck.check(
            slug, kind=kind, identifier=identifier, fact_kind=fact_kind, fact=fact, address=address
        )
        if message is not None:
            self.outbox.put(message)

    def open_link(self, slug: str, token: str, *, address: str) -> SelfView:
        return self.selfcheck.open_link(slug, token, address=address)

    def redeem_code(
        self, slug: str, *, kind: str, identifier: str, code: str, address: str
    ) -> SelfView:
        return self.selfcheck.redeem_code(
            slug, kind=kind, identifier=identifier, code=code, address=address
        )

    def rotate(self, new_key_file: Path) -> Rotation:
        """Re-wrap every data key with the master key in `new_key_file`."""
        rotation = keys.rotate(self.db, self.keyring.master, MasterKey.from_file(new_key_file))
        self.keyring.forget()
        return rotation
