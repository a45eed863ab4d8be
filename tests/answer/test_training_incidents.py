"""The fictional training incidents in `training/incidents/` are usable training data.

Each incident folder holds documents that `breachdesk import` reads and a `questions.jsonl` in the
format of `../shared/eval/README.md`. The checks below are what the answer models' fitting and
leave-one-incident-out validation rely on: every line well-formed, ids unique across incidents,
enough questions with some abstains, and every expected string found (after the evaluation's
normalisation) in the answer text of an entry that importing the incident's documents produces,
so that a right answer can be scored right. Two guards keep the set honest: no question is a
question of the development set, and no document copies a run of text from a seed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from breachdesk.answer.evaluation import eval_norm
from breachdesk.db import open_database
from breachdesk.kb import service

ROOT = Path(__file__).resolve().parents[2]
TRAINING = ROOT / "training" / "incidents"
QUESTIONS_FILE = "questions.jsonl"
DEV_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev_questions.jsonl"
SLUGS = sorted(p.name for p in TRAINING.iterdir() if (p / QUESTIONS_FILE).is_file())

MIN_QUESTIONS = 70
MIN_NOTICE_QUESTIONS = 30
"""A notice-only incident (one page, a handful of units) asks fewer questions than a FAQ."""
ABSTAIN_SHARE = (0.10, 0.30)
"""Roughly 15–20 % of the questions are ones the documents do not answer."""
EXPECT_CHARS = (6, 40)
"""Length of an `any_of` string, as in the evaluation format."""
SEED_RUN_CHARS = 25
"""A shared run of this many normalised characters counts as text copied from a seed."""


def documents(slug: str) -> list[Path]:
    """The incident's documents: every file in its folder but the questions and a README."""
    return [
        p
        for p in sorted((TRAINING / slug).iterdir())
        if p.is_file() and p.name != QUESTIONS_FILE and not p.name.startswith((".", "README"))
    ]


def document_text(path: Path) -> str:
    """A document's text as the importer reads it (PDF text, CP932 or UTF-8 decoded)."""
    from breachdesk.kb.decode import decode
    from breachdesk.kb.importers.pdf import extract_text
    from breachdesk.kb.parsed import Source

    data = path.read_bytes()
    if path.suffix.lower() == ".pdf":
        return extract_text(Source(str(path), data))
    return decode(str(path), data, max_bytes=len(data) + 1)[0]


def is_notice_only(slug: str) -> bool:
    """An incident that published notices only (no FAQ: no file or heading named so)."""
    return not any("faq" in p.name.lower() for p in documents(slug))


def questions(slug: str) -> list[dict[str, Any]]:
    lines = (TRAINING / slug / QUESTIONS_FILE).read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_training_set_has_at_least_four_incidents() -> None:
    assert len(SLUGS) >= 4, SLUGS


@pytest.mark.parametrize("slug", SLUGS)
def test_every_question_line_is_in_the_evaluation_format(slug: str) -> None:
    for number, row in enumerate(questions(slug), 1):
        where = f"{slug}/{QUESTIONS_FILE}:{number}"
        assert set(row) == {"id", "incident", "question", "expect"}, where
        assert re.fullmatch(rf"t-{re.escape(slug)}-\d{{3}}", row["id"]), where
        assert row["incident"] == slug, where
        assert isinstance(row["question"], str) and row["question"].strip(), where
        expect = row["expect"]
        if expect == "abstain":
            continue
        assert isinstance(expect, dict) and set(expect) == {"any_of"}, where
        strings = expect["any_of"]
        assert isinstance(strings, list) and strings, where
        for text in strings:
            assert isinstance(text, str), where
            assert EXPECT_CHARS[0] <= len(text) <= EXPECT_CHARS[1], (where, text)


def test_question_ids_are_unique_across_incidents() -> None:
    ids = Counter(row["id"] for slug in SLUGS for row in questions(slug))
    assert [i for i, n in ids.items() if n > 1] == []


@pytest.mark.parametrize("slug", SLUGS)
def test_each_incident_has_enough_questions_and_some_abstains(slug: str) -> None:
    rows = questions(slug)
    abstains = sum(1 for row in rows if row["expect"] == "abstain")
    assert len(rows) >= (MIN_NOTICE_QUESTIONS if is_notice_only(slug) else MIN_QUESTIONS)
    assert ABSTAIN_SHARE[0] <= abstains / len(rows) <= ABSTAIN_SHARE[1], abstains
    texts = Counter(eval_norm(row["question"]) for row in rows)
    assert [q for q, n in texts.items() if n > 1] == [], "a question asked twice"


@pytest.mark.parametrize("slug", SLUGS)
def test_every_expected_string_is_in_an_imported_answer(slug: str, tmp_path: Path) -> None:
    """Import the documents as `breachdesk import` does; each string must be in some answer."""
    db = open_database(str(tmp_path / "training.db"))
    try:
        service.import_documents(db, slug, documents(slug))
        entries = service.list_entries(db, slug)
    finally:
        db.dispose()
    answers = [eval_norm(entry.answer) for entry in entries]
    missing = [
        (row["id"], text)
        for row in questions(slug)
        if isinstance(row["expect"], dict)
        for text in row["expect"]["any_of"]
        if not any(eval_norm(text) in answer for answer in answers)
    ]
    assert missing == []
    # Every document gives entries, so no file is silently left out of training.
    sources = {entry.file_name for entry in entries}
    assert sources == {p.name for p in documents(slug)}


def test_no_training_question_is_a_development_question() -> None:
    if not DEV_QUESTIONS.is_file():
        pytest.skip(f"{DEV_QUESTIONS} not found")
    dev = {
        eval_norm(json.loads(line)["question"])
        for line in DEV_QUESTIONS.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    copied = [
        row["id"] for slug in SLUGS for row in questions(slug) if eval_norm(row["question"]) in dev
    ]
    assert copied == []


def test_no_training_document_copies_text_from_a_seed(seeds: dict[str, Path]) -> None:
    runs: set[str] = set()
    for path in seeds.values():
        text = eval_norm(path.read_bytes().decode("utf-8", errors="replace"))
        runs.update(text[i : i + SEED_RUN_CHARS] for i in range(len(text) - SEED_RUN_CHARS + 1))
    copied = []
    for slug in SLUGS:
        for path in documents(slug):
            text = eval_norm(document_text(path))
            hits = [
                text[i : i + SEED_RUN_CHARS]
                for i in range(len(text) - SEED_RUN_CHARS + 1)
                if text[i : i + SEED_RUN_CHARS] in runs
            ]
            copied += [(path.name, hit) for hit in hits[:1]]
    assert copied == []
