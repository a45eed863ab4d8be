"""Development-set figures for the engine beside plain BM25 and plain USE matching.

    python bench/dev_eval.py [QUESTIONS.jsonl] [--seeds DIR] [--max-wrong 0.05]

Imports the five seeds into a temporary SQLite database, computes every question's feature
matrix once, and prints the four figures of ../shared/eval/README.md for:
- the shipped engine (calibration.json as shipped);
- the engine's mechanism under leave-one-incident-out cross-validation (fitted on four
  incidents, scored on the fifth: the estimate for unseen questions and documents);
- plain BM25 (Sudachi terms, question field) and plain USE (cosine with the question), each
  with the threshold on its own score chosen on the development set by the same rule.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from breachdesk.answer.calibrate import Outcome, Sample, collect, cross_validate, figures, outcomes
from breachdesk.answer.evaluation import read_questions
from breachdesk.answer.features import FEATURES
from breachdesk.config import Settings
from breachdesk.desk import Desk

ROOT = Path(__file__).resolve().parents[1]
SLUGS = {
    "000": "tottori",
    "001": "moneysquare",
    "002": "cellcellar",
    "003": "kokocoupon",
    "004": "jrc",
}


def single_signal(samples: list[Sample], column: int, max_wrong: float) -> dict[str, float]:
    """Rank by one feature; answer when the best score clears the best allowed threshold."""
    best_scores = [float(s.features[:, column].max()) for s in samples]
    right_top = [bool(s.positives[int(np.argmax(s.features[:, column]))]) for s in samples]

    def at(threshold: float) -> list[Outcome]:
        out = []
        for s, top, ok in zip(samples, best_scores, right_top, strict=True):
            answered = top >= threshold
            right = (not answered) if s.question.should_abstain else (answered and ok)
            out.append(Outcome(answered, right))
        return out

    chosen, best_accuracy = max(best_scores) + 1, -1.0
    for threshold in sorted(set(best_scores)):
        f = figures(samples, at(threshold))
        if f["wrong_answer_rate"] <= max_wrong and f["accuracy"] > best_accuracy:
            chosen, best_accuracy = threshold, f["accuracy"]
    return figures(samples, at(chosen))


def show(name: str, f: dict[str, float]) -> None:
    print(
        f"{name:<34} accuracy={f['accuracy']:.3f} answerable={f['answerable_accuracy']:.3f} "
        f"abstained={f['abstain_rate']:.3f} wrong={f['wrong_answer_rate']:.3f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "questions", nargs="?", type=Path, default=ROOT.parent / "shared/eval/dev_questions.jsonl"
    )
    parser.add_argument(
        "--seeds",
        type=Path,
        default=Path(os.environ.get("BREACHDESK_SEEDS", ROOT.parent / "shared/seeds")),
    )
    parser.add_argument("--max-wrong", type=float, default=0.05)
    args = parser.parse_args()
    if not args.seeds.is_dir() or not args.questions.is_file():
        print(f"seeds ({args.seeds}) or questions ({args.questions}) not found", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        desk = Desk(Settings(db=str(Path(tmp) / "dev.db")))
        for path in sorted(args.seeds.glob("0*.txt")):
            desk.import_documents(SLUGS[path.name[:3]], [path])
        samples = collect(desk.engine, read_questions(args.questions))
        calibration = desk.engine.calibration
        show(
            "engine (shipped calibration)",
            figures(samples, outcomes(samples, calibration, desk.engine.threshold)),
        )
        show("engine, leave-one-incident-out", cross_validate(samples, max_wrong=args.max_wrong))
        show(
            "plain BM25 (question field)",
            single_signal(samples, FEATURES.index("words_q"), args.max_wrong),
        )
        show(
            "plain USE (cosine, question)",
            single_signal(samples, FEATURES.index("dense_q"), args.max_wrong),
        )
        answerable = [s for s in samples if not s.question.should_abstain]
        order = [calibration.rank(s.features).order for s in answerable]
        hit1 = np.mean([s.positives[int(o[0])] for s, o in zip(answerable, order, strict=True)])
        hit3 = np.mean([s.positives[o[:3]].any() for s, o in zip(answerable, order, strict=True)])
        print(f"engine ranking on answerable questions: Hit@1={hit1:.3f} Hit@3={hit3:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
