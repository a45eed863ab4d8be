"""Acceptance: the five published seed documents import into the expected entries.

The seeds belong to their publishers and are read from `$BREACHDESK_SEEDS` or
`<repo>/../shared/seeds`; every expected text below is taken from the seed file itself.
Without the seeds these checks skip, unless `BREACHDESK_REQUIRE_SEEDS=1`.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from breachdesk.kb.importers import parse_document
from breachdesk.kb.parsed import ParsedDocument, ParsedEntry

pytestmark = pytest.mark.seeds

SEED_FILES = {
    "tottori": "000_",
    "moneysquare": "001_",
    "cellcellar": "002_",
    "kokocoupon": "003_",
    "jrc": "004_",
}
FORMATS = {
    "tottori": "table",
    "moneysquare": "dashlist",
    "cellcellar": "bullet",
    "kokocoupon": "notice",
    "jrc": "notice",
}
ENTRY_COUNTS = {
    "tottori": {"qa": 34, "note": 1},
    "moneysquare": {"qa": 9, "contact": 2},
    "cellcellar": {"qa": 25, "contact": 1, "note": 2},
    "kokocoupon": {"passage": 25},
    "jrc": {"passage": 14, "note": 3},
}


def seeds_dir() -> Path:
    configured = os.environ.get("BREACHDESK_SEEDS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


def seed_path(slug: str) -> Path:
    directory = seeds_dir()
    found = sorted(directory.glob(f"{SEED_FILES[slug]}*.txt")) if directory.is_dir() else []
    if not found:
        reason = f"seed {slug!r} not found in {directory} (set BREACHDESK_SEEDS)"
        if os.environ.get("BREACHDESK_REQUIRE_SEEDS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return found[0]


class Seed:
    """A seed document: its source text and what the importer made of it."""

    def __init__(self, slug: str) -> None:
        path = seed_path(slug)
        data = path.read_bytes()
        self.text = data.decode("utf-8").replace("\r\n", "\n")
        self.lines = self.text.split("\n")
        self.document: ParsedDocument = parse_document(str(path), data)

    def of_kind(self, kind: str) -> list[ParsedEntry]:
        return [entry for entry in self.document.entries if entry.kind == kind]

    def table_blocks(self) -> list[str]:
        """Runs of consecutive tab-separated lines, read off the source."""
        blocks: list[list[str]] = [[]]
        for line in self.lines:
            if "\t" in line:
                blocks[-1].append(line)
            elif blocks[-1]:
                blocks.append([])
        return ["\n".join(block) for block in blocks if block]


_CACHE: dict[str, Seed] = {}


def seed(slug: str) -> Seed:
    if slug not in _CACHE:
        _CACHE[slug] = Seed(slug)
    return _CACHE[slug]


@pytest.mark.parametrize("slug", sorted(SEED_FILES))
def test_seed_is_auto_detected_as_its_shape(slug: str) -> None:
    assert seed(slug).document.format == FORMATS[slug]


@pytest.mark.parametrize("slug", sorted(SEED_FILES))
def test_seed_yields_the_expected_entries_per_kind(slug: str) -> None:
    counts = Counter(entry.kind for entry in seed(slug).document.entries)
    assert dict(counts) == ENTRY_COUNTS[slug]


@pytest.mark.parametrize("slug", sorted(SEED_FILES))
def test_every_seed_answer_is_verbatim_from_its_lines(slug: str) -> None:
    current = seed(slug)
    for entry in current.document.entries:
        assert entry.answer in current.text
        span = "\n".join(current.lines[entry.line_start - 1 : entry.line_end])
        assert entry.answer.split("\n")[0] in span
        assert entry.answer.split("\n")[-1] in span


def test_tottori_answers_are_the_third_cell_of_their_numbered_row() -> None:
    current = seed("tottori")
    rows = {
        cells[0]: cells for cells in (line.split("\t") for line in current.lines) if len(cells) == 3
    }
    qa = current.of_kind("qa")
    assert [entry.question for entry in qa] == [rows[str(n)][1] for n in range(1, 35)]
    first = qa[0]
    assert first.answer == rows["1"][2]
    assert " " in first.answer.strip()  # the inner space of the published answer is kept


def test_tottori_trailing_note_is_the_last_line() -> None:
    current = seed("tottori")
    last_line = next(line for line in reversed(current.lines) if line.strip())
    (note,) = current.of_kind("note")
    assert note.answer == last_line.strip()
    assert note.answer.startswith("※")


def test_moneysquare_keeps_step_lists_and_headings_inside_answers() -> None:
    current = seed("moneysquare")
    stepped = [entry for entry in current.of_kind("qa") if "\n- " in entry.answer]
    assert len(stepped) == 1
    lines = stepped[0].answer.split("\n")
    assert sum(1 for line in lines if line.startswith("■")) == 2
    assert sum(1 for line in lines if line.startswith("- ")) >= 6


def test_moneysquare_contact_block_follows_the_last_answer() -> None:
    current = seed("moneysquare")
    contacts = current.of_kind("contact")
    assert [entry.question in current.lines for entry in contacts] == [True, True]
    assert current.document.entries[-len(contacts) :] == contacts
    assert all("お問い合わせ先" in entry.question for entry in contacts)


def test_cellcellar_questions_have_sections_and_contact_lines_are_no_questions() -> None:
    current = seed("cellcellar")
    qa = current.of_kind("qa")
    assert all(len(entry.section) == 1 for entry in qa)
    assert len({entry.section for entry in qa}) == 5
    (contact,) = current.of_kind("contact")
    assert all(line.startswith("・") for line in contact.answer.split("\n"))
    contact_lines = {line.removeprefix("・") for line in contact.answer.split("\n")}
    assert not contact_lines & {entry.question for entry in qa}


def test_kokocoupon_keeps_each_table_block_intact() -> None:
    current = seed("kokocoupon")
    blocks = current.table_blocks()
    assert len(blocks) == 4
    tables = [entry for entry in current.of_kind("passage") if "\t" in entry.answer]
    assert [entry.answer for entry in tables] == blocks
    assert len({entry.section for entry in tables}) == 1


def test_kokocoupon_event_notes_are_passages_of_the_table_heading() -> None:
    current = seed("kokocoupon")
    table_section = next(e.section for e in current.of_kind("passage") if "\t" in e.answer)
    notes = [e for e in current.of_kind("passage") if e.section == table_section]
    assert len([e for e in notes if "\t" not in e.answer]) >= 6


def test_kokocoupon_numbered_sections_become_passages() -> None:
    current = seed("kokocoupon")
    passages = current.of_kind("passage")
    tops = {entry.section[0].split(" ")[0] for entry in passages if entry.section}
    assert {"1", "2"} <= tops
    for top in ("1", "2"):
        items = {
            entry.section[1][:3]
            for entry in passages
            if len(entry.section) >= 2 and entry.section[0].startswith(top)
        }
        assert {"(1)", "(2)", "(3)", "(4)"} <= items
    circled = {entry.section[2][0] for entry in passages if len(entry.section) >= 3}
    assert circled == {"①", "②"}
    angled = [entry for entry in passages if entry.section and entry.section[-1].startswith("<")]
    assert len({entry.section[-1] for entry in angled}) == 3
    naoshi = [entry for entry in passages if entry.answer.startswith("なお")]
    assert len(naoshi) == 1 and len(naoshi[0].section) == 1


def test_jrc_preamble_sections_and_contact_lines_are_passages() -> None:
    current = seed("jrc")
    document = current.document
    assert document.title == next(line for line in current.lines if line.strip())
    passages = current.of_kind("passage")
    preamble = [entry for entry in passages if entry.section == ()]
    assert preamble and all(entry.question == document.title for entry in preamble)
    tops = [entry.section[0][0] for entry in passages if entry.section]
    assert set(tops) == {"1", "2", "3", "4"}
    circled = {e.section[1][0] for e in passages if len(e.section) == 2 and e.section[0][0] == "2"}
    assert circled == {"①", "②"}
    # Section 1 names its two databases in a list right under its first sentence.
    first = next(e for e in passages if e.section[:1] and e.section[0][0] == "1")
    assert len(first.section) == 1
    assert [line[0] for line in first.answer.split("\n")[1:3]] == ["①", "②"]
    contact = [e for e in passages if e.section[:1] and e.section[0][0] == "4" and "・" in e.answer]
    assert len(contact) == 1
    assert all(line.startswith(("・", " ")) for line in contact[0].answer.split("\n"))
    # The sentence announcing the report below, the pointer to the desk and the closing apology
    # are notes, never offered as answers.
    openings = ("つきましては", "本件に関し", "改めまして")
    notes = current.of_kind("note")
    assert len(notes) == len(openings)
    assert all(
        note.answer.startswith(opening) for note, opening in zip(notes, openings, strict=True)
    )
