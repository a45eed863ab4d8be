"""`NotifyDesk`: the campaigns' part of `Desk` (``desk.notify``), called by both faces.

It passes the settings and the register's keyring to the notify functions, so a face only
parses, calls and formats.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from breachdesk.auth.service import Actor
from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.notify import plan as plans
from breachdesk.notify import preview, results, send, templates
from breachdesk.notify import status as statuses
from breachdesk.register.keys import Keyring


class NotifyDesk:
    def __init__(self, db: Database, settings: Settings, keyring: Keyring) -> None:
        self.db = db
        self.settings = settings
        self.keyring = keyring

    def draft_template(
        self, slug: str, channel: str, text: str, *, by: Actor | None, where: str = "template"
    ) -> templates.TemplateView:
        return templates.draft_template(
            self.db,
            slug,
            channel,
            text,
            by=by,
            public_base_url=self.settings.public_base_url,
            sms_max_chars=self.settings.sms_max_chars,
            where=where,
        )

    def approve_template(self, template_id: int, *, by: Actor | None) -> templates.TemplateView:
        return templates.approve_template(self.db, template_id, by=by)

    def list_templates(self, slug: str) -> list[templates.TemplateView]:
        return templates.list_templates(self.db, slug)

    def preview(
        self, template_id: int, *, person: int | None = None, by: Actor | None
    ) -> preview.Preview:
        return preview.preview_template(
            self.db,
            self.keyring,
            template_id,
            person_id=person,
            public_base_url=self.settings.public_base_url,
            by=by,
        )

    def plan(
        self,
        slug: str,
        *,
        chain: list[str],
        folder: Path,
        start: date,
        audience: str = "all",
        max_calls_per_day: int | None = None,
        by: Actor | None,
    ) -> plans.PlanView:
        return plans.plan_campaign(
            self.db,
            self.keyring,
            slug,
            chain=chain,
            templates=plans.read_template_dir(folder, chain),
            start=start,
            audience=audience,
            max_calls_per_day=max_calls_per_day,
            by=by,
            public_base_url=self.settings.public_base_url,
            sms_max_chars=self.settings.sms_max_chars,
            calls_per_message=self.settings.notify_calls_per_message,
        )

    def approve(self, campaign_id: int, *, by: Actor | None) -> plans.PlanView:
        return plans.approve_plan(self.db, campaign_id, by=by)

    def get_plan(self, campaign_id: int) -> plans.PlanView:
        return plans.get_plan(self.db, campaign_id)

    def send(
        self,
        campaign_id: int,
        *,
        through: date | None = None,
        letters_out: Path | None = None,
        letters_encoding: str = "utf-8",
        pace: int | None = None,
        by: Actor | None,
        transports: send.Transports | None = None,
    ) -> send.SendResult:
        return send.send_campaign(
            self.db,
            self.keyring,
            self.settings,
            campaign_id,
            through=through,
            letters_out=letters_out,
            letters_encoding=letters_encoding,
            pace=pace,
            transports=transports,
            by=by,
        )

    def import_results(
        self, campaign_id: int, path: Path, *, name: str | None = None, by: Actor | None
    ) -> results.ResultsImport:
        return results.import_results(self.db, self.keyring, campaign_id, path, name=name, by=by)

    def status(self, campaign_id: int) -> statuses.CampaignStatus:
        return statuses.campaign_status(self.db, campaign_id)

    def unreachable(
        self, campaign_id: int, *, by: Actor | None
    ) -> list[statuses.UnreachablePerson]:
        return statuses.unreachable_people(self.db, self.keyring, campaign_id, by=by)
