"""Campaigns at scale: plan and send a register of generated people through local sinks.

For each engine (`--db sqlite,postgresql`):

- setup (timed, not a target): a register of `--people` made-up people imported from a CSV —
  82 % with mail, mobile and address; 10 % a mobile and an address but no mail; 7 % a landline
  and an address (letter only); 1 % nothing to reach them by. The loopback SMTP sink refuses
  (550) one mail address in 250, which moves that person to SMS; the SMS sink refuses (400) one
  number in 100 of the mobile-only people, which moves them to a letter;
- plan: `mail,sms,letter` for everyone, once without and once with `--max-calls-per-day`;
  wall time of each (target ≤ 60 s for 1,000,000) and the per-day sends of the capped plan;
- send (pacing off) of the capped plan through all its days, every channel at once as
  `campaign send` does: mail to an aiosmtpd server, SMS to a local HTTP provider (both in a
  separate process that counts per recipient), letters to a print file. `--send N` stops after
  N mail and SMS messages (the letters of the same batches go along). Printed: messages/s
  overall and per channel, the time spent inside the mail and SMS transports (client + sink:
  what a pace would limit) and the rest (breachdesk: claim, read and decrypt, render, letters,
  mark). First, the sinks' own ceiling with bare smtplib / urllib clients, and `--profile N`
  messages sent under cProfile with the cumulative time of each step;
- kill: a second incident of `--kill-people` people sent by `breachdesk campaign send` in a
  subprocess, `kill -9`ed when about a third has arrived, resumed by a second `campaign send
  --json`; the sinks' counts then say how many people were reached (must be everyone), lost
  (must be none) and reached twice (must be ≤ the in-flight count the resume reported).

    .venv/bin/python bench/notify.py --people 1000000 --send 100000 --db sqlite,postgresql
    .venv/bin/python bench/notify.py --people 10000000 --db postgresql --plan-only

`--plan-only` stops after the two plans (import and planning, each plan's time, CPU and peak
RSS): at ten million people sending is bounded by the sinks, not by the register.

SQLite files go to $BENCH_DIR (default /tmp) and are deleted unless --keep; the PostgreSQL
schema `bench_notify_<pid>` is dropped afterwards. Prints figures; asserts only the kill count.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    del sys.path[0]  # bench/http.py would shadow the standard library's http package

import argparse
import base64
import contextlib
import cProfile
import csv
import io
import json
import multiprocessing
import os
import pstats
import signal
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from multiprocessing.connection import Connection
from typing import Any

from pydantic import SecretStr
from sqlalchemy import func, select

from breachdesk.config import Settings
from breachdesk.db import Database, open_database
from breachdesk.db.tables import CampaignMessage, Incident
from breachdesk.kb.contacts import JST
from breachdesk.notify import plan as plans
from breachdesk.notify import send as sending
from breachdesk.notify.transport import HttpSmsSession, SmtpSession, TransportError
from breachdesk.register.crypto import MasterKey, new_master_key
from breachdesk.register.importer import import_register
from breachdesk.register.keys import Keyring

SLUG = "bench"
KILL_SLUG = "bench-kill"
PG_SCHEMA = f"bench_notify_{os.getpid()}"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CHAIN = ["mail", "sms", "letter"]
ITEMS = ("氏名・メールアドレス・電話番号", "氏名・住所・クレジットカード番号", "メールアドレス")
FAMILY = ("佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤")
GIVEN = ("翔太", "陽菜", "蓮", "結衣", "大翔", "葵", "湊", "凛", "悠真", "紬")
TEMPLATES = {
    "mail": "件名：【ベンチ商店】個人情報漏えいのお詫び（{name}様）\n{name} 様\n\n"
    "漏えいした項目：{items}\nご自身の状況の確認：{check_url}\n窓口：{desk}\n",
    "sms": "【ベンチ商店】{name}様 漏えい項目：{items} 確認：{check_url}",
    "letter": "{name} 様\n\nこのたびはご迷惑をおかけし…。漏えいした項目：{items}\n窓口：{desk}\n",
}


# --- who the generated people are -------------------------------------------------------------


def contact(n: int) -> tuple[str, str, str, str]:
    """Person n's mail, phone, postal code and address (see the module docstring)."""
    kind = n % 100
    mail = f"u{n:08d}@example.jp" if kind < 82 else ""
    if kind < 92:
        phone = f"090-{n // 10000 % 10000:04d}-{n % 10000:04d}"
    elif kind < 99:
        phone = f"03-{n // 10000 % 10000:04d}-{n % 10000:04d}"
    else:
        phone = ""
    postal = f"{100 + n % 900:03d}-{n % 10000:04d}"
    address = f"東京都千代田区千代田{n}番地" if kind < 99 else ""
    return mail, phone, postal, address


def mail_refused(n: int) -> bool:
    return n % 250 == 3


def sms_refused(n: int) -> bool:
    return n % 1000 == 85


def expected_channel(n: int) -> str | None:
    """The channel that reaches person n in the end (after the sinks' refusals)."""
    kind = n % 100
    if kind < 82:
        return "sms" if mail_refused(n) else "mail"
    if kind < 92:
        return "letter" if sms_refused(n) else "sms"
    return "letter" if kind < 99 else None


def write_register(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            ["顧客番号", "氏名", "メールアドレス", "電話番号", "郵便番号", "住所", "漏えい項目"]
        )
        for n in range(count):
            mail, phone, postal, address = contact(n)
            name = f"{FAMILY[n % 10]} {GIVEN[n // 10 % 10]}"
            writer.writerow([f"C{n:08d}", name, mail, phone, postal, address, ITEMS[n % 3]])


# --- the sinks, in their own process -----------------------------------------------------------


def _serve_sinks(conn: Connection) -> None:
    """An aiosmtpd server and an HTTP SMS provider on loopback, counting per person; answers
    "counts" and "reset" on `conn` until "stop"."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from aiosmtpd.controller import Controller

    lock = threading.Lock()
    mails: Counter[int] = Counter()
    texts: Counter[int] = Counter()

    class Inbox:
        async def handle_RCPT(
            self, server: Any, session: Any, envelope: Any, address: str, options: Any
        ) -> str:
            if mail_refused(int(address[1:9])):
                return "550 5.1.1 No such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            with lock:
                for rcpt in envelope.rcpt_tos:
                    mails[int(rcpt[1:9])] += 1
            return "250 OK"

    class Provider(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            message = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
            n = int(message["to"][3:])
            if sms_refused(n):
                self.send_response(400)
                self.end_headers()
                return
            with lock:
                texts[n] += 1
            self.send_response(202)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return

    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        smtp_port = int(probe.getsockname()[1])
    smtp = Controller(Inbox(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    http = ThreadingHTTPServer(("127.0.0.1", 0), Provider)
    http.daemon_threads = True
    threading.Thread(target=http.serve_forever, daemon=True).start()
    conn.send((smtp_port, f"http://127.0.0.1:{http.server_address[1]}/v1/messages"))
    while True:
        command = conn.recv()
        if command == "counts":
            with lock:
                conn.send((dict(mails), dict(texts)))
        elif command == "totals":
            with lock:
                conn.send((sum(mails.values()), sum(texts.values())))
        elif command == "reset":
            with lock:
                mails.clear()
                texts.clear()
            conn.send("ok")
        else:
            break
    http.shutdown()
    smtp.stop()


@dataclass
class Sinks:
    conn: Connection
    process: Any
    smtp_port: int
    sms_url: str

    def ask(self, command: str) -> Any:
        self.conn.send(command)
        return self.conn.recv()

    def stop(self) -> None:
        self.conn.send("stop")
        self.process.join(10)


def start_sinks() -> Sinks:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve_sinks, args=(theirs,), daemon=True)
    process.start()
    port, url = ours.recv()
    return Sinks(ours, process, port, url)


def letters_by_person(path: Path) -> Counter[int]:
    """Rows of the print file per person (the address holds n)."""
    if not path.exists():
        return Counter()
    rows = csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig")))
    return Counter(
        int(r["住所"].removeprefix("東京都千代田区千代田").removesuffix("番地")) for r in rows
    )


# --- the stores --------------------------------------------------------------------------------


def open_store(kind: str, folder: Path, postgres: str) -> tuple[Database, str, Path | None]:
    """The database, its URL for a subprocess, and the SQLite file."""
    if kind == "sqlite":
        path = folder / "bench-notify.db"
        for leftover in folder.glob("bench-notify.db*"):
            leftover.unlink()
        return open_database(str(path)), str(path), path
    import psycopg

    with psycopg.connect(postgres.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{PG_SCHEMA}"')
    url = f"{postgres}?options=-csearch_path%3D{PG_SCHEMA}"
    return open_database(postgres, schema=PG_SCHEMA), url, None


def drop_store(kind: str, path: Path | None, postgres: str) -> None:
    if path is not None:
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        return
    import psycopg

    with psycopg.connect(postgres.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{PG_SCHEMA}" CASCADE')


def settings_for(url: str, sinks: Sinks, master: MasterKey) -> Settings:
    return Settings(
        db=url,
        smtp_host="127.0.0.1",
        smtp_port=sinks.smtp_port,
        smtp_starttls=False,
        mail_from="notice@example.jp",
        sms_url=sinks.sms_url,
        master_key=SecretStr(base64.urlsafe_b64encode(master.material).decode()),
        notify_pace_per_minute=0,
    )


def first_weekday(today: date) -> date:
    import jpholiday

    day = today
    while day.weekday() >= 5 or jpholiday.is_holiday(day):
        day += timedelta(days=1)
    return day


def reset_peak_rss() -> None:
    """Start this process's peak RSS (VmHWM) afresh (Linux), so a step's own peak is seen."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _status_mb(field_name: str) -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def current_rss_mb() -> float:
    return _status_mb("VmRSS")


def peak_rss_mb() -> float:
    return _status_mb("VmHWM")


# --- sending, measured -------------------------------------------------------------------------


@dataclass
class Budget:
    """Mail and SMS messages this run may still hand over (None: no limit)."""

    left: int | None


@dataclass
class Timed:
    """A transport that counts its messages and the time spent inside it, and stops the send
    (as a transient failure would) when the shared budget is spent."""

    inner: Any
    channel: str
    budget: Budget
    sent: int = 0
    seconds: float = 0.0

    @property
    def configured(self) -> bool:
        return bool(self.inner.configured)

    def send(self, to: str, subject: str, text: str) -> None:
        if self.budget.left is not None:
            if self.budget.left <= 0:
                raise TransportError(self.channel, "bench budget")
            self.budget.left -= 1
        t0 = time.perf_counter()
        try:
            self.inner.send(to, subject, text)
        finally:
            self.seconds += time.perf_counter() - t0
        self.sent += 1

    def close(self) -> None:
        self.inner.close()


@dataclass
class Run:
    sent: dict[str, int]
    inside: dict[str, float]
    seconds: float
    cpu: float
    complete: bool


def count_state(db: Database, campaign_id: int) -> dict[str, int]:
    with db.read() as s:
        rows = s.execute(
            select(CampaignMessage.state, CampaignMessage.channel, func.count())
            .where(CampaignMessage.campaign_id == campaign_id)
            .group_by(CampaignMessage.state, CampaignMessage.channel)
        ).all()
    return {f"{state}:{channel}": int(n) for state, channel, n in rows}


def send_run(
    db: Database,
    keyring: Keyring,
    settings: Settings,
    campaign_id: int,
    through: date,
    limit: int | None,
    letters: Path,
    profile: cProfile.Profile | None = None,
) -> Run:
    """Send the campaign, every channel at once as `campaign send` does, pacing off; stop
    after `limit` mail and SMS messages (letters go along in the same batches)."""
    budget = Budget(limit)
    mail = Timed(SmtpSession(settings), "mail", budget)
    sms = Timed(HttpSmsSession(settings), "sms", budget)
    before = count_state(db, campaign_id)
    complete = True
    t0, c0 = time.perf_counter(), time.process_time()
    if profile is not None:
        profile.enable()
    try:
        sending.send_campaign(
            db,
            keyring,
            settings,
            campaign_id,
            through=through,
            letters_out=letters,
            pace=0,
            transports=sending.Transports(mail, sms),
        )
    except TransportError:
        complete = False
    finally:
        if profile is not None:
            profile.disable()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    after = count_state(db, campaign_id)
    sent = {c: after.get(f"sent:{c}", 0) - before.get(f"sent:{c}", 0) for c in CHANNELS}
    return Run(sent, {"mail": mail.seconds, "sms": sms.seconds}, seconds, cpu, complete)


def ceiling(sinks: Sinks, count: int) -> tuple[float, float]:
    """Messages/s the sinks take from the barest clients: smtplib sending one prebuilt message
    over one connection, urllib posting one prebuilt JSON body (no breachdesk, no database)."""
    import smtplib
    import urllib.request

    body = TEMPLATES["mail"].format(name="佐藤 翔太", items="氏名", check_url="-", desk="-")
    raw = f"Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}".encode()
    people = [n for n in range(count * 2) if not mail_refused(n) and not sms_refused(n)][:count]
    with smtplib.SMTP("127.0.0.1", sinks.smtp_port) as smtp:
        t0 = time.perf_counter()
        for n in people:
            smtp.sendmail("notice@example.jp", [f"u{n:08d}@example.jp"], raw)
        mail = count / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    for n in people:
        data = json.dumps({"to": f"090{n:08d}", "text": body}, ensure_ascii=False).encode()
        request = urllib.request.Request(
            sinks.sms_url, data=data, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=20):
            pass
    sms = count / (time.perf_counter() - t0)
    sinks.ask("reset")
    return mail, sms


# Where a mail's time goes: (label, file name, function name), cumulative time of each.
PROFILED = (
    ("whole send", "send.py", "send_campaign"),
    ("  claim + recover (one transaction a batch)", "send.py", "claim"),
    ("  read + decrypt the batch's records", "send.py", "_records"),
    ("  fill the template", "templates.py", "render"),
    ("  mail + SMS transports (build the message, talk to the sink)", "transport.py", "send"),
    ("    smtplib send_message (flatten + talk to the sink)", "smtplib.py", "send_message"),
    ("      flatten the message (email.generator)", "generator.py", "flatten"),
    ("      SMTP conversation (smtplib sendmail)", "smtplib.py", "sendmail"),
    ("    set headers (email.headerregistry)", "message.py", "__setitem__"),
    ("    set_content", "message.py", "set_content"),
    ("  mark sent (one transaction a batch)", "send.py", "mark_sent"),
    ("  commits", "session.py", "commit"),
)


def print_profile(profile: cProfile.Profile) -> None:
    """The cumulative time of the steps of a send (`PROFILED`), as shares of the whole."""
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    cumulative: dict[tuple[str, str], float] = {}
    for (filename, _, function), (_, _, _, ct, _) in stats.items():
        name = (Path(filename).name, function)
        cumulative[name] = cumulative.get(name, 0.0) + ct
    whole = cumulative.get(("send.py", "send_campaign"), 0.0) or 1.0
    for label, filename, function in PROFILED:
        ct = cumulative.get((filename, function), 0.0)
        print(f"    {label:58} {ct:7.2f} s {ct / whole:5.0%}")


# --- kill -9 and resume ------------------------------------------------------------------------


@dataclass
class KillResult:
    people: int
    expected: int
    arrived_at_kill: int
    reached: int
    lost: int
    wrong_channel: int
    twice: int
    resent: int
    pending: int
    resume_seconds: float
    details: dict[str, int] = field(default_factory=dict)


def kill_and_resume(
    db: Database,
    keyring: Keyring,
    url: str,
    sinks: Sinks,
    master: MasterKey,
    folder: Path,
    count: int,
    templates: Path,
    start: date,
) -> KillResult:
    csv_path = folder / "kill.csv"
    write_register(csv_path, count)
    with db.transaction() as s:
        s.add(Incident(slug=KILL_SLUG, name="bench kill", organisation="ベンチ商店"))
    import_register(db, keyring, KILL_SLUG, csv_path)
    view = plan_once(db, keyring, KILL_SLUG, templates, start, None)
    plans.approve_plan(db, view.campaign, by=None)
    sinks.ask("reset")
    letters = folder / "kill-letters.csv"
    letters.unlink(missing_ok=True)
    env = {
        **os.environ,
        "BREACHDESK_MASTER_KEY": base64.urlsafe_b64encode(master.material).decode(),
        "BREACHDESK_SMTP_HOST": "127.0.0.1",
        "BREACHDESK_SMTP_PORT": str(sinks.smtp_port),
        "BREACHDESK_SMTP_STARTTLS": "false",
        "BREACHDESK_MAIL_FROM": "notice@example.jp",
        "BREACHDESK_SMS_URL": sinks.sms_url,
        "BREACHDESK_NOTIFY_PACE_PER_MINUTE": "0",
    }
    command = [sys.executable, "-c", "from breachdesk.cli import main; main()", "--db", url]
    send = [
        *command,
        "campaign",
        "send",
        str(view.campaign),
        "--pace",
        "0",
        "--through",
        view.days[-1].day.isoformat(),
        "--letters-out",
        str(letters),
    ]
    expected = {n: c for n in range(count) if (c := expected_channel(n)) is not None}
    victim = subprocess.Popen(send, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and victim.poll() is None:
        if sum(sinks.ask("totals")) >= len(expected) // 3:
            break
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    arrived = sum(sinks.ask("totals")) + sum(letters_by_person(letters).values())
    t0 = time.perf_counter()
    resumed = subprocess.run(
        [*send, "--json"], env=env, capture_output=True, text=True, timeout=3600, check=True
    )
    resume_seconds = time.perf_counter() - t0
    result = json.loads(resumed.stdout)
    mails, texts = sinks.ask("counts")
    got = {"mail": Counter(mails), "sms": Counter(texts), "letter": letters_by_person(letters)}
    reached = lost = wrong = 0
    for n, channel in expected.items():
        if got[channel].get(n, 0) >= 1:
            reached += 1
        elif any(got[c].get(n, 0) for c in CHANNELS):
            wrong += 1
        else:
            lost += 1
    twice = sum(c - 1 for counts in got.values() for c in counts.values() if c > 1)
    strays = sum(1 for channel, counts in got.items() for n in counts if expected.get(n) != channel)
    return KillResult(
        count,
        len(expected),
        arrived,
        reached,
        lost,
        wrong,
        twice,
        int(result["resent"]),
        int(result["pending"]),
        resume_seconds,
        {"strays": strays, **{f"sent_{c}": len(v) for c, v in got.items()}},
    )


CHANNELS = ("mail", "sms", "letter")


# --- the run -----------------------------------------------------------------------------------


def plan_once(
    db: Database, keyring: Keyring, slug: str, folder: Path, start: date, cap: int | None
) -> plans.PlanView:
    return plans.plan_campaign(
        db,
        keyring,
        slug,
        chain=CHAIN,
        templates=plans.read_template_dir(folder, CHAIN),
        start=start,
        max_calls_per_day=cap,
        public_base_url="https://help.example.jp",
        sms_max_chars=670,
        calls_per_message=0.003,
    )


def run(kind: str, csv_path: Path, work: Path, args: argparse.Namespace, sinks: Sinks) -> None:
    folder = Path(os.environ.get("BENCH_DIR", "/tmp"))
    db, url, path = open_store(kind, folder, args.postgres)
    master = MasterKey.parse(new_master_key())
    keyring = Keyring(lambda: master)
    settings = settings_for(url, sinks, master)
    templates = work / "templates"
    start = first_weekday(datetime.now(JST).date())
    try:
        with db.transaction() as s:
            s.add(Incident(slug=SLUG, name="bench", organisation="ベンチ商店"))
        t0 = time.perf_counter()
        imported = import_register(db, keyring, SLUG, csv_path)
        print(
            f"{kind}: setup: imported {imported.rows:,} people in {time.perf_counter() - t0:.1f} s"
            f" (not a measured figure; peak RSS {peak_rss_mb():,.0f} MB)",
            flush=True,
        )
        timings = {}
        for label, cap in (
            ("no cap", None),
            (f"cap {args.max_calls_per_day}", args.max_calls_per_day),
        ):
            reset_peak_rss()
            rss_before = current_rss_mb()
            t0, cpu0 = time.perf_counter(), time.process_time()
            view = plan_once(db, keyring, SLUG, templates, start, cap)
            timings[label] = time.perf_counter() - t0
            print(
                f"{kind}: plan ({label}): bench process CPU {time.process_time() - cpu0:.1f} s,"
                f" RSS {rss_before:,.0f} MB before, peak {peak_rss_mb():,.0f} MB during",
                flush=True,
            )
            first = view.days[0]
            print(
                f"{kind}: plan ({label}): {view.people:,} people ({view.unreachable:,} unreachable)"
                f" in {timings[label]:.1f} s — {len(view.days)} day(s) "
                f"{view.days[0].day}…{view.days[-1].day}; first day mail {first.counts.get('mail', 0):,}"
                f" sms {first.counts.get('sms', 0):,} letter {first.counts.get('letter', 0):,}"
                f" forecast {first.forecast_calls:.0f} calls; peak forecast "
                f"{max(d.forecast_calls for d in view.days):.0f} (target ≤ 60 s for 1,000,000)",
                flush=True,
            )
        if args.plan_only:
            return
        plans.approve_plan(db, view.campaign, by=None)
        through = view.days[-1].day
        letters = work / f"letters-{kind}.csv"
        letters.unlink(missing_ok=True)
        sinks.ask("reset")
        mail_top, sms_top = ceiling(sinks, 3000)
        print(
            f"{kind}: the sinks alone (bare smtplib / urllib client, 3,000 each): mail"
            f" {mail_top:,.0f}/s, sms {sms_top:,.0f}/s",
            flush=True,
        )
        if args.profile:
            profile = cProfile.Profile()
            p = send_run(
                db, keyring, settings, view.campaign, through, args.profile, letters, profile
            )
            print(
                f"{kind}: profile of a send of {sum(p.sent.values()):,} messages"
                f" ({sum(p.sent.values()) / p.seconds:,.0f}/s under cProfile), cumulative:"
            )
            print_profile(profile)
        r = send_run(db, keyring, settings, view.campaign, through, args.send, letters)
        total = sum(r.sent.values())
        inside = sum(r.inside.values())
        print(
            f"{kind}: send {total:,} messages in {r.seconds:.1f} s = {total / r.seconds:,.0f}/s"
            f" (pacing off{'' if r.complete else ', stopped at --send'}); inside the mail and SMS"
            f" transports {inside / r.seconds:.0%} of the wall time, the rest breachdesk (claim,"
            f" read, decrypt, render, letters, mark); bench process CPU {r.cpu / r.seconds:.0%}",
            flush=True,
        )
        for channel in CHANNELS:
            spent = r.inside.get(channel)
            rate = f"{r.sent[channel] / spent:,.0f}/s while inside it" if spent else "(file)"
            print(
                f"{kind}:   {channel:6} {r.sent[channel]:>9,} = {r.sent[channel] / r.seconds:7,.0f}/s"
                f" of the run; transport {spent or 0:6.1f} s, {rate}"
            )
        mails, texts = sinks.ask("counts")
        rows = letters_by_person(letters)
        twice = sum(c - 1 for k in (mails, texts, rows) for c in k.values() if c > 1)
        wrong = sum(
            1
            for channel, k in (("mail", mails), ("sms", texts), ("letter", rows))
            for n in k
            if expected_channel(int(n)) != channel
        )
        print(
            f"{kind}: sinks got mail {sum(mails.values()):,}, sms {sum(texts.values()):,},"
            f" letters {sum(rows.values()):,}; twice {twice}, on an unexpected channel {wrong}"
        )
        states = count_state(db, view.campaign)
        print(f"{kind}: queue {dict(sorted(states.items()))}", flush=True)
        if args.kill_people:
            k = kill_and_resume(
                db, keyring, url, sinks, master, work, args.kill_people, templates, start
            )
            ok = k.lost == 0 and k.wrong_channel == 0 and k.twice <= k.resent and k.pending == 0
            print(
                f"{kind}: kill -9 after {k.arrived_at_kill:,} of {k.expected:,} reachable people"
                f" ({k.people:,} on the register); resume ({k.resume_seconds:.1f} s) reported"
                f" {k.resent} in flight; reached {k.reached:,}, lost {k.lost}, on another channel"
                f" {k.wrong_channel}, twice {k.twice} (≤ {k.resent}), pending {k.pending}"
                f" {k.details} → {'OK' if ok else 'FAILED'}",
                flush=True,
            )
            if not ok:
                raise SystemExit(f"{kind}: kill -9 and resume lost or doubled people")
    finally:
        db.dispose()
        if not args.keep:
            drop_store(kind, path, args.postgres)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument(
        "--send", type=int, default=None, help="mail and SMS messages to send at most (each)"
    )
    parser.add_argument("--max-calls-per-day", type=int, default=500)
    parser.add_argument("--profile", type=int, default=2000, help="mails sent under cProfile")
    parser.add_argument("--kill-people", type=int, default=20_000, help="0: no kill test")
    parser.add_argument(
        "--plan-only", action="store_true", help="import and plan; no send, no kill test"
    )
    parser.add_argument("--postgres", default=DEFAULT_PG)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    sinks = start_sinks()
    try:
        with tempfile.TemporaryDirectory(prefix="bench-notify-") as tmp:
            work = Path(tmp)
            csv_path = work / "affected.csv"
            t0 = time.perf_counter()
            write_register(csv_path, args.people)
            folder = work / "templates"
            folder.mkdir()
            for channel, text in TEMPLATES.items():
                (folder / f"{channel}.txt").write_text(text, encoding="utf-8")
            print(
                f"generated {args.people:,} people ({csv_path.stat().st_size / 1e6:,.0f} MB CSV)"
                f" in {time.perf_counter() - t0:.1f} s (not a measured figure)",
                flush=True,
            )
            for kind in args.db.split(","):
                run(kind.strip(), csv_path, work, args, sinks)
    finally:
        sinks.stop()


if __name__ == "__main__":
    main()
