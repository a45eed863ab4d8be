"""Answer-engine figures: leave-one-incident-out over the training incidents, then the
development set of the five seeds as validation (never fitted on).

    python bench/dev_eval.py [--training training/incidents] [--questions DEV.jsonl]
                             [--seeds DIR] [--max-wrong 0.05] [--min-silent 0.6] [--l2 1.0]

Prints, for the engine and for plain BM25 and plain USE:
1. out-of-fold figures over the training incidents (each incident predicted by models fitted on
   the others, thresholds chosen on the pooled out-of-fold probabilities);
2. the development set scored with models fitted on all training incidents (what ships);
3. ranking Hit@1 / Hit@3 and the reliability table of the decide probability on both.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

from breachdesk.answer.calibrate import (
    Sample,
    baseline_figures,
    collect,
    engine_policy,
    fit,
    format_reliability,
    outcomes,
    reliability,
)
from breachdesk.answer.evaluation import format_figures, read_questions, score_results
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


def hits(samples: list[Sample], orders: list[np.ndarray]) -> str:
    pairs = [(s, o) for s, o in zip(samples, orders, strict=True) if not s.question.should_abstain]
    h1 = np.mean([s.positives[int(o[0])] for s, o in pairs])
    h3 = np.mean([s.positives[o[:3]].any() for s, o in pairs])
    return f"Hit@1 {h1:.3f}  Hit@3 {h3:.3f}  ({len(pairs)} answerable)"


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
    parser.add_argument("--max-wrong", type=float, default=0.05)
    parser.add_argument("--min-silent", type=float, default=0.6)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--write", type=Path, help="Write the fitted calibration JSON here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        desk = Desk(Settings(db=str(Path(tmp) / "bench.db")))
        training = collect(desk.engine, desk.import_training([args.training]))
        incidents = sorted({s.question.incident or "" for s in training})
        print(f"training: {len(training)} questions, {len(incidents)} incidents: {incidents}")
        calibration, predictions = fit(
            training, max_wrong=args.max_wrong, min_silent=args.min_silent, l2=args.l2
        )
        print(
            f"thresholds (chosen out of fold): answer {calibration.threshold}, "
            f"suggest {calibration.suggest_threshold}; baselines {calibration.baselines}\n"
        )
        cv = score_results(
            outcomes(training, predictions, calibration.threshold, calibration.suggest_threshold)
        )
        print(format_figures(cv, "engine, leave-one-incident-out over the training incidents"))
        print(hits(training, [p.order for p in predictions]))
        print(format_reliability(reliability(training, predictions)))
        for name, figures in baseline_figures(training, calibration).items():
            print()
            print(format_figures(figures, f"plain {name}, training incidents, same thresholds"))
        if args.write:
            args.write.write_text(calibration.to_json() + "\n", encoding="utf-8")
            print(f"\nwrote {args.write}")
        if not args.seeds.is_dir() or not args.questions.is_file():
            print(
                f"\nseeds ({args.seeds}) or questions ({args.questions}) not found: no validation"
            )
            return 0
        for path in sorted(args.seeds.glob("0*.txt")):
            desk.import_documents(SLUGS[path.name[:3]], [path])
        dev = collect(desk.engine, read_questions(args.questions))
        policy = engine_policy(calibration)
        dev_predictions = [policy(s) for s in dev]
        print()
        print(
            format_figures(
                score_results(
                    outcomes(
                        dev, dev_predictions, calibration.threshold, calibration.suggest_threshold
                    )
                ),
                "engine fitted on the training incidents, development set (validation)",
            )
        )
        print(hits(dev, [p.order for p in dev_predictions]))
        print(format_reliability(reliability(dev, dev_predictions)))
        for name, figures in baseline_figures(dev, calibration).items():
            print()
            print(format_figures(figures, f"plain {name}, development set"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
