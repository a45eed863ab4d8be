"""`NotifyDesk`: the campaigns' part of `Desk` (``desk.notify``), called by both faces.

It passes the settings and the register's keyring to the notify functions, so a face only
parses, calls and formats.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from breachdesk.auth.service import Actor, audited
from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.errors import InvalidInputError, NotFoundError
from breachdesk.kb.service import get_incident
from breachdesk.notify import plan as plans
from breachdesk.notify import preview, results, send, templates
from breachdesk.notify import status as statuses
from breachdesk.register.items import ITEM_LABELS
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
        agents: int | None = None,
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
            agents=agents,
            by=by,
            public_base_url=self.settings.public_base_url,
            sms_max_chars=self.settings.sms_max_chars,
            calls_per_message=self.settings.notify_calls_per_message,
        )

    def plan_approved(
        self,
        slug: str,
        *,
        chain: list[str],
        start: date,
        audience: str = "all",
        max_calls_per_day: int | None = None,
        agents: int | None = None,
        by: Actor | None,
    ) -> plans.PlanView:
        """Plan with the latest approved version of each channel's template (the console and
        the API plan this way; refused when a channel of the chain has none approved)."""
        chain = plans.check_chain(chain)
        approved = self.approved_templates(slug)
        missing = [templates.CHANNEL_LABELS[c] for c in chain if c not in approved]
        if missing:
            raise InvalidInputError(
                f"{'・'.join(missing)}の承認済みの文面がありません"
                "（文面を作成し、管理者が承認してから計画してください）",
                where="templates",
            )
        return plans.plan_campaign(
            self.db,
            self.keyring,
            slug,
            chain=chain,
            templates={c: approved[c].id for c in chain},
            start=start,
            audience=audience,
            max_calls_per_day=max_calls_per_day,
            agents=agents,
            by=by,
            public_base_url=self.settings.public_base_url,
            sms_max_chars=self.settings.sms_max_chars,
            calls_per_message=self.settings.notify_calls_per_message,
        )

    def approved_templates(self, slug: str) -> dict[str, templates.TemplateView]:
        """The latest approved version of each channel's template."""
        return {t.channel: t for t in self.list_templates(slug) if t.status == "approved"}

    def template_of(self, slug: str, template_id: int) -> templates.TemplateView:
        """A template version of the incident (NotFoundError for another incident's)."""
        found = next((t for t in self.list_templates(slug) if t.id == template_id), None)
        if found is None:
            raise NotFoundError("template", str(template_id))
        return found

    def sms_length(self, slug: str, text: str) -> int:
        """An SMS template's worst-case length (every item, a long name, the longest code),
        as drafting checks it against `sms_max_chars`."""
        parsed = templates.parse_template(text, "sms", where="sms")
        with self.db.read() as s:
            incident = get_incident(s, slug)
            shared = templates.incident_values(s, incident, self.settings.public_base_url)
            code_chars = templates.longest_code(s, incident.id)
        worst = templates.person_values(
            shared, templates.WORST_NAME, list(ITEM_LABELS), "x" * code_chars
        )
        return len(templates.render(parsed.body, worst).strip())

    def list_plans(self, slug: str) -> list[plans.PlanView]:
        return plans.list_plans(self.db, slug)

    def plan_of(self, slug: str, campaign_id: int) -> plans.PlanView:
        """A planned campaign of the incident (NotFoundError for another incident's)."""
        view = plans.get_plan(self.db, campaign_id)
        if view.incident != slug:
            raise NotFoundError("planned campaign", str(campaign_id))
        return view

    def letters_path(self, campaign_id: int) -> Path:
        """Where a send from the console or the API writes the campaign's letters (the print
        file for the mailing house: names and addresses, so only admins download it)."""
        return self.settings.cache_dir / "letters" / f"campaign-{campaign_id}.csv"

    def letters(self, slug: str, campaign_id: int, *, by: Actor | None) -> bytes:
        """The campaign's print file as written so far; reading it is audited."""
        path = self.letters_path(campaign_id)
        if not path.is_file():
            raise NotFoundError("letters", str(campaign_id))
        data = path.read_bytes()
        with self.db.transaction() as s:
            audited(s, by, "campaign.letters", f"{slug}/{campaign_id}", {"bytes": len(data)})
        return data

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
