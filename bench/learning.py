"""Learning from the desk, measured: questions arrive in order, and after each batch an editor
attaches the unanswered ones to their right entries, as the review queue does.

    python bench/learning.py [--questions DEV.jsonl] [--seeds DIR] [--batch 20] [--seed 7]
    python bench/learning.py --training training/incidents      # the fictional incidents instead

Each question is asked through the public path (so it is logged, redacted, like any question),
and an answerable one that was not answered right is attached from the review queue to the first
entry whose answer holds an expected string (`review.attach_question`: the question becomes a
phrasing of that entry). After each batch, the questions still to come are scored — answered
right and wrong among answers — so the figure shows what the desk learnt, on questions it has
not seen yet. Timings are not the point; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path

from breachdesk.answer.evaluation import Question, figures, judge, read_questions
from breachdesk.config import Settings
from breachdesk.desk import Desk
from breachdesk.review import service as review

ROOT = Path(__file__).resolve().parents[1]
SLUGS = {
    "000": "tottori",
    "001": "moneysquare",
    "002": "cellcellar",
    "003": "kokocoupon",
    "004": "jrc",
}


def score(desk: Desk, questions: list[Question]) -> dict[str, float | int]:
    pairs = []
    for q in questions:
        assert q.incident
        a = desk.ask(q.incident, q.question)
        pairs.append((q, judge(q, a.answered, a.answer, [s.answer for s in a.suggestions])))
    return figures(pairs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--questions", type=Path, default=ROOT.parent / "shared/eval/dev_questions.jsonl"
    )
    parser.add_argument(
        "--seeds",
        type=Path,
        default=Path(os.environ.get("BREACHDESK_SEEDS", ROOT.parent / "shared/seeds")),
    )
    parser.add_argument("--training", type=Path, help="Use these training incidents instead.")
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7, help="Order in which questions arrive.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        desk = Desk(Settings(db=str(Path(tmp) / "learning.db"), answer_cache_size=0))
        if args.training:
            questions = desk.import_training([args.training])
        else:
            if not args.seeds.is_dir() or not args.questions.is_file():
                print(f"seeds ({args.seeds}) or questions ({args.questions}) not found")
                return 2
            for path in sorted(args.seeds.glob("0*.txt")):
                desk.import_documents(SLUGS[path.name[:3]], [path])
            questions = list(read_questions(args.questions))
        random.Random(args.seed).shuffle(questions)
        entries = {
            slug: desk.entries(slug) for slug in {q.incident for q in questions if q.incident}
        }
        print(f"{len(questions)} questions in batches of {args.batch}, order seed {args.seed}")
        print(
            f"{'seen':>5}{'attached':>10}{'to come':>9}{'answered-right':>16}{'resolved':>10}{'wrong':>8}"
        )
        attached = 0
        for start in range(0, len(questions), args.batch):
            rest = questions[start:]
            f = score(desk, rest)
            print(
                f"{start:>5}{attached:>10}{len(rest):>9}{f['answerable_accuracy']:>16.3f}"
                f"{f['resolved']:>10.3f}{f['wrong_answer_rate']:>8.3f}"
            )
            for q in questions[start : start + args.batch]:
                assert q.incident
                shown = desk.ask_public(q.incident, q.question, channel="web")
                if q.should_abstain or shown.question_id is None:
                    continue
                if shown.answer.answered and q.accepts(shown.answer.answer):
                    continue
                right = next((e for e in entries[q.incident] if q.accepts(e.answer)), None)
                if right is not None:
                    review.attach_question(desk.db, shown.question_id, right.id, actor="bench")
                    attached += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
