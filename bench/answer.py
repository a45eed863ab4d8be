"""Answer-engine performance on the development set: cold start, latency, throughput, memory.

Imports the five seed documents (from `$BREACHDESK_SEEDS` or `<repo>/../shared/seeds`; they are
not in the repository) into a temporary SQLite database, then measures model loading, index
builds with an empty and a warm embedding cache, a cold start in a fresh process, warm `ask`
latency over `../shared/eval/dev_questions.jsonl`, batch throughput and peak RSS.

    .venv/bin/python bench/answer.py [--seeds DIR] [--questions FILE] [--passes 3]

Prints one figure per line with its target beside it; asserts nothing. The last line is a summary.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from breachdesk.answer.evaluation import read_questions
from breachdesk.config import Settings
from breachdesk.desk import Desk
from breachdesk.text.encoders import UseEncoder
from breachdesk.text.tokens import default_tokenizer

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SLUGS = {
    "000": "tottori",
    "001": "moneysquare",
    "002": "cellcellar",
    "003": "kokocoupon",
    "004": "jrc",
}

# A fresh interpreter that builds a desk and answers one question, then prints the wall clock.
COLD_START = """\
import sys, time
from pathlib import Path
from breachdesk.config import Settings
from breachdesk.desk import Desk
desk = Desk(Settings(db=sys.argv[1], cache_dir=Path(sys.argv[2])))
desk.ask(sys.argv[3], sys.argv[4])
print(time.time())
"""


def seed_files(folder: Path) -> dict[str, Path]:
    """The seed document of each slug; exits when one is missing."""
    files = {}
    for prefix, slug in SLUGS.items():
        found = sorted(folder.glob(f"{prefix}_*.txt"))
        if not found:
            sys.exit(
                f"seed {prefix} ({slug}) not found in {folder}; set BREACHDESK_SEEDS or --seeds"
            )
        files[slug] = found[0]
    return files


def figure(name: str, value: float, unit: str, target: str = "") -> None:
    """One `name: value unit` line, with the target beside it when there is one."""
    shown = f"{value:.3f}" if unit == "s" else f"{value:.1f}"
    print(f"{name}: {shown} {unit}" + (f"  (target {target})" if target else ""))


def build_indexes(desk: Desk) -> float:
    """Seconds to build the index of every seed incident on a fresh engine."""
    start = time.perf_counter()
    for slug in SLUGS.values():
        desk.engine.load(slug)
    return time.perf_counter() - start


def cold_start(db: str, cache_dir: Path, slug: str, question: str) -> float:
    """Seconds from starting a fresh Python process to its first answer."""
    argv = [sys.executable, "-c", COLD_START, db, str(cache_dir), slug, question]
    start = time.time()
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"the cold-start process failed:\n{done.stderr}")
    return float(done.stdout.split()[-1]) - start


def ask_latencies(desk: Desk, asks: list[tuple[str, str]], passes: int) -> NDArray[np.float64]:
    """Milliseconds per `ask`, warm (after one untimed pass), over `passes` passes. With the
    desk's answer cache off every pass does the engine's whole work; with it on, the timed
    passes are cache hits."""
    for slug, question in asks:
        desk.ask(slug, question)
    times = []
    for _ in range(passes):
        for slug, question in asks:
            start = time.perf_counter()
            desk.ask(slug, question)
            times.append(1000 * (time.perf_counter() - start))
    return np.array(times)


def peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def main() -> None:
    default_seeds = os.environ.get("BREACHDESK_SEEDS") or str(SHARED / "seeds")
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=Path, default=Path(default_seeds), help="seed folder")
    parser.add_argument(
        "--questions", type=Path, default=SHARED / "eval" / "dev_questions.jsonl", help="JSONL file"
    )
    parser.add_argument("--passes", type=int, default=3, help="timed passes over the questions")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold-start processes (median)")
    args = parser.parse_args()

    seeds = seed_files(args.seeds)
    if not args.questions.is_file():
        sys.exit(f"question file not found: {args.questions}")
    questions = list(read_questions(args.questions))
    asks = [(q.incident, q.question) for q in questions if q.incident]
    if len(asks) != len(questions):
        sys.exit(f"{args.questions}: every question needs an incident")
    print(
        f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} (timings are noisy when busy)"
    )

    with tempfile.TemporaryDirectory(prefix="bench-answer-") as tmp:
        folder = Path(tmp)
        settings = Settings(db=str(folder / "bench.db"), cache_dir=folder / "cache")
        start = time.perf_counter()
        importer = Desk(settings)
        for slug, path in seeds.items():
            importer.import_documents(slug, [path])
        figure("import_five_seeds", time.perf_counter() - start, "s")

        start = time.perf_counter()
        tokenizer = default_tokenizer()
        tokenizer("辞書を読み込む")
        figure("model_load_sudachi", time.perf_counter() - start, "s")
        start = time.perf_counter()
        encoder = UseEncoder()
        encoder.encode(["モデルを読み込む"])  # USE loads its weights on first use
        figure("model_load_use", time.perf_counter() - start, "s")

        first = Desk(settings, tokenizer=tokenizer, encoder=encoder)
        figure("index_build_cold_cache", build_indexes(first), "s")
        first.db.dispose()
        # The engine's own work: the recent-answer cache is off, so no timed ask is a hit.
        uncached = settings.model_copy(update={"answer_cache_size": 0})
        desk = Desk(uncached, tokenizer=tokenizer, encoder=encoder)
        figure("index_build_warm_cache", build_indexes(desk), "s")

        runs = sorted(
            cold_start(settings.db, settings.cache_dir, *asks[0]) for _ in range(args.cold_runs)
        )
        cold = float(np.median(runs))
        figure(
            "cold_start",
            cold,
            "s",
            f"≤ 3 s; median of {len(runs)}, warm cache: {', '.join(f'{r:.2f}' for r in runs)}",
        )

        ms = ask_latencies(desk, asks, args.passes)
        p50, p90, p99 = (float(np.percentile(ms, p)) for p in (50, 90, 99))
        print(f"ask_samples: {len(ms)} ({len(asks)} questions x {args.passes} passes, warm)")
        figure("ask_p50", p50, "ms", "≤ 15 ms (USE, e5, readings, intents and the decider)")
        figure("ask_p90", p90, "ms")
        figure("ask_p99", p99, "ms", "≤ 40 ms")
        figure("ask_max", float(ms.max()), "ms")

        start = time.perf_counter()
        desk.ask_questions(questions)
        figure("batch_throughput", len(questions) / (time.perf_counter() - start), "questions/s")
        desk.db.dispose()

        cached = Desk(settings, tokenizer=tokenizer, encoder=encoder)
        build_indexes(cached)
        hits = ask_latencies(cached, asks, args.passes)
        figure("cache_hit_p50", float(np.percentile(hits, 50)), "ms", "the recent-answer cache")
        figure("cache_hit_p99", float(np.percentile(hits, 99)), "ms")
        cached.db.dispose()

    rss = peak_rss_mb(resource.RUSAGE_SELF)
    figure("peak_rss_bench_process", rss, "MB", "≤ 600 MB")
    figure("peak_rss_cold_start_process", peak_rss_mb(resource.RUSAGE_CHILDREN), "MB", "≤ 600 MB")
    print(f"p50={p50:.1f}ms p99={p99:.1f}ms cold_start={cold:.2f}s rss={rss:.0f}MB")


if __name__ == "__main__":
    main()
