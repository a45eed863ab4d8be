"""Campaigns planned from the register through the console and the API, on SQLite and
PostgreSQL: templates drafted (refusals beside the field with line and column), approved by an
admin, previewed masked; a plan with a call cap shows its per-day forecast before approval;
sending runs in the background against a loopback SMTP server and SMS provider and the status
agrees with what arrived; the vendor's bounces move people down the chain; the letters' print
file is an admin's audited download; concurrent sends from two workers reach everyone once."""

from __future__ import annotations

import csv
import io
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from sqlalchemy import func, select

from breachdesk.auth import service as auth
from breachdesk.db import Database
from breachdesk.db.tables import AuditEvent, Campaign, NotifyTemplate
from breachdesk.desk import Desk
from breachdesk.kb.contacts import JST
from breachdesk.web.app import create_app

sys.path.insert(0, str(Path(__file__).parents[1] / "notify"))
from notify_support import (
    LETTER,
    MAIL,
    SMS,
    Inbox,
    Provider,
    Register,
    make_register,
    settings_for,
    sms_sink,
    smtp_sink,
)

SLUG = "shop"
BASE = f"/console/i/{SLUG}/campaigns"
API = f"/api/v1/incidents/{SLUG}/campaigns"
TEXTS = {"mail": MAIL, "sms": SMS, "letter": LETTER}
START = datetime.now(JST).date()


@pytest.fixture
def sinks() -> Iterator[tuple[Inbox, Provider]]:
    with smtp_sink() as inbox, sms_sink() as provider:
        yield inbox, provider


def make_desk(db: Database, folder: Path, inbox: Inbox, provider: Provider, count: int) -> Desk:
    reg = make_register(db, folder, count)
    settings = settings_for(
        "sqlite://",
        inbox,
        provider,
        reg.master,
        dense_model="none",
        cache_dir=folder / "cache",
        rate_limit_per_minute=0,
        notify_calls_per_message=0.2,  # a small register that still strains a small desk
    )
    desk = Desk(settings, db=db)
    desk.reg = reg  # type: ignore[attr-defined]
    for name, role in (("vic", "viewer"), ("ola", "operator"), ("eri", "editor"), ("ada", "admin")):
        auth.create_user(db, name, PASSWORD, role)
    return desk


@pytest.fixture
def desk(db: Database, tmp_path: Path, sinks: tuple[Inbox, Provider]) -> Desk:
    return make_desk(db, tmp_path, *sinks, count=40)


class Face:
    """A signed-in console user: posts carry the session's CSRF token."""

    def __init__(self, desk: Desk, user: str) -> None:
        self.client, self.csrf = signed_in(desk, user)

    def get(self, url: str) -> Any:
        return self.client.get(url)

    def post(self, url: str, data: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.post(
            url, data={"csrf_token": self.csrf, **(data or {})}, follow_redirects=True, **kw
        )


def tree(response: Any) -> HTMLParser:
    return HTMLParser(response.text)


def text_of(page: HTMLParser, css: str) -> str:
    node = page.css_first(css)
    assert node is not None, css
    return node.text(separator=" ", strip=True)


def flash(page: HTMLParser) -> tuple[str, str]:
    box = page.css_first("div.flash")
    assert box is not None, "no flash message"
    kind = next(c for c in str(box.attributes["class"]).split() if c.startswith("flash-"))
    return kind, box.text(strip=True)


def day_rows(page: HTMLParser) -> list[list[str]]:
    return [
        [td.text(strip=True) for td in row.css("td")] for row in page.css("table#days tbody tr")
    ]


def stat(page: HTMLParser, name: str) -> int:
    return int(text_of(page, f"#stat-{name}").replace(",", ""))


def approved_templates(editor: Face, admin: Face) -> None:
    """An editor drafts the three channels' texts on the console; an admin approves each."""
    for channel, text in TEXTS.items():
        page = tree(editor.post(f"{BASE}/templates", {"channel": channel, "text": text}))
        assert flash(page)[0] == "flash-ok"
    page = tree(admin.get(f"{BASE}/templates"))
    forms = [
        str(f.attributes["action"])
        for f in page.css("form")
        if str(f.attributes.get("action", "")).endswith("/approve")
    ]
    assert len(forms) == 3
    for action in forms:
        assert flash(tree(admin.post(action)))[0] == "flash-ok"


def test_an_admin_approves_templates_and_a_plan_with_a_cap_that_an_editor_sends(
    desk: Desk, sinks: tuple[Inbox, Provider]
) -> None:
    inbox, provider = sinks
    reg: Register = desk.reg  # type: ignore[attr-defined]
    editor, admin, viewer = Face(desk, "eri"), Face(desk, "ada"), Face(desk, "vic")
    approved_templates(editor, admin)
    page = tree(admin.get(f"{BASE}/templates"))
    assert len(page.css(".notify-version .badge-served")) == 3  # each channel's version in use

    # Plan with a cap: the forecast per day is shown before anyone approves.
    response = editor.post(
        f"{BASE}/plan",
        {"chain1": "mail", "chain2": "sms", "chain3": "letter", "start": START.isoformat()},
        # max_calls_per_day below
    )
    assert response.status_code == 200, tree(response).css_first(".form-error").text()
    first = tree(response)
    assert text_of(first, "#state") == "計画（承認待ち）"
    capped = tree(
        editor.post(
            f"{BASE}/plan",
            {
                "chain1": "mail",
                "chain2": "sms",
                "chain3": "letter",
                "start": START.isoformat(),
                "max_calls_per_day": "１",  # full-width, as typed on a Japanese keyboard
            },
        )
    )
    rows = day_rows(capped)
    assert len(rows) > len(day_rows(first)) >= 1  # the cap spreads the sends over more days
    assert all(float(r[4].replace(",", "")) <= 1 for r in rows)
    planned = sum(int(r[i].replace(",", "")) for r in rows for i in (1, 2, 3))
    unreachable = sum(1 for x in reg.people.values() if x.n % 10 == 2)
    assert planned == len(reg.people) - unreachable
    assert f"対象 {len(reg.people)} 人" in text_of(capped, "#days-title")
    assert f"連絡手段なし {unreachable} 人" in text_of(capped, "#days-title")
    assert capped.css_first("#send") is None and capped.css_first("#approve") is None

    # The uncapped plan goes out today: approve it (admin), send it (editor).
    with desk.db.read() as s:
        campaign = s.scalar(select(func.min(Campaign.id)))
    url = f"{BASE}/{campaign}"
    assert viewer.post(f"{url}/approve").status_code == 403
    assert editor.post(f"{url}/approve").status_code == 403
    assert flash(tree(admin.post(f"{url}/approve")))[0] == "flash-ok"
    assert viewer.post(f"{url}/send").status_code == 403
    page = tree(editor.post(f"{url}/send"))
    assert flash(page)[0] == "flash-ok"
    job = editor.client.app.state.send_jobs.latest(campaign)  # type: ignore[attr-defined]
    editor.client.app.state.send_jobs.wait(job)  # type: ignore[attr-defined]
    assert job.error is None, job.error
    page = tree(editor.get(url))
    assert text_of(page, "#state") == "送信完了"
    assert (
        stat(page, "sent-mail")
        == len(inbox.recipients())
        == sum(1 for x in reg.people.values() if x.mail)
    )
    assert stat(page, "sent-sms") == len(provider.numbers())
    assert stat(page, "pending") == 0 and stat(page, "unreachable") == unreachable
    assert page.css_first("#send") is None  # nothing left to send

    # Letters: an admin downloads the print file (audited); an editor may not.
    assert editor.get(f"{url}/letters.csv").status_code == 403
    letters = admin.get(f"{url}/letters.csv")
    assert letters.status_code == 200 and letters.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(letters.content.decode("utf-8-sig"))))
    assert len(rows) == stat(page, "sent-letter") > 0
    letter_people = {x.name: x for x in reg.people.values() if x.n % 10 in (1, 3)}
    for row in rows:  # each letter carries its own person's name, address and items
        person = letter_people[row["氏名"]]
        assert row["住所"] == person.address and row["本文"].startswith(person.name)
    with desk.db.read() as s:
        actions = Counter(s.scalars(select(AuditEvent.action)))
    assert actions["campaign.letters"] == 1 and actions["campaign.approve"] == 1
    assert actions["notify.template.approve"] == 3


def test_a_template_with_a_bad_placeholder_is_refused_beside_its_field(desk: Desk) -> None:
    editor = Face(desk, "eri")
    typed = "件名：お知らせ\n{name} 様\n確認は {url} から\n"
    response = editor.post(f"{BASE}/templates", {"channel": "mail", "text": typed})
    assert response.status_code == 422
    page = tree(response)
    error = text_of(page, "#text-mail-error")
    assert error.startswith("3 行目") and "5文字目" in error
    area = page.css_first("textarea#text-mail")
    assert area is not None and area.text() == typed  # what was typed is kept
    assert area.attributes["aria-invalid"] == "true"
    assert page.css_first("#text-sms-error") is None
    with desk.db.read() as s:
        assert s.scalar(select(func.count()).select_from(NotifyTemplate)) == 0


def test_an_sms_shows_its_worst_case_length_against_the_limit(desk: Desk) -> None:
    editor = Face(desk, "eri")
    editor.post(f"{BASE}/templates", {"channel": "sms", "text": "{name}様 {items}"})
    page = tree(editor.get(f"{BASE}/templates"))
    node = page.css_first("[id^=sms-length-]")
    assert node is not None
    shown = node.text(strip=True)
    length = desk.notify.sms_length(SLUG, "{name}様 {items}")
    assert shown == f"最長 {length} / {desk.settings.sms_max_chars} 文字"
    assert 20 < length < desk.settings.sms_max_chars  # a 20-character name and every item
    too_long = "あ" * (desk.settings.sms_max_chars + 1)
    response = editor.post(f"{BASE}/templates", {"channel": "sms", "text": too_long})
    assert response.status_code == 422
    assert "上限" in text_of(tree(response), "#text-sms-error")


def test_a_preview_shows_a_real_person_masked_and_is_audited(desk: Desk) -> None:
    reg: Register = desk.reg  # type: ignore[attr-defined]
    editor = Face(desk, "eri")
    view = desk.notify.draft_template(SLUG, "mail", MAIL, by=None)
    page = tree(editor.post(f"{BASE}/templates/{view.id}/preview"))
    shown = text_of(page, "#preview-text")
    first = reg.people[min(reg.people)]
    assert first.name not in shown and first.name[:1] in shown  # masked, not hidden
    assert f"{SLUG}/check" in shown
    assert first.name not in text_of(page, "#preview-subject")
    with desk.db.read() as s:
        assert (
            s.scalar(select(func.count()).where(AuditEvent.action == "notify.template.preview"))
            == 1
        )
    assert Face(desk, "vic").post(f"{BASE}/templates/{view.id}/preview").status_code == 403


def test_planning_refuses_a_chain_with_a_channel_without_an_approved_template(desk: Desk) -> None:
    editor = Face(desk, "eri")
    mail = desk.notify.draft_template(SLUG, "mail", MAIL, by=None)
    desk.notify.approve_template(mail.id, by=None)
    desk.notify.draft_template(SLUG, "sms", SMS, by=None)  # drafted, not approved
    response = editor.post(
        f"{BASE}/plan",
        {"chain1": "mail", "chain2": "sms", "start": START.isoformat(), "max_calls_per_day": "x"},
    )
    assert response.status_code == 422
    page = tree(response)
    assert "整数" in text_of(page, "#max_calls_per_day-error")
    response = editor.post(
        f"{BASE}/plan", {"chain1": "mail", "chain2": "sms", "start": START.isoformat()}
    )
    assert response.status_code == 422
    assert text_of(tree(response), "#chain-error").startswith("SMSの承認済みの文面がありません")
    response = editor.post(f"{BASE}/plan", {"chain1": "mail", "start": START.isoformat()})
    assert response.status_code == 200
    with desk.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Campaign)) == 1
    # A newer draft does not displace the approved version the plan uses.
    desk.notify.draft_template(SLUG, "mail", MAIL + "追記\n", by=None)
    plan = desk.notify.plan_approved(SLUG, chain=["mail"], start=START, by=None)
    assert plan.templates == {"mail": mail.id}


def test_planned_campaigns_are_listed_apart_from_recorded_ones(desk: Desk) -> None:
    editor = Face(desk, "eri")
    mail = desk.notify.draft_template(SLUG, "mail", MAIL, by=None)
    desk.notify.approve_template(mail.id, by=None)
    plan = desk.notify.plan_approved(SLUG, chain=["mail"], start=START, by=None)
    editor.post(BASE, {"channel": "letter", "sent_on": START.isoformat(), "audience": "7"})
    page = tree(editor.get(BASE))
    links = [a.attributes["href"] for a in page.css("table#plans a")]
    assert links == [f"{BASE}/{plan.campaign}"]
    recorded = page.css("table[aria-label=キャンペーン] tbody tr")
    assert len(recorded) == 1 and "郵送" in recorded[0].text()
    # A recorded campaign's page is its row in the list; another incident's is not found.
    recorded_page = editor.client.get(f"{BASE}/{plan.campaign + 1}", follow_redirects=False)
    assert recorded_page.status_code == 303
    assert recorded_page.headers["location"] == f"{BASE}#campaign-{plan.campaign + 1}"
    assert tree(editor.get(BASE)).css_first(f"tr#campaign-{plan.campaign + 1}") is not None
    assert editor.get(f"{BASE}/{plan.campaign + 99}").status_code == 404


def vendor_file(rows: list[tuple[str, str]]) -> bytes:
    return ("宛先,結果\r\n" + "".join(f"{r},{s}\r\n" for r, s in rows)).encode()


def test_vendor_bounces_of_a_planned_campaign_move_people_to_sms(
    desk: Desk, sinks: tuple[Inbox, Provider]
) -> None:
    inbox, provider = sinks
    reg: Register = desk.reg  # type: ignore[attr-defined]
    editor = Face(desk, "eri")
    for channel in ("mail", "sms"):
        view = desk.notify.draft_template(SLUG, channel, TEXTS[channel], by=None)
        desk.notify.approve_template(view.id, by=None)
    plan = desk.notify.plan_approved(SLUG, chain=["mail", "sms"], start=START, by=None)
    desk.notify.approve(plan.campaign, by=None)
    desk.notify.send(plan.campaign, by=None)
    bounced = sorted(inbox.recipients())[:3]
    response = editor.client.post(
        f"{BASE}/{plan.campaign}/results",
        data={"csrf_token": editor.csrf},
        files={"file": ("results.csv", vendor_file([(m, "不達") for m in bounced]), "text/csv")},
        follow_redirects=True,
    )
    page = tree(response)
    kind, said = flash(page)
    assert kind == "flash-ok" and "次のチャネルへ 3" in said, said
    assert stat(page, "bounced-mail") == 3 and stat(page, "pending") == 3
    assert not any(m in response.text for m in bounced)  # no recipient is shown
    page = tree(editor.post(f"{BASE}/{plan.campaign}/send"))
    job = editor.client.app.state.send_jobs.latest(plan.campaign)  # type: ignore[attr-defined]
    editor.client.app.state.send_jobs.wait(job)  # type: ignore[attr-defined]
    wanted = {reg.people[reg.by_mail(m)].phone.replace("-", "") for m in bounced}
    assert wanted <= set(provider.numbers())
    assert stat(tree(editor.get(f"{BASE}/{plan.campaign}")), "pending") == 0


def test_the_unreachable_list_is_masked_and_audited_for_operators(desk: Desk) -> None:
    reg: Register = desk.reg  # type: ignore[attr-defined]
    operator = Face(desk, "ola")
    mail = desk.notify.draft_template(SLUG, "mail", MAIL, by=None)
    desk.notify.approve_template(mail.id, by=None)
    plan = desk.notify.plan_approved(SLUG, chain=["mail"], start=START, by=None)
    response = operator.post(f"{BASE}/{plan.campaign}/unreachable")
    page = tree(response)
    rows = page.css("table#unreachable tbody tr")
    assert len(rows) == sum(1 for x in reg.people.values() if not x.mail)
    for x in reg.people.values():
        assert x.name not in response.text and (not x.phone or x.phone not in response.text)
    with desk.db.read() as s:
        assert s.scalar(select(func.count()).where(AuditEvent.action == "campaign.unreachable"))
    assert Face(desk, "vic").post(f"{BASE}/{plan.campaign}/unreachable").status_code == 403


def robot(desk: Desk, role: str) -> TestClient:
    token = auth.create_token(desk.db, f"{role}-bot", role)
    return TestClient(
        create_app(desk.settings, desk=desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_the_api_drafts_approves_plans_sends_and_reports_status(
    desk: Desk, sinks: tuple[Inbox, Provider]
) -> None:
    inbox, provider = sinks
    editor, admin, viewer = robot(desk, "editor"), robot(desk, "admin"), robot(desk, "viewer")
    bad = editor.post(f"{API}/templates", json={"channel": "sms", "text": "{nam}"})
    assert bad.status_code == 422 and "1文字目" in bad.json()["error"]
    ids = {}
    for channel, text in TEXTS.items():
        response = editor.post(f"{API}/templates", json={"channel": channel, "text": text})
        assert response.status_code == 201 and response.json()["status"] == "draft"
        ids[channel] = response.json()["id"]
    assert editor.post(f"{API}/templates/{ids['mail']}/approve").status_code == 403
    body = {"chain": ["mail", "sms", "letter"], "start": START.isoformat(), "max_calls_per_day": 2}
    refused = editor.post(f"{API}/plan", json=body)
    assert refused.status_code == 422 and "承認済みの文面がありません" in refused.json()["error"]
    for template_id in ids.values():
        assert admin.post(f"{API}/templates/{template_id}/approve").status_code == 200
    assert {t["status"] for t in viewer.get(f"{API}/templates").json()} == {"approved"}
    planned = editor.post(f"{API}/plan", json=body)
    assert planned.status_code == 201, planned.text
    plan = planned.json()
    assert plan["state"] == "planned" and plan["people"] == 40
    assert all(d["forecast_calls"] <= 2 for d in plan["days"])
    campaign = plan["campaign"]
    assert editor.post(f"{API}/{campaign}/send").status_code == 409  # not approved yet
    assert editor.post(f"{API}/{campaign}/approve").status_code == 403
    assert admin.post(f"{API}/{campaign}/approve").json()["state"] == "approved"
    assert admin.post(f"{API}/{campaign}/approve").status_code == 409
    assert viewer.post(f"{API}/{campaign}/send").status_code == 403
    started = editor.post(f"{API}/{campaign}/send")
    assert started.status_code == 202
    status_url = started.json()["status_url"]
    assert started.headers["location"] == status_url
    editor.app.state.send_jobs.wait(editor.app.state.send_jobs.latest(campaign))  # type: ignore[attr-defined]
    status = editor.get(status_url).json()
    assert status["running"] is False and status["error"] is None
    assert status["sent"]["mail"] == len(inbox.recipients())
    assert status["sent"]["sms"] == len(provider.numbers())
    later = sum(
        d["mail"] + d["sms"] + d["letter"] for d in plan["days"] if d["date"] > START.isoformat()
    )
    assert status["pending"] == later and status["people"] == 40  # later days wait their day
    assert set(status) >= {"people", "sent", "bounced", "pending", "unreachable"}
    assert viewer.get(f"{API}/{campaign}/unreachable").status_code == 403
    operator = robot(desk, "operator")
    people = operator.get(f"{API}/{campaign}/unreachable").json()
    assert len(people) == status["unreachable"] and all(p["masked"] for p in people)
    assert editor.get(f"/api/v1/incidents/other/campaigns/{campaign}/status").status_code == 404


def test_two_workers_sending_at_once_reach_everyone_once(
    db: Database, tmp_path: Path, sinks: tuple[Inbox, Provider]
) -> None:
    inbox, provider = sinks
    desk = make_desk(db, tmp_path, inbox, provider, count=120)
    for channel in ("mail", "sms"):
        view = desk.notify.draft_template(SLUG, channel, TEXTS[channel], by=None)
        desk.notify.approve_template(view.id, by=None)
    plan = desk.notify.plan_approved(SLUG, chain=["mail", "sms"], start=START, by=None)
    desk.notify.approve(plan.campaign, by=None)
    workers = [robot(desk, "editor") for _ in range(2)]  # two apps: two job registries
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def press(client: TestClient) -> None:
        barrier.wait()
        codes.append(client.post(f"{API}/{plan.campaign}/send").status_code)

    threads = [threading.Thread(target=press, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [202, 202]
    for w in workers:
        jobs = w.app.state.send_jobs  # type: ignore[attr-defined]
        jobs.wait(jobs.latest(plan.campaign))
        assert jobs.latest(plan.campaign).error is None
    mails = Counter(inbox.recipients())
    numbers = Counter(provider.numbers())
    assert mails and set(mails.values()) == {1}
    assert numbers and set(numbers.values()) == {1}
    status = workers[0].get(f"{API}/{plan.campaign}/status").json()
    assert status["sent"]["mail"] == len(mails) and status["sent"]["sms"] == len(numbers)


def test_a_second_press_while_a_send_runs_is_refused(desk: Desk) -> None:
    mail = desk.notify.draft_template(SLUG, "mail", MAIL, by=None)
    desk.notify.approve_template(mail.id, by=None)
    plan = desk.notify.plan_approved(SLUG, chain=["mail"], start=START, by=None)
    desk.notify.approve(plan.campaign, by=None)
    editor = robot(desk, "editor")
    jobs = editor.app.state.send_jobs  # type: ignore[attr-defined]
    release = threading.Event()

    def held() -> Any:
        release.wait(10)
        raise RuntimeError("stopped")

    jobs.start(plan.campaign, "someone", held)
    response = editor.post(f"{API}/{plan.campaign}/send")
    assert response.status_code == 409 and "送信中" in response.json()["error"]
    assert editor.get(f"{API}/{plan.campaign}/status").json()["running"] is True
    release.set()
    jobs.wait(jobs.latest(plan.campaign))
    status = editor.get(f"{API}/{plan.campaign}/status").json()
    assert status["running"] is False and "RuntimeError" in status["error"]
