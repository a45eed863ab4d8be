"""`prepare_demo`: everything `breachdesk demo` does before it answers and serves, in order —
the documents, the desk up to now, the register under the demo's own key, and what a campaign
needs (approved templates, compensation codes, card companies' reissue reports)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from breachdesk.config import Settings
from breachdesk.demo import DEMO_NAME, DEMO_ORGANISATION, DEMO_SLUG, demo_files
from breachdesk.demo.desk import DeskUpdate, update_demo_desk
from breachdesk.demo.notify import NotifySeed, seed_demo_notify
from breachdesk.demo.register import RegisterSeed, key_path, seed_demo_register
from breachdesk.desk import Desk
from breachdesk.kb.contacts import JST
from breachdesk.kb.service import ImportResult


@dataclass(frozen=True)
class PreparedDemo:
    desk: Desk
    """A desk whose register opens with the demo's key."""
    imports: list[ImportResult]
    update: DeskUpdate
    register: RegisterSeed
    people: int
    """People on the register now."""
    notify: NotifySeed

    @property
    def key(self) -> Path:
        return self.register.key


def demo_settings(settings: Settings) -> Settings:
    """`settings` with the demo's own master key: the one beside its database, whatever key the
    environment names (the demo's register must not be split between two keys)."""
    return settings.model_copy(
        update={"master_key": None, "master_key_file": key_path(settings.db)}
    )


def prepare_demo(settings: Settings) -> PreparedDemo:
    """Import the demo documents, bring its desk up to now and its register in (once)."""
    desk = Desk(demo_settings(settings))
    imports = desk.import_documents(
        DEMO_SLUG, demo_files(), name=DEMO_NAME, organisation=DEMO_ORGANISATION
    )
    update = update_demo_desk(desk.db, DEMO_SLUG)
    key = desk.settings.master_key_file
    assert key is not None
    seeded = seed_demo_register(desk.register, DEMO_SLUG, key, desk.incident(DEMO_SLUG).facts)
    people = desk.register.stats(DEMO_SLUG).people
    today = datetime.now(JST).date()
    notify = seed_demo_notify(desk.notify, DEMO_SLUG, people, today=today)
    return PreparedDemo(desk, imports, update, seeded, people, notify)
