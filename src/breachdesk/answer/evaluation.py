"""Scoring a question file the way `../shared/eval/README.md` defines it.

A question with `expect.any_of` is right when the engine answered and the answer contains one of
the strings (both normalised: NFKC, no white space); an `abstain` question is right when the
engine did not answer. A right entry among the suggestions resolves an answerable question that
was not answered. Figures per incident and overall are listed in `FIGURES`.
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


@dataclass(frozen=True)
class Outcome:
    """What one question got: an answer (right or not), suggestions (one right or not), or none."""

    answered: bool
    right_answer: bool = False
    suggested: bool = False
    right_suggestion: bool = False


def judge(q: Question, answered: bool, answer: str | None, suggestions: Iterable[str]) -> Outcome:
    """Score one result the way `../shared/eval/README.md` does."""
    offered = list(suggestions)
    return Outcome(
        answered=answered,
        right_answer=answered and q.accepts(answer),
        suggested=bool(offered) and not answered,
        right_suggestion=not answered and any(q.accepts(text) for text in offered),
    )


FIGURES = (
    "questions",
    "accuracy",
    "answerable_accuracy",  # answerable questions answered right
    "resolved",  # answered right, or not answered with a right entry among the suggestions
    "abstain_rate",  # off-topic questions not answered (suggestions allowed)
    "abstain_silent",  # off-topic questions not answered and given no suggestions
    "wrong_answer_rate",  # wrong answers / answers given
)


def figures(pairs: Iterable[tuple[Question, Outcome]]) -> dict[str, float | int]:
    """The evaluation README's figures over (question, outcome) pairs."""
    answerable = abstain = right = resolved = not_answered = silent = answered = wrong = 0
    for q, o in pairs:
        if o.answered:
            answered += 1
        if q.should_abstain:
            abstain += 1
            not_answered += not o.answered
            silent += not o.answered and not o.suggested
            wrong += o.answered
        else:
            answerable += 1
            right += o.right_answer
            resolved += o.right_answer or o.right_suggestion
            wrong += o.answered and not o.right_answer
    total = answerable + abstain
    return {
        "questions": total,
        "accuracy": (right + not_answered) / total if total else 0.0,
        "answerable_accuracy": right / answerable if answerable else 0.0,
        "resolved": resolved / answerable if answerable else 0.0,
        "abstain_rate": not_answered / abstain if abstain else 0.0,
        "abstain_silent": silent / abstain if abstain else 0.0,
        "wrong_answer_rate": wrong / answered if answered else 0.0,
    }


def score_results(
    pairs: Iterable[tuple[Question, Outcome]],
) -> dict[str, dict[str, float | int]]:
    """Figures per incident and overall (key `overall`)."""
    by_incident: dict[str, list[tuple[Question, Outcome]]] = {}
    everything: list[tuple[Question, Outcome]] = []
    for q, o in pairs:
        by_incident.setdefault(q.incident or "-", []).append((q, o))
        everything.append((q, o))
    out = {slug: figures(rows) for slug, rows in sorted(by_incident.items())}
    out["overall"] = figures(everything)
    return out


def format_figures(figures: dict[str, dict[str, float | int]], title: str = "") -> str:
    """A plain table of the figures per incident and overall."""
    lines = [title] if title else []
    lines.append(
        f"{'incident':<18}{'n':>5}{'accuracy':>10}{'answered-right':>16}{'resolved':>10}"
        f"{'off-topic-not-answered':>24}{'(no suggestions)':>18}{'wrong':>8}"
    )
    for slug, f in figures.items():
        lines.append(
            f"{slug:<18}{f['questions']:>5}{f['accuracy']:>10.3f}{f['answerable_accuracy']:>16.3f}"
            f"{f['resolved']:>10.3f}{f['abstain_rate']:>24.3f}{f['abstain_silent']:>18.3f}"
            f"{f['wrong_answer_rate']:>8.3f}"
        )
    return "\n".join(lines)
