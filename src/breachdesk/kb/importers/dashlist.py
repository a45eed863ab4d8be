"""FAQs flattened from a web page into `- question` / `-` / answer lines.

A question is a `- ` line followed by a bare `-` line, or a `- ` line that reads like a question
followed by a `- ` line holding the answer. Other `- ` lines (the steps of a procedure) and `■`
headings inside an answer belong to that answer. A contact block after the last answer
(`本件に関するお問い合わせ先` …) becomes `contact` entries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from breachdesk.kb.parsed import ParsedEntry, Source

from .lines import is_blank, looks_like_question, make_entry, source_text, split_contacts

NAME = "dashlist"

_ITEM = re.compile(r"^-[ \t\u3000]+(\S.*?)\s*$")
_BARE = re.compile(r"^-\s*$")


@dataclass(frozen=True)
class _Question:
    line: int
    text: str
    answer_line: int
    answer_col: int


def _questions(lines: Sequence[str]) -> list[_Question]:
    found = []
    for index, line in enumerate(lines):
        item = _ITEM.match(line)
        if item is None:
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if _BARE.match(following):
            found.append(_Question(index, item.group(1), index + 2, 0))
            continue
        answer = _ITEM.match(following)
        if (
            answer is not None
            and looks_like_question(item.group(1), strict=True)
            and not looks_like_question(answer.group(1))
        ):
            found.append(_Question(index, item.group(1), index + 1, answer.start(1)))
    return found


def sniff(text: str) -> float:
    """High when several `- question` lines are followed by a bare `-` line."""
    lines = text.split("\n")
    pairs = sum(
        1
        for index in range(len(lines) - 1)
        if _ITEM.match(lines[index]) and _BARE.match(lines[index + 1])
    )
    if pairs >= 2:
        return 0.9
    return 0.6 if pairs == 1 and len(_questions(lines)) >= 2 else 0.0


def title(source: Source) -> str | None:
    """The first line of the preamble before the first question, if there is one."""
    lines = source_text(source).split("\n")
    questions = _questions(lines)
    stop = questions[0].line if questions else len(lines)
    return next((line.strip() for line in lines[:stop] if not is_blank(line)), None)


def parse(source: Source) -> list[ParsedEntry]:
    """One `qa` entry per question, then the trailing contact block as `contact` entries."""
    lines = source_text(source).split("\n")
    questions = _questions(lines)
    entries: list[ParsedEntry] = []
    for index, question in enumerate(questions):
        last = index + 1 == len(questions)
        end = len(lines) if last else questions[index + 1].line
        contacts: list[ParsedEntry] = []
        if last:
            end, contacts = split_contacts(lines, question.answer_line, end)
        entry = make_entry(
            "qa", question.text, lines, question.answer_line, end, first_col=question.answer_col
        )
        if entry is not None:
            entries.append(entry)
        entries.extend(contacts)
    return entries
