"""The register in the console: operators look up (reason, masked, reveal audited), viewers
see nothing, admins upload with progress and export (masked, naming who asked)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from console_session import signed_in
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from breachdesk.auth import service as auth
from breachdesk.desk import Desk
from breachdesk.register.sample import Person, people, write_csv

SLUG = "shop"
BASE = f"/console/i/{SLUG}/register"


def cells(html: str) -> dict[str, str]:
    tree = HTMLParser(html)
    return {
        str(td.attributes.get("data-field")): td.text(strip=True)
        for td in tree.css("td[data-field]")
    }


def test_an_operator_finds_a_caller_with_masked_values_and_a_reason(
    register_desk: Desk, crowd: list[Person]
) -> None:
    client, csrf = signed_in(register_desk, "ola")
    page = client.get(BASE)
    assert (
        page.status_code == 200 and HTMLParser(page.text).css_first("#people-count").text() == "60"
    )
    who = crowd[21]
    refused = client.post(
        f"{BASE}/lookup", data={"kind": "mail", "value": who.mail, "reason": "", "csrf_token": csrf}
    )
    assert refused.status_code == 422 and "理由" in refused.text
    found = client.post(
        f"{BASE}/lookup",
        data={"kind": "mail", "value": who.mail, "reason": "本人確認済み", "csrf_token": csrf},
    )
    shown = cells(found.text)
    assert shown["phone"] == f"090-****-{who.phone[-4:]}"
    assert who.mail not in found.text and who.name.replace(" ", "") not in found.text
    rows, _ = auth.list_audit(register_desk.db, action="register.lookup", actor="ola")
    assert len(rows) == 1 and rows[0].detail["reason"] == "本人確認済み"


def test_reveal_shows_one_value_and_adds_an_audit_row_filterable_by_person(
    register_desk: Desk, crowd: list[Person]
) -> None:
    client, csrf = signed_in(register_desk, "ola")
    who = crowd[2]
    [person] = register_desk.register.lookup(
        SLUG, "customer", who.customer, reason="setup", actor="setup"
    )
    page = client.post(
        f"{BASE}/reveal",
        data={"person": person.id, "field": "mail", "reason": "送付先の確認", "csrf_token": csrf},
    )
    assert cells(page.text)["mail"] == who.mail
    assert cells(page.text)["phone"].startswith("090-****")
    admin, _ = signed_in(register_desk, "ada")
    target = f"register/{SLUG}/{person.id}"
    log = admin.get("/console/audit", params={"target": target})
    actions = [td.attributes["data-action"] for td in HTMLParser(log.text).css("td[data-action]")]
    assert actions.count("register.reveal") == 1 and actions.count("register.lookup") == 1
    by_user = admin.get("/console/audit", params={"actor": "ola"})
    assert "register.reveal" in by_user.text


def test_a_viewer_sees_nothing_of_the_register(register_desk: Desk, crowd: list[Person]) -> None:
    client, csrf = signed_in(register_desk, "vic")
    assert client.get(BASE, follow_redirects=False).status_code == 403
    overview = client.get(f"/console/i/{SLUG}")
    assert "対象者名簿" not in overview.text
    looked = client.post(
        f"{BASE}/lookup",
        data={"kind": "mail", "value": crowd[0].mail, "reason": "x", "csrf_token": csrf},
    )
    assert looked.status_code == 403 and crowd[0].mail not in looked.text


def test_an_admin_uploads_a_list_and_follows_its_progress(register_desk: Desk) -> None:
    client, csrf = signed_in(register_desk, "ada")
    more = write_csv(list(people(30, seed=3, start=5000)))
    started = client.post(
        f"{BASE}/upload",
        data={"csrf_token": csrf, "mapping": ""},
        files={"file": ("more.csv", more, "text/csv")},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    job_url = started.headers["location"]
    job = register_desk.register.jobs.get(SLUG, job_url.rsplit("/", 1)[1])
    register_desk.register.jobs.wait(job)
    page = client.get(job_url)
    assert "追加 30" in HTMLParser(page.text).css_first("#result").text()
    assert register_desk.register.stats(SLUG).people == 90


def test_a_bad_upload_names_its_lines_and_imports_nothing(
    register_desk: Desk, tmp_path: Path
) -> None:
    client, csrf = signed_in(register_desk, "ada")
    bad = "顧客番号,メールアドレス\nX1,broken\nX2,ok@example.jp\nX3,also-broken\n".encode()
    started = client.post(
        f"{BASE}/upload",
        data={"csrf_token": csrf},
        files={"file": ("bad.csv", bad, "text/csv")},
        follow_redirects=False,
    )
    job = register_desk.register.jobs.get(SLUG, started.headers["location"].rsplit("/", 1)[1])
    register_desk.register.jobs.wait(job)
    page = HTMLParser(client.get(started.headers["location"]).text)
    assert [li.text() for li in page.css("#result li")] == [
        "2行目：メールアドレスの列（2列目）：メールアドレスの形ではありません",
        "4行目：メールアドレスの列（2列目）：メールアドレスの形ではありません",
    ]
    assert register_desk.register.stats(SLUG).people == 60


def test_the_export_is_admin_only_masked_and_names_who_asked(
    register_desk: Desk, crowd: list[Person]
) -> None:
    operator, ocsrf = signed_in(register_desk, "ola")
    form = {"requested_by": "カード会社", "reason": "照合"}
    assert operator.post(f"{BASE}/export", data={**form, "csrf_token": ocsrf}).status_code == 403
    admin, csrf = signed_in(register_desk, "ada")
    response = admin.post(f"{BASE}/export", data={**form, "csrf_token": csrf})
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert "ada　依頼者：カード会社" in rows[0][0] and len(rows) == 62
    assert not any(p.mail in response.text or p.phone in response.text for p in crowd)
    [row], _ = auth.list_audit(register_desk.db, action="register.export")
    assert (row.actor, row.detail["requested_by"]) == ("ada", "カード会社")


def test_a_reveal_without_a_reason_shows_nothing_of_the_person_and_is_refused(
    register_desk: Desk, crowd: list[Person]
) -> None:
    # The 422 page showed the person's masked record, with no audit row behind it.
    client, csrf = signed_in(register_desk, "ola")
    who = crowd[3]
    [person] = register_desk.register.lookup(
        SLUG, "customer", who.customer, reason="setup", actor="setup"
    )
    before = auth.list_audit(register_desk.db)[1]
    for reason in ("", "   "):
        page = client.post(
            f"{BASE}/reveal",
            data={"person": person.id, "field": "mail", "reason": reason, "csrf_token": csrf},
        )
        assert page.status_code == 422 and "理由" in page.text
        tree = HTMLParser(page.text)
        assert cells(page.text) == {} and tree.css_first("#found") is None
        for value in person.masked.values():
            assert value not in page.text
        assert who.mail not in page.text
    assert auth.list_audit(register_desk.db)[1] == before  # nothing shown, nothing recorded


def test_a_reveal_shows_the_person_as_read_in_its_own_audited_transaction(
    register_desk: Desk, crowd: list[Person]
) -> None:
    client, csrf = signed_in(register_desk, "ola")
    who = crowd[4]
    [person] = register_desk.register.lookup(
        SLUG, "customer", who.customer, reason="setup", actor="setup"
    )
    page = client.post(
        f"{BASE}/reveal",
        data={"person": person.id, "field": "phone", "reason": "折り返し", "csrf_token": csrf},
    )
    assert cells(page.text)["phone"] == who.phone
    rows, _ = auth.list_audit(register_desk.db, target=f"register/{SLUG}/{person.id}")
    assert [r.action for r in rows] == ["register.reveal", "register.lookup"]


ENGLISH_KEYS = ("customer", "card_brand", "card_last4", "payment", "period", "kana", "items")


def test_operators_read_japanese_names_of_columns_and_items_everywhere(
    register_desk: Desk,
) -> None:
    admin, csrf = signed_in(register_desk, "ada")
    tree = HTMLParser(admin.get(BASE).text)
    for where in (
        "#mapping-fields",
        "#item-vocabulary",
        "table[aria-label='漏えい項目ごとの人数']",
    ):
        node = tree.css_first(where)
        assert node is not None, where
        shown = node.text()
        assert "顧客番号" in shown or "氏名" in shown or "メールアドレス" in shown, where
        assert not any(key in shown for key in ENGLISH_KEYS), (where, shown)
    bad = "会員コード,メール,漏えい項目\nX1,a@example.jp,氏名・購入履歴\n".encode()
    started = admin.post(
        f"{BASE}/upload",
        data={"csrf_token": csrf, "mapping": "会員コード=顧客番号"},
        files={"file": ("bad.csv", bad, "text/csv")},
        follow_redirects=False,
    )
    job = register_desk.register.jobs.get(SLUG, started.headers["location"].rsplit("/", 1)[1])
    register_desk.register.jobs.wait(job)
    [problem] = [
        li.text()
        for li in HTMLParser(admin.get(started.headers["location"]).text).css("#result li")
    ]
    assert problem.startswith("2行目：漏えい項目の列（3列目）：2番目の項目")
    assert "購入履歴" not in problem and not any(key in problem for key in ENGLISH_KEYS)
    mapped = admin.post(
        f"{BASE}/upload",
        data={"csrf_token": csrf, "mapping": "会員コード=顧客番号", "items": "購入履歴=-"},
        files={"file": ("mapped.csv", bad, "text/csv")},
        follow_redirects=False,
    )
    job = register_desk.register.jobs.get(SLUG, mapped.headers["location"].rsplit("/", 1)[1])
    register_desk.register.jobs.wait(job)
    assert job.result is not None and job.result.added == 1
