"""How notices split into answerable units: one row per document, as `breachdesk import` reads it.

For every document of `training/incidents/*/` (fictional, ours), the seeds (`../shared/seeds`
or `$BREACHDESK_SEEDS`) and the notice fixtures (`tests/kb/fixtures/notices/`), prints the
format detected, the number of entries (passages / notes / other kinds), the longest answer in
characters and the passages over `LONG_ANSWER` characters. A notice of 2–4 kB should give about
8–25 units.

Then checks that the splitting keeps every expected string inside ONE imported answer (after the
evaluation's normalisation): the `any_of` strings of each training incident's
`questions.jsonl`, and with `--check-dev` those of `../shared/eval/dev_questions.jsonl` for the
narrative seeds (kokocoupon, jrc). Only counts are printed, never the questions. Asserts nothing.

    .venv/bin/python bench/notice_units.py [--check-dev] [--training DIR] [--show FILE]

`--training DIR` measures another checkout's `training/incidents` (another branch's, read only);
`--show FILE` prints that document's entries (kind, lines, question, answer) instead.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from breachdesk.errors import DocumentFormatError
from breachdesk.kb.importers import parse_document
from breachdesk.kb.parsed import ParsedDocument

ROOT = Path(__file__).resolve().parents[1]
TRAINING = ROOT / "training" / "incidents"
FIXTURES = ROOT / "tests" / "kb" / "fixtures" / "notices"
SHARED = ROOT.parent / "shared"
DEV_QUESTIONS = SHARED / "eval" / "dev_questions.jsonl"
NARRATIVE_SEEDS = {"kokocoupon": "003_", "jrc": "004_"}
DOCUMENT_SUFFIXES = frozenset({".txt", ".tsv", ".csv", ".md", ".html", ".htm", ".pdf", ".xlsx"})
LONG_ANSWER = 600


def norm(text: str) -> str:
    """The evaluation's normalisation (`../shared/eval/README.md`)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def seeds_dir() -> Path:
    return Path(os.environ.get("BREACHDESK_SEEDS") or SHARED / "seeds")


def documents(training: Path) -> list[tuple[str, Path]]:
    """(group, path) of every document measured, in a stable order."""
    found: list[tuple[str, Path]] = []
    for folder in sorted(p for p in training.iterdir() if p.is_dir()):
        found += [(f"training/{folder.name}", p) for p in sorted(folder.iterdir()) if _doc(p)]
    if seeds_dir().is_dir():
        found += [("seeds", p) for p in sorted(seeds_dir().glob("*.txt")) if p.name[:3].isdigit()]
    found += [("fixtures", p) for p in sorted(FIXTURES.iterdir()) if _doc(p)]
    return found


def _doc(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in DOCUMENT_SUFFIXES and path.stem != "README"


def load(path: Path) -> ParsedDocument:
    return parse_document(str(path), path.read_bytes())


@dataclass(frozen=True)
class Row:
    group: str
    name: str
    size: int
    format: str
    kinds: Counter[str]
    longest: int
    over: int


def measure(group: str, path: Path) -> Row:
    document = load(path)
    kinds = Counter(entry.kind for entry in document.entries)
    answers = [len(entry.answer) for entry in document.entries if entry.kind == "passage"]
    return Row(
        group,
        path.name,
        path.stat().st_size,
        document.format,
        kinds,
        max((len(entry.answer) for entry in document.entries), default=0),
        sum(1 for length in answers if length > LONG_ANSWER),
    )


def print_table(rows: Iterable[Row]) -> None:
    header = ("group", "file", "bytes", "format", "entries", "pass", "note", "other", "longest")
    print("  ".join(f"{h:>8}" if i >= 2 else h for i, h in enumerate(header)))
    for row in rows:
        other = sum(n for kind, n in row.kinds.items() if kind not in ("passage", "note"))
        cells = [
            row.group,
            row.name,
            f"{row.size:>8}",
            f"{row.format:>8}",
            f"{sum(row.kinds.values()):>8}",
            f"{row.kinds['passage']:>8}",
            f"{row.kinds['note']:>8}",
            f"{other:>8}",
            f"{row.longest:>8}" + (f"  ({row.over} passages > {LONG_ANSWER})" if row.over else ""),
        ]
        print("  ".join(cells))


def inside_one_answer(strings: list[str], answers: list[str]) -> tuple[int, int]:
    """How many of `strings` lie inside one of `answers` (normalised), and how many there are."""
    normalised = [norm(answer) for answer in answers]
    kept = sum(1 for text in strings if any(norm(text) in answer for answer in normalised))
    return kept, len(strings)


def expected_strings(path: Path, incident: str | None = None) -> list[str]:
    strings: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if (incident is None or row["incident"] == incident) and isinstance(row["expect"], dict):
            strings += row["expect"]["any_of"]
    return strings


def check_training(training: Path) -> None:
    print("\ntraining expected strings inside one imported answer:")
    for folder in sorted(p for p in training.iterdir() if (p / "questions.jsonl").is_file()):
        answers = [
            entry.answer
            for path in sorted(folder.iterdir())
            if _doc(path)
            for entry in load(path).entries
        ]
        kept, total = inside_one_answer(expected_strings(folder / "questions.jsonl"), answers)
        print(f"  {folder.name:<20} {kept:>4} / {total}")


def check_dev() -> None:
    print("\ndev any_of strings inside one imported answer (narrative seeds):")
    if not DEV_QUESTIONS.is_file() or not seeds_dir().is_dir():
        print(f"  skipped: {DEV_QUESTIONS} or {seeds_dir()} not found")
        return
    for slug, prefix in NARRATIVE_SEEDS.items():
        path = next(iter(sorted(seeds_dir().glob(f"{prefix}*.txt"))), None)
        if path is None:
            print(f"  {slug}: seed not found")
            continue
        answers = [entry.answer for entry in load(path).entries]
        kept, total = inside_one_answer(expected_strings(DEV_QUESTIONS, slug), answers)
        print(f"  {slug:<20} {kept:>4} / {total}")


def show(path: Path) -> None:
    document = load(path)
    print(f"{path.name}: {document.format}, title {document.title!r}, {len(document.entries)}")
    for entry in document.entries:
        print(f"\n[{entry.kind}] lines {entry.line_start}-{entry.line_end}  {entry.question}")
        print("    " + entry.answer.replace("\n", "\n    "))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check-dev", action="store_true", help="also check the dev strings")
    parser.add_argument("--show", type=Path, help="print one document's entries")
    parser.add_argument("--training", type=Path, default=TRAINING, help="training/incidents")
    args = parser.parse_args()
    if args.show:
        show(args.show)
        return
    rows = []
    for group, path in documents(args.training):
        try:
            rows.append(measure(group, path))
        except DocumentFormatError as error:
            print(f"{group} {path.name}: {error}")
    print_table(rows)
    check_training(args.training)
    if args.check_dev:
        check_dev()


if __name__ == "__main__":
    main()
