"""Training incidents: fictional breach incidents the answer models are fitted on.

A training folder holds one sub-folder per incident, named by its slug, with the incident's
documents (any format `breachdesk import` reads) and `questions.jsonl` in the evaluation format
(`../shared/eval/README.md`). The repository's `training/incidents/` is the shipped set; the
development question set of the five seeds is never among them (it is for validation only).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from breachdesk.errors import InvalidInputError

QUESTIONS_FILE = "questions.jsonl"


@dataclass(frozen=True)
class TrainingIncident:
    slug: str
    documents: tuple[Path, ...]
    questions: Path


def find_training_incidents(folders: list[Path]) -> list[TrainingIncident]:
    """Each folder is an incident (it holds questions.jsonl) or a folder of incidents."""
    found: list[TrainingIncident] = []
    for folder in folders:
        if not folder.is_dir():
            raise InvalidInputError("not a folder", where=str(folder))
        candidates = [folder] if (folder / QUESTIONS_FILE).is_file() else sorted(folder.iterdir())
        for sub in candidates:
            questions = sub / QUESTIONS_FILE
            if not questions.is_file():
                continue
            documents = tuple(
                p
                for p in sorted(sub.iterdir())
                if p.is_file()
                and p.name != QUESTIONS_FILE
                and not p.name.startswith((".", "README"))
            )
            if not documents:
                raise InvalidInputError("a training incident needs documents", where=str(sub))
            found.append(TrainingIncident(sub.name, documents, questions))
    if not found:
        raise InvalidInputError(
            f"no training incidents (folders with {QUESTIONS_FILE})",
            where=", ".join(map(str, folders)),
        )
    return found
