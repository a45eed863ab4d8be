"""Intent classifier figures: k-fold held-out top-1/top-3 per intent and overall, for the dense
(USE) features alone, the lexical features alone, and both.

    python bench/intents.py [--folds 5] [--cache-dir DIR] [--sweep]

`--sweep` also tries other block scales and L2 strengths (how the shipped recipe was chosen).
Prints figures; never asserts.
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

from breachdesk.config import Settings
from breachdesk.intents.classifier import FeatureScales
from breachdesk.intents.taxonomy import load_taxonomy, training_data
from breachdesk.intents.train import TrainConfig, cross_validate, embed_phrasings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--sweep", action="store_true")
    args = parser.parse_args()
    texts, labels = training_data()
    vectors = embed_phrasings(texts, args.cache_dir or Settings().cache_dir)
    config = TrainConfig()
    started = time.perf_counter()
    scores = cross_validate(texts, labels, vectors, folds=args.folds, config=config)
    print(
        f"{len(texts)} phrasings, {len(load_taxonomy())} intents, {args.folds}-fold "
        f"({time.perf_counter() - started:.0f} s)"
    )
    variants = list(scores)
    header = "".join(f" {v + ' t1':>10} {v + ' t3':>10}" for v in variants)
    print(f"{'intent':<30} {'n':>4}{header}")
    for column, intent in enumerate(load_taxonomy()):
        cells = ""
        for v in variants:
            t1, _, t3 = scores[v].per_intent(column)
            cells += f" {t1:>10.2f} {t3:>10.2f}"
        print(f"{intent.id:<30} {scores[variants[0]].total[column]:>4}{cells}")
    print("\noverall    top1   top2   top3")
    for v in variants:
        t1, t2, t3 = scores[v].overall()
        print(f"{v:<8} {t1:6.3f} {t2:6.3f} {t3:6.3f}")
    ids = [i.id for i in load_taxonomy()]
    print("\nmost frequent top-1 mistakes (both): true -> predicted (count)")
    for true, predicted, count in scores["both"].confusions(12):
        print(f"  {ids[true]} -> {ids[predicted]} ({count})")
    if args.sweep:
        print("\nsweep (both): dense terms chars l2 -> top1 top3")
        for dense, terms, chars, l2 in (
            (1.0, 1.0, 1.0, 1e-4),
            (2.0, 1.0, 1.0, 1e-4),
            (3.0, 1.0, 1.0, 1e-4),
            (2.0, 1.0, 0.0, 1e-4),
            (2.0, 0.0, 1.0, 1e-4),
            (2.0, 1.0, 1.0, 1e-3),
            (2.0, 1.0, 1.0, 1e-5),
        ):
            trial = replace(config, scales=FeatureScales(dense, terms, chars), l2=l2)
            s = cross_validate(
                texts, labels, vectors, folds=args.folds, config=trial, variants=("both",)
            )["both"]
            t1, _, t3 = s.overall()
            print(f"  {dense:.1f} {terms:.1f} {chars:.1f} {l2:g} -> {t1:.3f} {t3:.3f}")


if __name__ == "__main__":
    main()
