"""Acceptance: the five published seed documents imported into a knowledge base.

The seeds belong to their publishers and are not copied here: every question and answer checked
below is read from the seed file at test time (`../shared/seeds`, or `$BREACHDESK_SEEDS`). The
few numbers (counts, desks, hours) are the facts listed in the seeds' README. Without the seeds
these checks skip, unless `BREACHDESK_REQUIRE_SEEDS=1`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from breachdesk.db import Database, open_database
from breachdesk.kb import service
from breachdesk.kb.service import EntryView

pytestmark = pytest.mark.seeds

SLUGS = ["cellcellar", "jrc", "kokocoupon", "moneysquare", "tottori"]
QA_COUNTS = {"tottori": 34, "moneysquare": 9, "cellcellar": 25}


@dataclass(frozen=True)
class Published:
    """A question as the seed file publishes it, and the first line of its answer."""

    question: str
    answer_start: str


def seed_lines(path: Path) -> list[str]:
    return seed_text(path).split("\n")


def seed_text(path: Path) -> str:
    return path.read_bytes().decode("utf-8").replace("\r\n", "\n")


def tottori_questions(path: Path) -> list[Published]:
    """The numbered rows of the `No / 問合せ / 回答` table."""
    rows = [line.split("\t") for line in seed_lines(path)]
    return [
        Published(cells[1], cells[2].strip())
        for cells in rows
        if len(cells) == 3 and cells[0].isdigit()
    ]


def moneysquare_questions(path: Path) -> list[Published]:
    """`- question` lines followed by a bare `-` line (the answer below it).

    One question is published in the short form `- question` / `- answer`, with the next
    question straight after: it is read as a `- ` line after answer text, followed by a `- `
    line, followed by a question of the long form.
    """
    lines = seed_lines(path)
    long_form = {
        i for i in range(len(lines) - 1) if lines[i].startswith("- ") and lines[i + 1] == "-"
    }
    short_form = {
        i
        for i in range(1, len(lines) - 2)
        if lines[i].startswith("- ")
        and not lines[i - 1].startswith(("-", "■"))
        and lines[i + 1].startswith("- ")
        and i + 2 in long_form
    }
    found = []
    for i in sorted(long_form | short_form):
        answer = lines[i + 2] if i in long_form else lines[i + 1].removeprefix("- ")
        found.append(Published(lines[i].removeprefix("- "), answer.strip()))
    return found


def cellcellar_questions(path: Path) -> list[Published]:
    """`・` lines that open a block (after a blank line); the contact block's `・` lines don't."""
    lines = seed_lines(path)
    found = []
    for i, line in enumerate(lines):
        if line.startswith("・") and i > 0 and not lines[i - 1].strip():
            answer = next(text for text in lines[i + 1 :] if text.strip())
            found.append(Published(line.removeprefix("・"), answer.strip()))
    return found


PUBLISHED = {
    "tottori": tottori_questions,
    "moneysquare": moneysquare_questions,
    "cellcellar": cellcellar_questions,
}


def import_seeds(db: Database, seeds: dict[str, Path]) -> None:
    for slug, path in seeds.items():
        service.import_documents(db, slug, [path])


@pytest.fixture(scope="module")
def kb(seeds: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A SQLite knowledge base holding all five seeds under their slugs."""
    db = open_database(str(tmp_path_factory.mktemp("seeds") / "seeds.db"))
    import_seeds(db, seeds)
    yield db
    db.dispose()


def entries_of(kb: Database, slug: str, kind: str | None = None) -> list[EntryView]:
    return [e for e in service.list_entries(kb, slug) if kind is None or e.kind == kind]


def desk(kb: Database, slug: str, phone: str) -> dict[str, Any]:
    """The incident's desk with this number; it must be the main (first) desk."""
    contacts = service.describe_incident(kb, slug).contacts
    assert contacts, f"{slug} has no desk"
    assert contacts[0]["phone"] == phone, [c["phone"] for c in contacts]
    return contacts[0]


def counts(entry: EntryView) -> set[int]:
    return {count["value"] for count in entry.facts.get("counts", [])}


# --- the five incidents -------------------------------------------------------------------


def test_all_five_seeds_import_under_their_slugs(kb: Database, seeds: dict[str, Path]) -> None:
    assert [i.slug for i in service.list_incidents(kb)] == sorted(seeds)
    assert sorted(seeds) == SLUGS
    for slug, path in seeds.items():
        view = service.describe_incident(kb, slug)
        assert (view.documents, view.kb_version) == (1, 1)
        assert view.entries == len(entries_of(kb, slug)) > 0
        assert {e.file_name for e in entries_of(kb, slug)} == {path.name}


def test_reimporting_every_seed_changes_nothing(kb: Database, seeds: dict[str, Path]) -> None:
    before = {slug: service.list_entries(kb, slug) for slug in seeds}
    for slug, path in seeds.items():
        (result,) = service.import_documents(kb, slug, [path])
        assert result.unchanged
        assert service.kb_version(kb, slug) == 1
        assert service.list_entries(kb, slug) == before[slug]


@pytest.mark.parametrize("slug", sorted(QA_COUNTS))
def test_faq_seed_has_its_number_of_question_entries(kb: Database, slug: str) -> None:
    assert len(entries_of(kb, slug, "qa")) == QA_COUNTS[slug]


@pytest.mark.parametrize("slug", sorted(QA_COUNTS))
def test_every_published_question_is_an_entry_with_its_answer_verbatim(
    kb: Database, seeds: dict[str, Path], slug: str
) -> None:
    text = seed_text(seeds[slug])
    published = PUBLISHED[slug](seeds[slug])
    assert len(published) == QA_COUNTS[slug]
    entries = {e.question: e for e in entries_of(kb, slug, "qa")}
    for item in published:
        assert item.question in entries, item.question
        entry = entries[item.question]
        assert entry.answer in text
        assert entry.answer.split("\n")[0].strip() == item.answer_start, item.question


@pytest.mark.parametrize("slug", SLUGS)
def test_every_entry_answer_is_a_verbatim_slice_of_its_lines(
    kb: Database, seeds: dict[str, Path], slug: str
) -> None:
    lines = seed_lines(seeds[slug])
    for entry in entries_of(kb, slug):
        span = "\n".join(lines[entry.line_start - 1 : entry.line_end])
        assert entry.answer in span, entry.question


def test_jrc_passage_carries_the_overall_and_own_card_counts(kb: Database) -> None:
    passages = [e for e in entries_of(kb, "jrc", "passage") if {460395, 5283} <= counts(e)]
    assert passages
    raw = [c["raw"] for c in passages[0].facts["counts"]]
    assert all(r in passages[0].answer for r in raw)


def test_kokocoupon_passage_carries_the_number_of_cards(kb: Database) -> None:
    passages = [e for e in entries_of(kb, "kokocoupon", "passage") if 63337 in counts(e)]
    assert passages
    assert any(c["unit"] == "枚" for c in passages[0].facts["counts"] if c["value"] == 63337)


def test_incident_facts_gather_the_counts_of_every_entry(kb: Database) -> None:
    facts = service.describe_incident(kb, "jrc").facts
    assert {460395, 5283} <= {c["value"] for c in facts["counts"]}


# --- desks --------------------------------------------------------------------------------


def test_cellcellar_desk_is_open_ten_to_six(kb: Database) -> None:
    contact = desk(kb, "cellcellar", "0120-112-344")
    assert (contact["open_time"], contact["close_time"]) == ("10:00:00", "18:00:00")
    assert contact["days"]["year_end_closed"] is True


def test_jrc_desk_is_open_nine_to_nine_including_weekends_and_holidays(kb: Database) -> None:
    contact = desk(kb, "jrc", "0120-816620")
    assert (contact["open_time"], contact["close_time"]) == ("09:00:00", "21:00:00")
    assert contact["days"]["weekends_open"] and contact["days"]["holidays_open"]


def test_moneysquare_desk_is_open_nine_to_five_on_weekdays(kb: Database) -> None:
    contact = desk(kb, "moneysquare", "0120-455-512")
    assert (contact["open_time"], contact["close_time"]) == ("09:00:00", "17:00:00")
    days = contact["days"]
    assert not (days["saturday_open"] or days["sunday_open"] or days["holidays_open"])


def test_tottori_desk_is_the_furusato_nozei_number(kb: Database) -> None:
    contact = desk(kb, "tottori", "0120-567-210")
    assert contact["label"]


def test_every_desk_number_is_published_in_its_seed(kb: Database, seeds: dict[str, Path]) -> None:
    for slug, path in seeds.items():
        digits = re.sub(r"\D", "", seed_text(path))
        for contact in service.describe_incident(kb, slug).contacts:
            assert re.sub(r"\D", "", contact["phone"]) in digits


# --- PostgreSQL -----------------------------------------------------------------------------


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_all_five_seeds_import_into_postgresql_as_into_sqlite(
    db: Database, kb: Database, seeds: dict[str, Path]
) -> None:
    import_seeds(db, seeds)
    assert service.list_incidents(db) == service.list_incidents(kb)
    for slug in seeds:
        assert service.list_entries(db, slug) == service.list_entries(kb, slug)
