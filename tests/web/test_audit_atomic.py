"""Every audited action commits with its audit row or not at all, on both stores.

The walk goes over the app's own route list: every route that changes something (POST, PUT,
PATCH, DELETE) must be in `CASES` — a request that performs it — or be named below as not
audited (the public's questions and votes) or as the register's (tested in tests/register).
Each case runs twice from the same state: first with the audit writer failing (a full disk, a
dropped connection), when the request must fail and leave the database exactly as it was (the
change did not happen either); then normally, when the change must happen together with its
audit row. The audit row used to be written in a second transaction after the change had
committed, so a crash between the two left a change nobody had recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient
from pydantic import SecretStr
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk import labels
from breachdesk.answer.model import Answer
from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.db import Database
from breachdesk.desk import Desk
from breachdesk.inquiries import campaigns
from breachdesk.inquiries.callback_slots import open_slots
from breachdesk.inquiries.callbacks import CallbackInput
from breachdesk.inquiries.dates import today_jst
from breachdesk.kb import editing
from breachdesk.notify.jobs import SendFailedError
from breachdesk.notify.remediation import load_codes
from breachdesk.register.crypto import new_master_key
from breachdesk.register.importer import import_register
from breachdesk.register.sample import people as sample_people
from breachdesk.register.sample import write_csv
from breachdesk.review import service as review
from breachdesk.web.app import create_app
from breachdesk.web.deps import callback_desk
from breachdesk.web.security import route_permissions
from db_snapshot import snapshot

SLUG = "aozora"
FAQ = (
    "Q1. 漏えいした情報は何ですか？\nA1. 氏名と住所です。\n\n"
    "Q2. 補償はありますか？\nA2. 500円分のポイントを付与します。\n"
)
CALLS = "着信日時,結果,通話時間\n2026/11/2 9:{minute:02d},応答,120\n2026/11/2 10:05,話中,\n"
RESULTS = "宛先,配信結果\na@example.jp,配信済\nb@example.jp,不達\n"
LETTER = "{name} 様\n\nこのたびは申し訳ございません。漏えいした項目：{items}\n窓口：{desk}\n"
NOT_AUDITED = {
    # The public: a question, a vote, a choice among suggestions. Logged in their own tables.
    ("POST", "/api/v1/incidents/{slug}/ask"),
    ("POST", "/api/v1/questions/{question_id}/feedback"),
    ("POST", "/api/v1/questions/{question_id}/choice"),
    ("POST", "/i/{slug}"),
    ("POST", "/i/{slug}/choose"),
    ("POST", "/i/{slug}/feedback"),
}


def is_registers(path: str) -> bool:
    """The affected register's routes: their audit rows are the register's (tests/register)."""
    return "/register" in path or path.startswith("/i/{slug}/check")


@dataclass
class World:
    """The desk under test and what the cases act on."""

    desk: Desk
    tmp: Path
    admin: TestClient
    csrf: str
    api: TestClient
    entry: str
    names: Iterator[int] = field(default_factory=count)

    def unique(self, stem: str) -> str:
        return f"{stem}-{next(self.names)}"

    def draft(self) -> int:
        return editing.propose_version(
            self.desk.db, SLUG, self.entry, question="補償は？", answer="改訂案です。", actor="eri"
        )

    def question(self) -> int:
        asked = Answer(SLUG, "植木鉢が割れていた", False, None, None, None, None, None, None, 0.1)
        return review.record_question(self.desk.db, asked)

    def campaign(self) -> int:
        made = campaigns.add_campaign(self.desk.db, SLUG, channel="mail", sent_on=date.today())
        results = self.tmp / f"{self.unique('results')}.csv"
        results.write_text(RESULTS, encoding="utf-8")
        campaigns.import_delivery_results(self.desk.db, made.id, results)
        return made.id

    def calls(self) -> dict[str, Any]:
        """A call log never imported before (a file already imported is refused)."""
        return upload("calls.csv", CALLS.format(minute=next(self.names) % 60))

    def register(self) -> None:
        """The incident's register, made once: five made-up people, each with an address (a
        letter reaches them)."""
        if self.desk.register.exists(SLUG):
            return
        crowd = [
            replace(p, address=f"東京都千代田区千代田{n + 1}番")
            for n, p in enumerate(sample_people(5, seed=2))
        ]
        people = self.tmp / "register.csv"
        people.write_bytes(write_csv(crowd))
        import_register(self.desk.db, self.desk.register.keyring, SLUG, people)

    def codes(self, *, redeem: bool = False) -> dict[str, Any]:
        """A list of codes never loaded before (the register they are sealed for made once); to
        `redeem`, loaded now and reported redeemed."""
        self.register()
        n = next(self.names)
        text = "code\n" + "".join(f"QC{n:06d}{i:08d}\n" for i in range(3))
        if redeem:
            (self.tmp / "codes.csv").write_text(text, encoding="utf-8")
            load_codes(self.desk.db, self.desk.register.keyring, SLUG, self.tmp / "codes.csv")
        return upload("codes.csv", text)

    def letter_text(self) -> str:
        """A letter template no version has had yet (the same text again is not a new one)."""
        return f"{LETTER}（{next(self.names)}）\n"

    def template(self, *, approved: bool = False) -> int:
        """A new version of the letter template: a draft, or `approved` by an admin."""
        view = self.desk.notify.draft_template(SLUG, "letter", self.letter_text(), by=None)
        if approved:
            self.desk.notify.approve_template(view.id, by=None)
        return view.id

    def plan(self, *, approved: bool = False) -> int:
        """A campaign planned from the register by letter from today, `approved` or not."""
        self.register()
        self.template(approved=True)
        view = self.desk.notify.plan_approved(SLUG, chain=["letter"], start=today_jst(), by=None)
        if approved:
            self.desk.notify.approve(view.campaign, by=None)
        return view.campaign

    def letters(self) -> int:
        """An approved campaign sent whole, its letters in the print file the console offers
        (sent through 60 days on: whatever today is, every send day is in)."""
        campaign = self.plan(approved=True)
        out = self.desk.notify.letters_path(campaign)
        out.parent.mkdir(parents=True, exist_ok=True)
        self.desk.notify.send(
            campaign, through=today_jst() + timedelta(days=60), letters_out=out, by=None
        )
        return campaign

    def callback(self) -> int:
        """An open callback request, as the public form takes it (the register made first:
        the form's first request would make it in its own transaction)."""
        self.register()
        contacts = self.desk.incident(SLUG).contacts
        slot = open_slots(contacts, datetime.now(UTC))[0]
        request = CallbackInput(
            channel="phone", contact="090-2718-2818", slot=slot.value, question="補償は？"
        )
        return callback_desk(self.desk).request(
            SLUG, request, contacts=contacts, address=f"198.51.100.{next(self.names) % 250}"
        )

    def user(self) -> int:
        return auth.create_user(self.desk.db, self.unique("tom"), PASSWORD, "viewer").id

    def token(self) -> int:
        auth.create_token(self.desk.db, self.unique("bot"), "viewer")
        return auth.list_tokens(self.desk.db)[-1].id

    def form(self, **fields: Any) -> dict[str, Any]:
        return {"data": {"csrf_token": self.csrf, **fields}}


@dataclass(frozen=True)
class Sending:
    """A client whose request starts a campaign's send and waits for the background job.

    The send's first transaction (the campaign marked sending, `campaign.send` audited) runs
    in the job's thread, so a failing audit writer cannot fail the request itself; the job
    ends on the writer's RuntimeError (kept on the job by its type only, as `SendFailedError`)
    and this client raises it where the walk expects the writer's error."""

    client: TestClient
    campaign: int

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.client.request(method, url, **kwargs)
        jobs = self.client.app.state.send_jobs  # type: ignore[attr-defined]
        job = jobs.latest(self.campaign)
        assert job is not None, "the send was not started"
        jobs.wait(job)
        assert job.done, "the send did not finish"
        if isinstance(job.error, SendFailedError) and "RuntimeError" in str(job.error):
            raise RuntimeError(
                f"the audit row could not be written: the send job ended ({job.error})"
            )
        assert job.error is None, str(job.error)
        return response


def _sending(client: Callable[[World], TestClient], prefix: str) -> Case:
    def case(w: World) -> Call:
        campaign = w.plan(approved=True)
        body = w.form() if prefix == C else {}
        url = f"{prefix}/campaigns/{campaign}/send"
        return Call(Sending(client(w), campaign), "POST", url, body)

    return case


def _public_callback(w: World) -> Call:
    """The public form, as a person fills it in: its CSRF token and the first slot offered."""
    w.register()
    client = TestClient(create_app(w.desk.settings, desk=w.desk), base_url="https://testserver")
    page = HTMLParser(client.get(f"/i/{SLUG}/callback").text)
    token = page.css_first('input[name="csrf_token"]')
    slot = page.css_first('input[name="slot"]')
    assert token is not None and slot is not None, "the callback form is not offered"
    fields = {
        "channel": "phone",
        "contact": "090-1414-2135",
        "slot": slot.attributes["value"],
        "question": "補償の時期を知りたい",
        "csrf_token": token.attributes["value"],
    }
    return Call(client, "POST", f"/i/{SLUG}/callback", {"data": fields})


@dataclass(frozen=True)
class Call:
    """One request: who sends it (a client), where, and its body."""

    client: TestClient | Sending
    method: str
    url: str
    body: dict[str, Any]
    reads: bool = False  # an audited read (an export): nothing but the audit row is written
    status: int | None = None  # the answer expected when it is not a success


Case = Callable[[World], Call]
C = f"/console/i/{SLUG}"
A = f"/api/v1/incidents/{SLUG}"


def upload(name: str, text: str, field_name: str = "file") -> dict[str, Any]:
    return {"files": {field_name: (name, text.encode("utf-8"), "text/csv")}}


def _logout(w: World) -> Call:
    client, csrf = signed_in(w.desk, "ada")
    return Call(client, "POST", "/console/logout", {"data": {"csrf_token": csrf}})


def _login(w: World) -> Call:
    client = TestClient(create_app(w.desk.settings, desk=w.desk), base_url="https://testserver")
    page = client.get("/console/login")
    node = HTMLParser(page.text).css_first('input[name="csrf_token"]')
    assert node is not None
    fields = {"username": "eri", "password": PASSWORD, "csrf_token": node.attributes["value"]}
    return Call(client, "POST", "/console/login", {"data": fields})


def _failed_login(w: World) -> Call:
    call = _login(w)
    wrong = {"data": {**call.body["data"], "password": "wrong password"}}
    # A wrong password writes its audit row and counts the attempt, a limit's counter that
    # the snapshot leaves out (tests/db_snapshot.py): as far as it sees, an audited read.
    return Call(call.client, call.method, call.url, wrong, status=401, reads=True)


def _console(path: str, **fields: Any) -> Case:
    return lambda w: Call(w.admin, "POST", f"{C}{path}", w.form(**fields))


def _api(path: str, body: dict[str, Any] | None = None) -> Case:
    return lambda w: Call(w.api, "POST", f"{A}{path}", {"json": body} if body else {})


CASES: dict[tuple[str, str], Case] = {
    ("POST", "/console/login"): _login,
    ("POST", "/console/logout"): _logout,
    ("POST", "/console/incidents"): lambda w: Call(
        w.admin, "POST", "/console/incidents", w.form(slug=w.unique("new"), name="新しい事案")
    ),
    ("POST", "/console/i/{slug}/rename"): _console("/rename", name="青空書店（改）"),
    ("POST", "/console/i/{slug}/upload"): lambda w: Call(
        w.admin,
        "POST",
        f"{C}/upload",
        {
            "data": {"csrf_token": w.csrf},
            **upload(f"{w.unique('faq')}.txt", FAQ, "files"),
        },
    ),
    ("POST", "/console/i/{slug}/entries"): _console(
        "/entries", question="新しい質問", answer="回答"
    ),
    ("POST", "/console/i/{slug}/entries/{entry_id}/edit"): lambda w: Call(
        w.admin, "POST", f"{C}/entries/{w.entry}/edit", w.form(question="補償", answer="改訂。")
    ),
    ("POST", "/console/i/{slug}/entries/{entry_id}/intents"): lambda w: Call(
        w.admin, "POST", f"{C}/entries/{w.entry}/intents", w.form(intents=["compensation"])
    ),
    ("POST", "/console/i/{slug}/entries/{entry_id}/retire"): lambda w: Call(
        w.admin, "POST", f"{C}/entries/{w.entry}/retire", w.form()
    ),
    ("POST", "/console/i/{slug}/entries/{entry_id}/restore"): lambda w: (
        editing.set_retired(w.desk.db, SLUG, w.entry, True),
        Call(w.admin, "POST", f"{C}/entries/{w.entry}/restore", w.form()),
    )[1],
    ("POST", "/console/i/{slug}/entries/{entry_id}/versions/{version}/approve"): lambda w: Call(
        w.admin, "POST", f"{C}/entries/{w.entry}/versions/{w.draft()}/approve", w.form()
    ),
    ("POST", "/console/i/{slug}/entries/{entry_id}/versions/{version}/reject"): lambda w: Call(
        w.admin, "POST", f"{C}/entries/{w.entry}/versions/{w.draft()}/reject", w.form()
    ),
    ("POST", "/console/i/{slug}/review/{question_id}/attach"): lambda w: Call(
        w.admin, "POST", f"{C}/review/{w.question()}/attach", w.form(entry=w.entry)
    ),
    ("POST", "/console/i/{slug}/review/{question_id}/mark"): lambda w: Call(
        w.admin, "POST", f"{C}/review/{w.question()}/mark", w.form(review="dismissed")
    ),
    ("POST", "/console/i/{slug}/desk"): _console("/desk", outcome="answered", channel="phone"),
    ("POST", "/console/i/{slug}/calls"): lambda w: Call(
        w.admin, "POST", f"{C}/calls", {**w.form(), **w.calls()}
    ),
    ("POST", "/console/i/{slug}/campaigns"): _console(
        "/campaigns", channel="mail", sent_on=date.today().isoformat()
    ),
    ("POST", "/console/i/{slug}/campaigns/{campaign_id}/results"): lambda w: Call(
        w.admin,
        "POST",
        f"{C}/campaigns/{w.campaign()}/results",
        {**w.form(), **upload("again.csv", RESULTS.replace("配信済", "不達"))},
    ),
    ("POST", "/console/i/{slug}/campaigns/{campaign_id}/purge"): lambda w: Call(
        w.admin, "POST", f"{C}/campaigns/{w.campaign()}/purge", w.form(confirm="yes")
    ),
    ("GET", "/console/i/{slug}/campaigns/{campaign_id}/bounced.csv"): lambda w: Call(
        w.admin, "GET", f"{C}/campaigns/{w.campaign()}/bounced.csv", {}, reads=True
    ),
    ("POST", "/console/i/{slug}/remediation/codes"): lambda w: Call(
        w.admin, "POST", f"{C}/remediation/codes", {**w.form(), **w.codes()}
    ),
    ("POST", "/console/i/{slug}/remediation/redeemed"): lambda w: Call(
        w.admin, "POST", f"{C}/remediation/redeemed", {**w.form(), **w.codes(redeem=True)}
    ),
    ("POST", "/console/i/{slug}/remediation/reissue"): lambda w: _console(
        "/remediation/reissue",
        company=w.unique("さくらカード"),
        as_of=date.today().isoformat(),
        cards="10",
        reissued="4",
    )(w),
    ("POST", "/console/i/{slug}/campaigns/templates"): lambda w: _console(
        "/campaigns/templates", channel="letter", text=w.letter_text()
    )(w),
    ("POST", "/console/i/{slug}/campaigns/templates/{template_id}/approve"): lambda w: Call(
        w.admin, "POST", f"{C}/campaigns/templates/{w.template()}/approve", w.form()
    ),
    ("POST", "/console/i/{slug}/campaigns/templates/{template_id}/preview"): lambda w: (
        w.register(),
        Call(
            w.admin,
            "POST",
            f"{C}/campaigns/templates/{w.template()}/preview",
            w.form(),
            reads=True,
        ),
    )[1],
    ("POST", "/console/i/{slug}/campaigns/plan"): lambda w: (
        w.register(),
        w.template(approved=True),
        _console("/campaigns/plan", chain1="letter", start=today_jst().isoformat())(w),
    )[2],
    ("POST", "/console/i/{slug}/campaigns/{campaign_id}/approve"): lambda w: Call(
        w.admin, "POST", f"{C}/campaigns/{w.plan()}/approve", w.form()
    ),
    ("POST", "/console/i/{slug}/campaigns/{campaign_id}/send"): _sending(lambda w: w.admin, C),
    ("POST", "/console/i/{slug}/campaigns/{campaign_id}/unreachable"): lambda w: Call(
        w.admin, "POST", f"{C}/campaigns/{w.plan()}/unreachable", w.form(), reads=True
    ),
    ("GET", "/console/i/{slug}/campaigns/{campaign_id}/letters.csv"): lambda w: Call(
        w.admin, "GET", f"{C}/campaigns/{w.letters()}/letters.csv", {}, reads=True
    ),
    ("POST", "/i/{slug}/callback"): _public_callback,
    ("POST", "/console/i/{slug}/callbacks/{callback_id}/show"): lambda w: Call(
        w.admin, "POST", f"{C}/callbacks/{w.callback()}/show", w.form(), reads=True
    ),
    ("POST", "/console/i/{slug}/callbacks/{callback_id}/complete"): lambda w: Call(
        w.admin, "POST", f"{C}/callbacks/{w.callback()}/complete", w.form(outcome="answered")
    ),
    ("POST", "/console/users"): lambda w: Call(
        w.admin,
        "POST",
        "/console/users",
        w.form(username=w.unique("kim"), password=PASSWORD, role="viewer"),
    ),
    ("POST", "/console/users/{user_id}/role"): lambda w: Call(
        w.admin, "POST", f"/console/users/{w.user()}/role", w.form(role="editor")
    ),
    ("POST", "/console/users/{user_id}/active"): lambda w: Call(
        w.admin, "POST", f"/console/users/{w.user()}/active", w.form(active="false")
    ),
    ("POST", "/console/tokens"): lambda w: Call(
        w.admin, "POST", "/console/tokens", w.form(name="deploy", role="editor")
    ),
    ("POST", "/console/tokens/{token_id}/revoke"): lambda w: Call(
        w.admin, "POST", f"/console/tokens/{w.token()}/revoke", w.form()
    ),
    ("POST", "/api/v1/incidents"): lambda w: Call(
        w.api, "POST", "/api/v1/incidents", {"json": {"slug": w.unique("api"), "name": "事案"}}
    ),
    ("POST", "/api/v1/incidents/{slug}/documents"): lambda w: Call(
        w.api, "POST", f"{A}/documents", upload(f"{w.unique('faq')}.txt", FAQ, "files")
    ),
    ("POST", "/api/v1/incidents/{slug}/entries/{entry_id}/versions"): lambda w: Call(
        w.api,
        "POST",
        f"{A}/entries/{w.entry}/versions",
        {"json": {"question": "補償", "answer": "改訂。"}},
    ),
    ("POST", "/api/v1/incidents/{slug}/entries/{entry_id}/versions/{version}/approve"): lambda w: (
        Call(w.api, "POST", f"{A}/entries/{w.entry}/versions/{w.draft()}/approve", {})
    ),
    ("POST", "/api/v1/questions/{question_id}/attach"): lambda w: Call(
        w.api, "POST", f"/api/v1/questions/{w.question()}/attach", {"json": {"entry": w.entry}}
    ),
    ("POST", "/api/v1/questions/{question_id}/mark"): lambda w: Call(
        w.api, "POST", f"/api/v1/questions/{w.question()}/mark", {"json": {"review": "dismissed"}}
    ),
    ("POST", "/api/v1/incidents/{slug}/inquiries"): _api(
        "/inquiries", {"channel": "mail", "outcome": "answered"}
    ),
    ("POST", "/api/v1/incidents/{slug}/calls"): lambda w: Call(
        w.api, "POST", f"{A}/calls", w.calls()
    ),
    ("POST", "/api/v1/incidents/{slug}/campaigns"): _api(
        "/campaigns", {"channel": "sms", "sent_on": date.today().isoformat()}
    ),
    ("POST", "/api/v1/incidents/{slug}/campaigns/{campaign_id}/results"): lambda w: Call(
        w.api,
        "POST",
        f"{A}/campaigns/{w.campaign()}/results",
        upload("again.csv", RESULTS.replace("配信済", "不達")),
    ),
    ("POST", "/api/v1/incidents/{slug}/remediation/codes"): lambda w: Call(
        w.api, "POST", f"{A}/remediation/codes", w.codes()
    ),
    ("POST", "/api/v1/incidents/{slug}/remediation/redeemed"): lambda w: Call(
        w.api, "POST", f"{A}/remediation/redeemed", w.codes(redeem=True)
    ),
    ("POST", "/api/v1/incidents/{slug}/remediation/reissue"): lambda w: _api(
        "/remediation/reissue",
        {
            "company": w.unique("もみじカード"),
            "as_of": date.today().isoformat(),
            "cards": 9,
            "reissued": 3,
        },
    )(w),
    ("GET", "/api/v1/incidents/{slug}/campaigns/{campaign_id}/bounced"): lambda w: Call(
        w.api, "GET", f"{A}/campaigns/{w.campaign()}/bounced", {}, reads=True
    ),
    ("POST", "/api/v1/incidents/{slug}/campaigns/templates"): lambda w: _api(
        "/campaigns/templates", {"channel": "letter", "text": w.letter_text()}
    )(w),
    ("POST", "/api/v1/incidents/{slug}/campaigns/templates/{template_id}/approve"): lambda w: Call(
        w.api, "POST", f"{A}/campaigns/templates/{w.template()}/approve", {}
    ),
    ("POST", "/api/v1/incidents/{slug}/campaigns/templates/{template_id}/preview"): lambda w: (
        w.register(),
        Call(w.api, "POST", f"{A}/campaigns/templates/{w.template()}/preview", {}, reads=True),
    )[1],
    ("POST", "/api/v1/incidents/{slug}/campaigns/plan"): lambda w: (
        w.register(),
        w.template(approved=True),
        _api("/campaigns/plan", {"chain": ["letter"], "start": today_jst().isoformat()})(w),
    )[2],
    ("POST", "/api/v1/incidents/{slug}/campaigns/{campaign_id}/approve"): lambda w: Call(
        w.api, "POST", f"{A}/campaigns/{w.plan()}/approve", {}
    ),
    ("POST", "/api/v1/incidents/{slug}/campaigns/{campaign_id}/send"): _sending(lambda w: w.api, A),
    ("GET", "/api/v1/incidents/{slug}/campaigns/{campaign_id}/unreachable"): lambda w: Call(
        w.api, "GET", f"{A}/campaigns/{w.plan()}/unreachable", {}, reads=True
    ),
    ("GET", "/api/v1/incidents/{slug}/callbacks/{callback_id}"): lambda w: Call(
        w.api, "GET", f"{A}/callbacks/{w.callback()}", {}, reads=True
    ),
    ("POST", "/api/v1/incidents/{slug}/callbacks/{callback_id}/complete"): lambda w: _api(
        f"/callbacks/{w.callback()}/complete", {"outcome": "answered"}
    )(w),
}
EXTRA: dict[str, Case] = {
    "a failed login": _failed_login,
}
"""Actions a route takes on another branch than its case's."""


@pytest.fixture
def world(db: Database, tmp_path: Path) -> World:
    settings = Settings(
        db=str(tmp_path / "unused.db"),
        dense_model="none",
        cache_dir=tmp_path,
        master_key=SecretStr(new_master_key()),  # compensation codes are sealed with it
    )
    desk = Desk(settings, db=db)
    faq = tmp_path / "faq.txt"
    faq.write_text(FAQ, encoding="utf-8")
    desk.import_documents(SLUG, [faq], name="青空書店")
    for name, role in (("ada", "admin"), ("eri", "editor")):
        auth.create_user(desk.db, name, PASSWORD, role)
    admin, csrf = signed_in(desk, "ada")
    api = TestClient(
        create_app(settings, desk=desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {auth.create_token(desk.db, 'robot', 'admin')}"},
    )
    entry = next(e.id for e in desk.entries(SLUG) if "補償" in e.question)
    return World(desk, tmp_path, admin, csrf, api, entry)


def send(call: Call) -> int:
    response = call.client.request(call.method, call.url, follow_redirects=False, **call.body)
    return response.status_code


@pytest.fixture
def failing_audit(monkeypatch: pytest.MonkeyPatch) -> Callable[[bool], list[str]]:
    """Switch the audit writer to failing (True) or back; returns the actions it was asked for."""
    real = auth.record
    attempted: list[str] = []

    def failing(s: Any, actor: str, action: str, *args: Any, **kwargs: Any) -> None:
        attempted.append(action)
        raise RuntimeError("the audit row could not be written")

    def switch(on: bool) -> list[str]:
        monkeypatch.setattr(auth, "record", failing if on else real)
        return attempted

    return switch


def test_every_route_that_changes_something_is_walked(world: World) -> None:
    routes = route_permissions(world.admin.app)  # type: ignore[arg-type]
    changing = {
        (method, path)
        for method, path in routes
        if method in ("POST", "PUT", "PATCH", "DELETE") and not is_registers(path)
    }
    assert changing - NOT_AUDITED - set(CASES) == set()  # a new route needs a case here
    assert set(CASES) - set(routes) == set()  # and every case is still a route
    assert set(routes) >= NOT_AUDITED


def check_atomic(world: World, case: Case, failing: Callable[[bool], list[str]]) -> None:
    """Run a case with the audit writer failing (nothing may change), then working (the change
    and its audit row)."""
    call = case(world)
    before = snapshot(world.desk.db)
    failing(True)
    try:
        status = send(call)
    except RuntimeError as exc:
        assert "audit row" in str(exc)
    else:
        pytest.fail(f"{call.method} {call.url} answered {status} with no audit row written")
    failing(False)
    assert snapshot(world.desk.db) == before, f"{call.method} {call.url} changed without its row"
    status = send(call)
    assert status == call.status if call.status else status < 400, (call.url, status)
    after = snapshot(world.desk.db)
    new_rows = sorted(set(after["audit_log"]) - set(before["audit_log"]))
    assert new_rows, f"{call.method} {call.url} wrote no audit row"
    changed = [t for t in after if t != "audit_log" and after[t] != before[t]]
    assert call.reads or changed, f"{call.method} {call.url} changed nothing"


def test_every_change_commits_with_its_audit_row_or_not_at_all(
    world: World, failing_audit: Callable[[bool], list[str]]
) -> None:
    for case in [*CASES.values(), *EXTRA.values()]:
        check_atomic(world, case, failing_audit)
    attempted = failing_audit(False)
    assert len(attempted) == len(CASES) + len(EXTRA)  # each failed at its one audit write
    # Every action the walk recorded has its Japanese label, and so has each detail key.
    rows, _ = auth.list_audit(world.desk.db, limit=1000)
    assert {r.action for r in rows} >= set(attempted)
    for row in rows:
        assert labels.audit_action(row.action) != row.action, row.action
        for key in row.detail:
            assert key in labels.AUDIT_KEYS, (row.action, key)
    # The console's audit page shows them in Japanese: actions, detail keys and coded values.
    page = HTMLParser(world.admin.get("/console/audit", params={"page": 1}).text)
    shown = page.css('table[aria-label="操作ログ"] tbody tr')
    assert len(shown) == min(50, len(rows))
    stored_codes = {"True", "False", *labels.AUDIT_ACTIONS, *labels.AUDIT_KEYS}
    stored_codes |= {code for codes in labels.AUDIT_VALUES.values() for code in codes}
    for tr in shown:
        cells = tr.css("td")
        code = str(cells[2].attributes["data-action"])
        assert cells[2].text().strip() == labels.AUDIT_ACTIONS[code]
        keys = [k.text() for k in cells[4].css(".detail-key")]
        assert set(keys) <= set(labels.AUDIT_KEYS.values()), keys
        words = set(cells[4].text().replace("：", " ").replace("、", " ").split())
        assert not words & stored_codes, (code, cells[4].text())
