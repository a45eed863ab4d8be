"""Scoring a question file the way `../shared/eval/README.md` defines it.

A question with `expect.any_of` is right when the engine answered and the answer contains one of
the strings (both normalised: NFKC, no white space); an `abstain` question is right when the
engine abstained. Four figures per incident and overall: accuracy, answerable accuracy,
abstention rate, and the wrong-answer rate (wrong answers / answers given).
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from breachdesk.errors import InvalidInputError


def eval_norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@dataclass(frozen=True)
class Question:
    id: str
    incident: str | None
    question: str
    expect: Any = None

    @property
    def should_abstain(self) -> bool:
        return bool(self.expect == "abstain")

    def accepts(self, answer: str | None) -> bool:
        """Whether an answer text satisfies this question's `any_of` expectation."""
        if answer is None or not isinstance(self.expect, dict):
            return False
        got = eval_norm(answer)
        wanted: list[str] = self.expect.get("any_of", [])
        return any(eval_norm(s) in got for s in wanted)


def read_questions(path: Path, *, incident: str | None = None) -> Iterator[Question]:
    """Read a JSON-lines question file; a bad line raises `InvalidInputError` naming it."""
    with path.open(encoding="utf-8-sig") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InvalidInputError(f"not valid JSON ({exc.msg})", where=where) from exc
            if not isinstance(data, dict) or not isinstance(data.get("question"), str):
                raise InvalidInputError('each line needs a "question" string', where=where)
            slug = data.get("incident") or incident
            yield Question(str(data.get("id", number)), slug, data["question"], data.get("expect"))


@dataclass
class Tally:
    answerable: int = 0
    answerable_right: int = 0
    abstain: int = 0
    abstain_right: int = 0
    answered: int = 0
    answered_wrong: int = 0

    def add(self, q: Question, answered: bool, answer: str | None) -> bool:
        right: bool
        if q.should_abstain:
            self.abstain += 1
            right = not answered
            self.abstain_right += right
        else:
            self.answerable += 1
            right = answered and q.accepts(answer)
            self.answerable_right += right
        if answered:
            self.answered += 1
            self.answered_wrong += not right
        return right

    def figures(self) -> dict[str, float | int]:
        total = self.answerable + self.abstain
        return {
            "questions": total,
            "accuracy": (self.answerable_right + self.abstain_right) / total if total else 0.0,
            "answerable_accuracy": self.answerable_right / self.answerable
            if self.answerable
            else 0.0,
            "abstain_rate": self.abstain_right / self.abstain if self.abstain else 0.0,
            "wrong_answer_rate": self.answered_wrong / self.answered if self.answered else 0.0,
        }


def score_results(
    pairs: Iterable[tuple[Question, bool, str | None]],
) -> dict[str, dict[str, float | int]]:
    """Figures per incident and overall (key `overall`) from (question, answered, answer)."""
    tallies: dict[str, Tally] = {}
    overall = Tally()
    for q, answered, answer in pairs:
        tallies.setdefault(q.incident or "-", Tally()).add(q, answered, answer)
        overall.add(q, answered, answer)
    out = {slug: t.figures() for slug, t in sorted(tallies.items())}
    out["overall"] = overall.figures()
    return out


def format_figures(figures: dict[str, dict[str, float | int]]) -> str:
    """A plain table of the four figures per incident and overall."""
    lines = [
        f"{'incident':<14}{'n':>5}{'accuracy':>10}{'answerable':>12}{'abstained':>11}{'wrong':>8}"
    ]
    for slug, f in figures.items():
        lines.append(
            f"{slug:<14}{f['questions']:>5}{f['accuracy']:>10.3f}{f['answerable_accuracy']:>12.3f}"
            f"{f['abstain_rate']:>11.3f}{f['wrong_answer_rate']:>8.3f}"
        )
    return "\n".join(lines)
