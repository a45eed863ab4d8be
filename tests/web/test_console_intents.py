"""An entry's breach intents in the console and the API: shown with labels, confidence and who
set them; corrected by editors (not operators or viewers) as a draft version, refused when stale
or unknown, approved like a text edit, audited."""

from __future__ import annotations

from pathlib import Path

import pytest
from console_session import PASSWORD, signed_in
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.intents.taxonomy import intent_by_id, load_taxonomy
from breachdesk.kb import editing
from breachdesk.web.app import create_app

CHOSEN = ["reissue_fee", "compensation"]


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    settings = Settings(db=str(tmp_path / "i.db"), dense_model="none", cache_dir=tmp_path / "c")
    the_desk = Desk(settings)
    the_desk.import_documents(DEMO_SLUG, demo_files())  # classifies the entries' intents
    for name, role in (("eri", "editor"), ("ada", "admin"), ("ola", "operator"), ("vic", "viewer")):
        auth.create_user(the_desk.db, name, PASSWORD, role)
    return the_desk


def an_entry(desk: Desk) -> str:
    return next(e.id for e in desk.entries(DEMO_SLUG) if e.kind == "qa")


def page_of(client: TestClient, url: str) -> HTMLParser:
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    return HTMLParser(response.text)


def form_fields(page: HTMLParser) -> dict[str, list[str]]:
    """What the intents form posts as it is: checked boxes, hidden and text inputs."""
    out: dict[str, list[str]] = {}
    for node in page.css("form[action$='/intents'] input[name]"):
        kind = node.attributes.get("type")
        if kind == "checkbox" and "checked" not in node.attributes:
            continue
        out.setdefault(node.attributes["name"] or "", []).append(node.attributes.get("value") or "")
    return out


def label_of(page: HTMLParser, box: LexborNode) -> str:
    label = page.css_first(f"label[for='{box.attributes['id']}']")
    assert label is not None
    return label.text(strip=True)


def test_the_entry_page_shows_the_classified_intents_with_labels_and_confidence(
    desk: Desk,
) -> None:
    entry = an_entry(desk)
    served = next(e for e in desk.entries(DEMO_SLUG) if e.id == entry)
    assert served.intents and served.intents_by == "auto"
    viewer, _ = signed_in(desk, "vic")
    page = page_of(viewer, f"/console/i/{DEMO_SLUG}/entries/{entry}")
    items = [li.text(strip=True) for li in page.css("#intent-list li")]
    labels = intent_by_id()
    assert len(items) == len(served.intents)
    for item, stored in zip(items, served.intents, strict=True):
        assert item.startswith(labels[stored["intent"]].label)
        assert f"{100 * stored['p']:.0f}%" in item
    by = page.css_first("#intents-by")
    assert by is not None and "自動分類" in by.text()
    assert page.css("a[href$='/intents']") == []  # a viewer has no way to correct them


def test_the_form_lists_the_taxonomy_grouped_with_labels_and_the_current_ones_checked(
    desk: Desk,
) -> None:
    entry = an_entry(desk)
    served = next(e for e in desk.entries(DEMO_SLUG) if e.id == entry)
    editor, _ = signed_in(desk, "eri")
    page = page_of(editor, f"/console/i/{DEMO_SLUG}/entries/{entry}/intents")
    boxes = page.css("form fieldset input[type=checkbox][name=intents]")
    assert [b.attributes["value"] for b in boxes] == [i.id for i in load_taxonomy()]
    legends = [f.css_first("legend") for f in page.css("form fieldset")]
    categories = list(dict.fromkeys(i.category for i in load_taxonomy()))
    assert [leg.text(strip=True) if leg else None for leg in legends] == categories
    for box in boxes:  # every box has its own label and a description
        assert label_of(page, box) == intent_by_id()[box.attributes["value"] or ""].label
        assert page.css_first(f"#{box.attributes['aria-describedby']}") is not None
    checked = {b.attributes["value"] for b in boxes if "checked" in b.attributes}
    assert checked == {i["intent"] for i in served.intents or []}


def test_an_editor_corrects_the_intents_as_a_draft_and_approves_it(desk: Desk) -> None:
    entry = an_entry(desk)
    before = next(e for e in desk.entries(DEMO_SLUG) if e.id == entry)
    editor, csrf = signed_in(desk, "eri")
    url = f"/console/i/{DEMO_SLUG}/entries/{entry}"
    fields = form_fields(page_of(editor, f"{url}/intents"))
    saved = editor.post(
        f"{url}/intents",
        data={**fields, "intents": CHOSEN, "note": "再発行の費用", "csrf_token": csrf},
    )
    assert saved.status_code == 200 and "下書き" in saved.text
    assert next(e for e in desk.entries(DEMO_SLUG) if e.id == entry).intents == before.intents
    draft = editing.entry_detail(desk.db, DEMO_SLUG, entry).versions[-1]
    assert draft.status == "draft" and draft.answer == before.answer
    assert [m.intent for m in draft.intents or ()] == CHOSEN

    approved = editor.post(f"{url}/versions/{draft.version}/approve", data={"csrf_token": csrf})
    assert approved.status_code == 200
    page = HTMLParser(approved.text)
    labels = intent_by_id()
    items = [li.text().strip() for li in page.css("#intent-list li")]
    assert [i.split(" ")[0] for i in items] == [labels[i].label for i in CHOSEN]
    assert all("100%" in i for i in items)
    by = page.css_first("#intents-by")
    assert by is not None and "eri" in by.text()
    served = next(e for e in desk.entries(DEMO_SLUG) if e.id == entry)
    assert (served.intents_by, [i["intent"] for i in served.intents or []]) == ("eri", CHOSEN)
    rows, _ = auth.list_audit(desk.db, action="entry.intents")
    assert [(r.actor, r.target, r.detail["intents"]) for r in rows] == [("eri", entry, CHOSEN)]


def test_an_admin_may_correct_the_intents_too(desk: Desk) -> None:
    entry = an_entry(desk)
    admin, csrf = signed_in(desk, "ada")
    url = f"/console/i/{DEMO_SLUG}/entries/{entry}/intents"
    fields = form_fields(page_of(admin, url))
    saved = admin.post(url, data={**fields, "intents": ["desk_hours"], "csrf_token": csrf})
    assert saved.status_code == 200
    assert editing.entry_detail(desk.db, DEMO_SLUG, entry).versions[-1].intents_by == "ada"


@pytest.mark.parametrize("user", ["vic", "ola"])
def test_viewers_and_operators_may_not_correct_intents(desk: Desk, user: str) -> None:
    entry = an_entry(desk)
    client, csrf = signed_in(desk, user)
    url = f"/console/i/{DEMO_SLUG}/entries/{entry}/intents"
    assert client.get(url).status_code == 403
    refused = client.post(url, data={"intents": CHOSEN, "csrf_token": csrf})
    assert refused.status_code == 403
    assert all(
        v.intents_by != user for v in editing.entry_detail(desk.db, DEMO_SLUG, entry).versions
    )


def test_a_stale_correction_comes_back_with_the_choice_kept_and_who_changed_it(
    desk: Desk,
) -> None:
    entry = an_entry(desk)
    auth.create_user(desk.db, "bob", PASSWORD, "editor")
    eri, csrf_e = signed_in(desk, "eri")
    bob, csrf_b = signed_in(desk, "bob")
    url = f"/console/i/{DEMO_SLUG}/entries/{entry}/intents"
    form_e, form_b = form_fields(page_of(eri, url)), form_fields(page_of(bob, url))
    first = eri.post(url, data={**form_e, "intents": ["desk_hours"], "csrf_token": csrf_e})
    assert first.status_code == 200
    stale = bob.post(url, data={**form_b, "intents": CHOSEN, "csrf_token": csrf_b})
    assert stale.status_code == 409 and "eri" in stale.text
    page = HTMLParser(stale.text)
    again = form_fields(page)
    assert again["intents"] == sorted(CHOSEN, key=[i.id for i in load_taxonomy()].index)
    retry = bob.post(url, data={**again, "csrf_token": csrf_b})
    assert retry.status_code == 200
    assert editing.entry_detail(desk.db, DEMO_SLUG, entry).versions[-1].intents_by == "bob"


def test_an_unknown_intent_in_the_form_is_refused_with_422(desk: Desk) -> None:
    entry = an_entry(desk)
    editor, csrf = signed_in(desk, "eri")
    url = f"/console/i/{DEMO_SLUG}/entries/{entry}/intents"
    newest = editing.newest_version(desk.db, DEMO_SLUG, entry)
    refused = editor.post(url, data={"intents": ["nope"], "csrf_token": csrf})
    assert refused.status_code == 422
    alert = HTMLParser(refused.text).css_first("[role=alert]")
    assert alert is not None and "一覧にない意図" in alert.text()
    assert editing.newest_version(desk.db, DEMO_SLUG, entry) == newest


def test_the_api_reads_and_writes_intents_and_refuses_an_unknown_one(desk: Desk) -> None:
    entry = an_entry(desk)
    token = auth.create_token(desk.db, "robot", "editor")
    api = TestClient(
        create_app(desk.settings, desk=desk),
        base_url="https://testserver",
        headers={"Authorization": f"Bearer {token}"},
    )
    taxonomy = api.get("/api/v1/intents").json()
    assert [t["intent"] for t in taxonomy] == [i.id for i in load_taxonomy()]
    url = f"/api/v1/incidents/{DEMO_SLUG}/entries/{entry}"
    detail = api.get(url).json()
    first = detail["versions"][-1]
    assert first["intents_by"] == "auto"
    assert all({"intent", "label", "p"} <= set(i) for i in first["intents"])

    body = {"question": first["question"], "answer": first["answer"], "base_version": 1}
    unknown = api.post(f"{url}/versions", json={**body, "intents": ["reissue_fee", "nope"]})
    assert unknown.status_code == 422
    assert "unknown intent 'nope'" in unknown.json()["error"]
    created = api.post(f"{url}/versions", json={**body, "intents": CHOSEN})
    assert created.status_code == 201
    version = created.json()["version"]
    assert api.post(f"{url}/versions/{version}/approve").status_code == 200
    served = api.get(url).json()
    assert served["served_version"] == version
    latest = served["versions"][-1]
    assert latest["intents_by"] == "token:robot"  # a token acts as its name
    assert [(i["intent"], i["label"], i["p"]) for i in latest["intents"]] == [
        (i, intent_by_id()[i].label, 1.0) for i in CHOSEN
    ]
    # A text edit without `intents` keeps the editor's.
    reworded = api.post(
        f"{url}/versions", json={"question": "言い換え", "answer": "言い換えた回答"}
    )
    again = api.get(url).json()["versions"][-1]
    assert again["version"] == reworded.json()["version"]
    assert [i["intent"] for i in again["intents"]] == CHOSEN and again[
        "intents_by"
    ] == "token:robot"
