"""`breachdesk campaign plan|approve|send|status|import-results|template`: the contract's JSON
shapes, and a real `kill -9` of a paced send in a subprocess, then a resume that loses no one
and sends at most the reported in-flight messages twice."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from notify_support import Register, letters_of, make_register, sms_sink, smtp_sink, write_templates
from typer.testing import CliRunner

from breachdesk.cli import app
from breachdesk.db import open_database
from breachdesk.kb.contacts import JST

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path) -> tuple[str, Register]:
    path = tmp_path / "desk.db"
    db = open_database(str(path))
    reg = make_register(db, tmp_path, count=300)
    db.dispose()
    return str(path), reg


def env_for(reg: Register, **more: str) -> dict[str, str]:
    return {
        "BREACHDESK_MASTER_KEY": base64.urlsafe_b64encode(reg.master.material).decode(),
        "BREACHDESK_SMTP_STARTTLS": "false",
        "BREACHDESK_NOTIFY_PACE_PER_MINUTE": "0",
        **more,
    }


def invoke(db: str, env: dict[str, str], *args: str) -> str:
    result = runner.invoke(app, ["--db", db, *args], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def plan_and_approve(db: str, env: dict[str, str], tmp_path: Path, *extra: str) -> dict:  # type: ignore[type-arg]
    folder = write_templates(tmp_path / "templates")
    from datetime import datetime

    today = datetime.now(JST).date().isoformat()
    out = invoke(
        db,
        env,
        "campaign",
        "plan",
        "--incident",
        "shop",
        "--chain",
        "mail,sms,letter",
        "--templates",
        str(folder),
        "--start",
        today,
        "--json",
        *extra,
    )
    plan: dict = json.loads(out)  # type: ignore[type-arg]
    invoke(db, env, "campaign", "approve", str(plan["campaign"]))
    return plan


def test_the_commands_print_the_contracts_json(
    cli_db: tuple[str, Register], tmp_path: Path
) -> None:
    db, reg = cli_db
    env = env_for(reg)
    plan = plan_and_approve(db, env, tmp_path, "--max-calls-per-day", "5")
    assert set(plan) == {"campaign", "people", "days"} and plan["people"] == 300
    assert all(set(d) == {"date", "mail", "sms", "letter", "forecast_calls"} for d in plan["days"])
    assert all(d["forecast_calls"] <= 5 for d in plan["days"])
    campaign = str(plan["campaign"])
    letters = tmp_path / "letters.csv"
    with smtp_sink({"p0004@example.jp"}) as inbox, sms_sink() as provider:
        env = env_for(
            reg,
            BREACHDESK_SMTP_HOST="127.0.0.1",
            BREACHDESK_SMTP_PORT=str(inbox.port),
            BREACHDESK_SMS_URL=provider.url,
        )
        last = plan["days"][-1]["date"]
        invoke(
            db, env, "campaign", "send", campaign, "--through", last, "--letters-out", str(letters)
        )
        bounce = tmp_path / "results.csv"
        bounce.write_text(
            "宛先,結果\np0005@example.jp,不達\np0006@example.jp,成功\n", encoding="utf-8"
        )
        out = invoke(db, env, "campaign", "import-results", campaign, str(bounce))
        assert out.startswith("1 delivered, 1 bounced")
        invoke(
            db, env, "campaign", "send", campaign, "--through", last, "--letters-out", str(letters)
        )
    status = json.loads(invoke(db, env, "campaign", "status", campaign, "--json"))
    assert set(status) == {"people", "sent", "bounced", "pending", "unreachable"}
    assert set(status["sent"]) == {"mail", "sms", "letter"} and set(status["bounced"]) == {
        "mail",
        "sms",
    }
    assert status["sent"] == {
        "mail": len(inbox.mails),
        "sms": len(provider.received),
        "letter": len(letters_of(letters)),
    }
    assert status["bounced"] == {"mail": 2, "sms": 0}
    assert status["people"] == 300 and status["pending"] == 0
    assert status["unreachable"] == 30


def test_a_bad_template_names_its_file_and_line_on_the_cli(
    cli_db: tuple[str, Register], tmp_path: Path
) -> None:
    db, reg = cli_db
    folder = write_templates(tmp_path / "t", letter="{name} 様\n{address}\n")
    result = runner.invoke(
        app,
        [
            "--db",
            db,
            "campaign",
            "plan",
            "--incident",
            "shop",
            "--chain",
            "letter",
            "--templates",
            str(folder),
            "--start",
            "2026-06-01",
        ],
        env=env_for(reg),
    )
    assert result.exit_code == 2
    assert "letter.txt:2" in result.output and "1文字目" in result.output


def test_template_commands_draft_approve_list_and_preview(
    cli_db: tuple[str, Register], tmp_path: Path
) -> None:
    db, reg = cli_db
    env = env_for(reg)
    text = tmp_path / "sms.txt"
    text.write_text("{name}様 {items}", encoding="utf-8")
    assert "第1版（draft）" in invoke(
        db,
        env,
        "campaign",
        "template",
        "draft",
        "--incident",
        "shop",
        "--channel",
        "sms",
        str(text),
    )
    listed = [
        json.loads(line)
        for line in invoke(
            db, env, "campaign", "template", "list", "--incident", "shop", "--json"
        ).splitlines()
    ]
    assert [(v["channel"], v["status"]) for v in listed] == [("sms", "draft")]
    invoke(db, env, "campaign", "template", "approve", str(listed[0]["id"]))
    shown = invoke(db, env, "campaign", "template", "preview", str(listed[0]["id"]))
    first = next(iter(reg.people.values()))
    assert first.name not in shown and first.name[0] + "***" in shown


def test_a_plan_without_a_folder_uses_the_approved_templates(
    cli_db: tuple[str, Register], tmp_path: Path
) -> None:
    db, reg = cli_db
    env = env_for(reg)
    plan = ["campaign", "plan", "--incident", "shop", "--chain", "sms", "--start", "2026-06-01"]
    refused = runner.invoke(app, ["--db", db, *plan, "--json"], env=env)
    assert refused.exit_code == 2 and "承認済みの文面" in refused.output
    text = tmp_path / "sms.txt"
    text.write_text("{name}様 {items}", encoding="utf-8")
    invoke(
        db,
        env,
        "campaign",
        "template",
        "draft",
        "--incident",
        "shop",
        "--channel",
        "sms",
        str(text),
    )
    template = json.loads(
        invoke(db, env, "campaign", "template", "list", "--incident", "shop", "--json")
    )
    refused = runner.invoke(app, ["--db", db, *plan, "--json"], env=env)
    assert refused.exit_code == 2  # a draft is not approved text
    invoke(db, env, "campaign", "template", "approve", str(template["id"]))
    planned = json.loads(invoke(db, env, *plan, "--json"))
    texts = {
        v["id"]
        for v in map(
            json.loads,
            invoke(
                db, env, "campaign", "template", "list", "--incident", "shop", "--json"
            ).splitlines(),
        )
    }
    assert texts == {template["id"]}  # planning drafted no new version
    from breachdesk.notify.channels import recipient

    mobiles = sum(1 for x in reg.people.values() if recipient("sms", {"phone": x.phone}))
    assert planned["people"] == len(reg.people)
    assert sum(d["sms"] for d in planned["days"]) == mobiles > 0


def test_a_killed_send_resumes_without_losing_anyone(
    cli_db: tuple[str, Register], tmp_path: Path
) -> None:
    db, reg = cli_db
    plan = plan_and_approve(db, env_for(reg), tmp_path)
    campaign = str(plan["campaign"])
    letters = tmp_path / "letters.csv"
    with smtp_sink() as inbox, sms_sink() as provider:
        env = {
            **os.environ,
            **env_for(
                reg,
                BREACHDESK_SMTP_HOST="127.0.0.1",
                BREACHDESK_SMTP_PORT=str(inbox.port),
                BREACHDESK_SMS_URL=provider.url,
            ),
        }
        command = [sys.executable, "-c", "from breachdesk.cli import main; main()", "--db", db]
        slow = subprocess.Popen(
            [
                *command,
                "campaign",
                "send",
                campaign,
                "--pace",
                "600",
                "--letters-out",
                str(letters),
            ],
            env=env,
        )
        deadline = time.monotonic() + 60
        while len(inbox.mails) < 20 and time.monotonic() < deadline:
            time.sleep(0.05)
        slow.send_signal(signal.SIGKILL)
        slow.wait()
        arrived_at_kill = len(inbox.mails)
        assert 20 <= arrived_at_kill < 180  # killed mid-send
        resumed = subprocess.run(
            [
                *command,
                "campaign",
                "send",
                campaign,
                "--pace",
                "0",
                "--json",
                "--letters-out",
                str(letters),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    result = json.loads(resumed.stdout)
    mails = Counter(inbox.recipients())
    texts = Counter(provider.numbers())
    rows = Counter(r["氏名"] for r in letters_of(letters))
    expected_mail = {x.mail for x in reg.people.values() if x.mail}
    assert set(mails) == expected_mail  # nobody lost
    assert len(texts) == sum(1 for x in reg.people.values() if not x.mail and x.n % 10 == 0)
    assert len(rows) == sum(1 for x in reg.people.values() if x.n % 10 in (1, 3))
    twice = sum(n - 1 for n in (mails + texts + rows).values())
    assert twice <= result["resent"] <= 50  # at most the reported in-flight batch, twice
    status = json.loads(invoke(db, env_for(reg), "campaign", "status", campaign, "--json"))
    assert status["pending"] == 0
