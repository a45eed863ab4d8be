"""Answer-engine figures: leave-one-incident-out over the training incidents, then the
development set of the five seeds as validation (never fitted on).

    python bench/dev_eval.py [--training training/incidents] [--questions DEV.jsonl]
                             [--seeds DIR] [--max-wrong 0.03] [--min-silent 0.3] [--l2 1.0]
                             [--write calibration.json]

Prints, for the engine and for plain BM25 and plain USE:
1. out-of-fold figures over the training incidents (each incident predicted by models fitted on
   the others, thresholds chosen on the pooled out-of-fold probabilities), on a desk's first
   day and with the other half of each incident's questions attached (`collect_learnt`);
2. the development set scored with models fitted on all training incidents (what ships), as
   written and typed all in hiragana (each word's Sudachi reading: かーどばんごう もれた？);
3. ranking Hit@1 / Hit@3 and the reliability table of the decide probability.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

from breachdesk.answer.calibrate import (
    Sample,
    baseline_figures,
    collect,
    collect_learnt,
    engine_policy,
    fit_both,
    format_reliability,
    outcomes,
    reliability,
)
from breachdesk.answer.decide import SHIPPED_LEXICAL
from breachdesk.answer.evaluation import Question, format_figures, read_questions, score_results
from breachdesk.config import Settings
from breachdesk.desk import Desk
from breachdesk.text.readings import default_readings, to_hiragana

ROOT = Path(__file__).resolve().parents[1]
SLUGS = {
    "000": "tottori",
    "001": "moneysquare",
    "002": "cellcellar",
    "003": "kokocoupon",
    "004": "jrc",
}


def hits(samples: list[Sample], orders: list[np.ndarray]) -> str:
    pairs = [(s, o) for s, o in zip(samples, orders, strict=True) if not s.question.should_abstain]
    h1 = np.mean([s.positives[int(o[0])] for s, o in pairs])
    h3 = np.mean([s.positives[o[:3]].any() for s, o in pairs])
    return f"Hit@1 {h1:.3f}  Hit@3 {h3:.3f}  ({len(pairs)} answerable)"


def in_hiragana(question: Question) -> Question:
    """The question as typed by someone who never converts: every word's reading, in hiragana."""
    words = default_readings().words(question.question)
    return replace(question, question="".join(to_hiragana(r) for _, r in words))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--training", type=Path, default=ROOT / "training" / "incidents")
    parser.add_argument(
        "--questions", type=Path, default=ROOT.parent / "shared/eval/dev_questions.jsonl"
    )
    parser.add_argument(
        "--seeds",
        type=Path,
        default=Path(os.environ.get("BREACHDESK_SEEDS", ROOT.parent / "shared/seeds")),
    )
    parser.add_argument("--max-wrong", type=float, default=0.03)
    parser.add_argument("--min-silent", type=float, default=0.3)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--write", type=Path, help="Write the fitted calibration JSON here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        desk = Desk(Settings(db=str(Path(tmp) / "bench.db")))
        questions = desk.import_training([args.training])
        training = collect(desk.engine, questions)
        learnt = collect_learnt(desk.engine, questions)
        incidents = sorted({s.question.incident or "" for s in training})
        print(f"training: {len(training)} questions, {len(incidents)} incidents: {incidents}")
        calibration, both, lite = fit_both(
            training,
            max_wrong=args.max_wrong,
            min_silent=args.min_silent,
            l2=args.l2,
            learnt=learnt,
        )
        predictions = both[: len(training)]
        print(
            f"e5 blend {calibration.e5_blend}; thresholds (chosen out of fold): answer "
            f"{calibration.threshold}, suggest {calibration.suggest_threshold}; "
            f"baselines {calibration.baselines}\n"
        )
        t, s_ = calibration.threshold, calibration.suggest_threshold
        cv = score_results(outcomes(training, predictions, t, s_))
        print(format_figures(cv, "engine, leave-one-incident-out over the training incidents"))
        print(hits(training, [p.order for p in predictions]))
        print(format_reliability(reliability(training, predictions)))
        print()
        print(
            format_figures(
                score_results(outcomes(learnt, both[len(training) :], t, s_)),
                "the same, each asked with the other half of its incident attached",
            )
        )
        for name, figures in baseline_figures(training, calibration).items():
            print()
            print(format_figures(figures, f"plain {name}, training incidents, same thresholds"))
        if args.write:
            args.write.write_text(calibration.to_json() + "\n", encoding="utf-8")
            beside = args.write.with_name(SHIPPED_LEXICAL)
            beside.write_text(lite.to_json() + "\n", encoding="utf-8")
            print(f"\nwrote {args.write} and {beside}")
        if not args.seeds.is_dir() or not args.questions.is_file():
            print(
                f"\nseeds ({args.seeds}) or questions ({args.questions}) not found: no validation"
            )
            return 0
        for path in sorted(args.seeds.glob("0*.txt")):
            desk.import_documents(SLUGS[path.name[:3]], [path])
        policy = engine_policy(calibration)
        dev_questions = list(read_questions(args.questions))
        for label, asked in (
            ("development set (validation)", dev_questions),
            ("development set typed in hiragana", [in_hiragana(q) for q in dev_questions]),
        ):
            dev = collect(desk.engine, asked)
            dev_predictions = [policy(s) for s in dev]
            print()
            print(
                format_figures(
                    score_results(outcomes(dev, dev_predictions, t, s_)),
                    f"engine fitted on the training incidents, {label}",
                )
            )
            print(hits(dev, [p.order for p in dev_predictions]))
            if asked is dev_questions:
                print(format_reliability(reliability(dev, dev_predictions)))
                for name, figures in baseline_figures(dev, calibration).items():
                    print()
                    print(format_figures(figures, f"plain {name}, development set"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
