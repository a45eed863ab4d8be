"""LocalgovFAQ benchmark: FAQ retrieval Hit@k of the answer engine on Amagasaki city's FAQ.

The data (Sakata et al., SIGIR 2019, as a BEIR-like JSON derivative) is evaluation-only: it is
read at run time from DIR (default `<repo>/../shared/external/localgovfaq`, see its SOURCE.md)
and never copied into the repository. The 1,786 FAQ entries go through breachdesk's real import
path as one incident; each query with a grade-2 document is ranked the way `ask` ranks (the
calibration's rank model) and, for comparison, by three single signals of the same feature matrix.

    .venv/bin/python bench/localgovfaq.py [DIR] [--limit N] [--db PATH] [--cache-dir DIR]

Prints figures; asserts nothing. The last line is `Hit@1=… Hit@3=… Hit@10=…` for the engine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from breachdesk.answer.features import FEATURES
from breachdesk.config import Settings
from breachdesk.desk import Desk

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DIR = REPO.parent / "shared" / "external" / "localgovfaq"
SLUG = "localgovfaq"
KS = (1, 3, 10)
BASELINES = {
    "BM25 words, question": "words_q",
    "BM25 chars, question": "chars_q",
    "USE, question": "dense_q",
}
_BREAKS = re.compile(r"[\t\r\n\v\f\x85\u2028\u2029]+")


def load_dataset(
    folder: Path,
) -> tuple[dict[str, tuple[str, str]], dict[str, str], dict[str, set[str]]]:
    """FAQ (question, answer) by doc id, query texts, and the grade-2 doc ids of each query."""
    missing = [
        n for n in ("corpus.json", "queries.json", "qrels.json") if not (folder / n).is_file()
    ]
    if missing:
        sys.exit(f"LocalgovFAQ data not found in {folder} (missing {', '.join(missing)}); give DIR")
    corpus: dict[str, str] = json.loads((folder / "corpus.json").read_text("utf-8"))
    queries: dict[str, str] = json.loads((folder / "queries.json").read_text("utf-8"))
    qrels: dict[str, dict[str, int]] = json.loads((folder / "qrels.json").read_text("utf-8"))
    faq = {}
    for doc_id, text in corpus.items():
        question, answer = text.removeprefix("Question: ").split("\nAnswer: ", 1)
        faq[doc_id] = (question, answer.rstrip("\n"))
    relevant = {q: {d for d, g in docs.items() if g == 2} for q, docs in qrels.items()}
    return faq, queries, {q: docs for q, docs in relevant.items() if docs}


def one_line(text: str) -> str:
    """A field as a TSV cell: tabs and line breaks become spaces."""
    return _BREAKS.sub(" ", text).strip()


def write_tsv(faq: dict[str, tuple[str, str]], folder: Path) -> tuple[Path, list[str]]:
    """The FAQ as a `No / 質問 / 回答` table, with the doc id of each row in order."""
    path = folder / f"{SLUG}.tsv"
    doc_ids = list(faq)
    rows = ["No\t質問\t回答"]
    rows += [f"{n}\t{one_line(faq[d][0])}\t{one_line(faq[d][1])}" for n, d in enumerate(doc_ids, 1)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path, doc_ids


def entry_docs(desk: Desk, doc_ids: list[str], faq: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Entry id → doc id, matched by document order and checked against the question text."""
    entries = desk.entries(SLUG)
    if len(entries) != len(doc_ids):
        sys.exit(f"import produced {len(entries)} entries for {len(doc_ids)} FAQ rows")
    for n, (entry, doc_id) in enumerate(zip(entries, doc_ids, strict=True), 1):
        if entry.question != one_line(faq[doc_id][0]):
            sys.exit(f"row {n} (doc {doc_id}): imported question {entry.question!r} differs")
    return {entry.id: doc_id for entry, doc_id in zip(entries, doc_ids, strict=True)}


def hits(order: NDArray[np.integer[Any]], docs: list[str], relevant: set[str]) -> list[bool]:
    """Whether a relevant doc is among the top k of a ranking, for each k in KS."""
    first = next((rank for rank, i in enumerate(order[: max(KS)]) if docs[i] in relevant), None)
    return [first is not None and first < k for k in KS]


def ranking(scores: NDArray[np.float64]) -> NDArray[np.intp]:
    """Entry indices by descending score, ties in document order."""
    return np.argsort(-scores, kind="stable")


def report(name: str, hit_rows: list[list[bool]]) -> str:
    """One line of Hit@k shares (and counts) for a ranking."""
    n = max(len(hit_rows), 1)
    cells = [
        f"Hit@{k} {sum(h[i] for h in hit_rows) / n:.3f} ({sum(h[i] for h in hit_rows):>3})"
        for i, k in enumerate(KS)
    ]
    return f"{name:<24}" + "  ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR, help="LocalgovFAQ folder")
    parser.add_argument("--limit", type=int, default=None, help="only the first N queries")
    parser.add_argument("--db", default=None, help="database to (re)use; default a temporary one")
    parser.add_argument("--cache-dir", type=Path, default=None, help="embedding cache folder")
    args = parser.parse_args()

    if not args.dir.is_dir():
        sys.exit(f"LocalgovFAQ data not found: {args.dir} is not a directory (see its SOURCE.md)")
    faq, queries, relevant = load_dataset(args.dir)
    query_ids = [q for q in queries if q in relevant][: args.limit]
    print(f"data: {len(faq)} FAQ entries, {len(query_ids)} queries with a grade-2 doc")
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (timings are noisy when busy)"
    )

    with tempfile.TemporaryDirectory(prefix="bench-localgovfaq-") as tmp:
        folder = Path(tmp)
        cache = {"cache_dir": args.cache_dir} if args.cache_dir is not None else {}
        settings = Settings(db=args.db or str(folder / "bench.db"), **cache)
        desk = Desk(settings)
        tsv, doc_ids = write_tsv(faq, folder)

        start = time.perf_counter()
        (result,) = desk.import_documents(SLUG, [tsv])
        import_s = time.perf_counter() - start
        doc_of = entry_docs(desk, doc_ids, faq)
        start = time.perf_counter()
        engine = desk.engine
        if engine.encoder is not None:
            engine.encoder.encode(["モデルを読み込む"])  # USE loads its weights on first use
        model_s = time.perf_counter() - start
        start = time.perf_counter()
        loaded = engine.load(SLUG)
        build_s = time.perf_counter() - start
        docs = [doc_of[e.id] for e in loaded.index.entries]
        columns = {name: FEATURES.index(feature) for name, feature in BASELINES.items()}

        engine_hits: list[list[bool]] = []
        baseline_hits: dict[str, list[list[bool]]] = {name: [] for name in columns}
        answered: list[bool] = []
        scoring_s = 0.0
        for qid in query_ids:
            start = time.perf_counter()
            _, scored = engine.score(SLUG, engine.check_question(queries[qid]))
            ranked = engine.calibration.rank(
                scored.features, loaded.index.offerable
            )  # as `ask` does
            scoring_s += time.perf_counter() - start
            engine_hits.append(hits(ranked.order, docs, relevant[qid]))
            answered.append(ranked.confidence >= engine.threshold)
            for name, column in columns.items():
                baseline_hits[name].append(
                    hits(ranking(scored.features[:, column]), docs, relevant[qid])
                )
        desk.db.dispose()

    n = len(query_ids)
    print(
        f"import: {import_s:.2f} s ({result.format}, {result.added} added, unchanged={result.unchanged})"
    )
    print(f"model load: {model_s:.2f} s")
    print(f"index build: {build_s:.2f} s (cache {settings.cache_dir})")
    print(f"per query: {1000 * scoring_s / max(n, 1):.1f} ms mean (features + rank + decide)")
    for name, rows in baseline_hits.items():
        print(report(name, rows))
    print(report("engine (rank model)", engine_hits))
    n_answered = sum(answered)
    right = sum(h[0] for h, a in zip(engine_hits, answered, strict=True) if a)
    print(
        f"answer rate at threshold {engine.threshold:.3f}: {n_answered / max(n, 1):.3f} ({n_answered}/{n})"
    )
    print(f"Hit@1 among answered: {right / max(n_answered, 1):.3f} ({right}/{n_answered})")
    figures = [sum(h[i] for h in engine_hits) / max(n, 1) for i in range(len(KS))]
    print(" ".join(f"Hit@{k}={v:.3f}" for k, v in zip(KS, figures, strict=True)))


if __name__ == "__main__":
    main()
