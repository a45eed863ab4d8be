# ruff: noqa: E402
"""HTTP throughput and latency of `POST /api/v1/incidents/{slug}/ask` under load.

Imports the five seeds into a fresh database (SQLite file, and/or a private schema on the
PostgreSQL server), starts `breachdesk serve --workers N` on loopback with the public rate limit
off, and drives it with `wrk` (Debian package `wrk`) at C concurrent connections for D seconds,
cycling through the development questions (read at run time from ../shared/eval). Two workloads:
`repeated` sends the 133 questions as they are (after the first round, each worker answers them
from its cache of recent identical questions), `unique` appends a distinct number to every
question so that every request is a full engine run. Every request is logged to the review
queue and the inquiry desk like a real one. Prints answers/s and the latency percentiles wrk
measured; asserts nothing.

    .venv/bin/python bench/http.py [--db sqlite,postgresql] [--workers 2] [--connections 32]
                                    [--duration 20]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named http.py; as a script, its folder comes first on sys.path and would shadow
# the standard library's `http` package that urllib needs.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SLUGS = {
    "000": "tottori",
    "001": "moneysquare",
    "002": "cellcellar",
    "003": "kokocoupon",
    "004": "jrc",
}
POSTGRES = os.environ.get(
    "BREACHDESK_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SCHEMA = "bench_http"
TARGETS = {
    "repeated": "(target ≥1,000/s, p99 ≤100 ms)",
    "unique": "(target ≥300/s, p99 ≤200 ms)",
}

LUA = r"""
local bodies = {}
local paths = {}
for line in io.lines("%(questions)s") do
  local tab = line:find("\t")
  paths[#paths + 1] = "/api/v1/incidents/" .. line:sub(1, tab - 1) .. "/ask"
  bodies[#bodies + 1] = line:sub(tab + 1)
end
local i = 0
local n = 0
local unique = %(unique)s
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  i = i %% #bodies + 1
  n = n + 1
  local suffix = ""
  if unique then suffix = string.format("（%%d-%%d）", math.random(1, 1000000000), n) end
  local body = '{"question":"' .. bodies[i] .. suffix .. '"}'
  return wrk.format("POST", paths[i], {["Content-Type"] = "application/json"}, body)
end
local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
done = function(summary, latency, requests)
  io.write(string.format("LAT p50=%%.2f p90=%%.2f p99=%%.2f max=%%.2f\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("REQ total=%%d errors=%%d non2xx=%%d\n", summary.requests,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def prepare_postgres() -> str:
    import psycopg

    plain = POSTGRES.replace("+psycopg", "")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{SCHEMA}"')
    return f"{POSTGRES}?options=-csearch_path%3D{SCHEMA}"


def drop_postgres() -> None:
    import psycopg

    with psycopg.connect(POSTGRES.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')


def wait_ready(port: int, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/incidents", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"server on port {port} did not come up in {timeout:.0f} s")


def run_one(
    kind: str, args: argparse.Namespace, seeds: Path, work: Path, unique: bool
) -> dict[str, float]:
    url = str(work / "http.db") if kind == "sqlite" else prepare_postgres()
    env = {
        **os.environ,
        "BREACHDESK_DB": url,
        "BREACHDESK_RATE_LIMIT_PER_MINUTE": "0",
        "BREACHDESK_CACHE_DIR": str(args.cache_dir),
    }
    exe = [str(Path(sys.executable).with_name("breachdesk"))]
    for path in sorted(seeds.glob("0*.txt")):
        slug = SLUGS.get(path.name[:3])
        if slug:
            subprocess.run(
                [*exe, "import", str(path), "--incident", slug],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
    port = free_port()
    server = subprocess.Popen(
        [*exe, "serve", "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_ready(port)
        script = work / "ask.lua"
        script.write_text(
            LUA % {"questions": args.question_lines, "unique": "true" if unique else "false"},
            encoding="utf-8",
        )
        # A warm-up so that every worker has built every index before measuring and, for the
        # repeated workload, has answered every question once: with e5 in the answer a worker's
        # first round of the 133 questions alone takes several seconds.
        subprocess.run(
            [
                "wrk",
                "-t2",
                "-c8",
                f"-d{3 if unique else args.warm_up}s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        out = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.duration}s",
                "--timeout",
                "5s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
        if kind == "postgresql":
            drop_postgres()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"(p50|p90|p99|max)=([\d.]+)", out))
    req = dict(re.findall(r"(total|errors|non2xx)=(\d+)", out))
    return {
        "rps": rps,
        **{k: float(v) for k, v in lat.items()},
        **{k: float(v) for k, v in req.items()},
    }


def in_process(args: argparse.Namespace, seeds: Path, work: Path) -> None:
    """The same questions answered by `Desk.ask` in this process, one at a time: what a
    request costs before HTTP, JSON, logging and a second worker are added."""
    os.environ.setdefault("BREACHDESK_CACHE_DIR", str(args.cache_dir))
    from breachdesk.config import Settings
    from breachdesk.desk import Desk

    desk = Desk(Settings(db=str(work / "inprocess.db")))
    for path in sorted(seeds.glob("0*.txt")):
        if slug := SLUGS.get(path.name[:3]):
            desk.import_documents(slug, [path])
    desk.warm_up()
    questions = [
        (q["incident"], q["question"])
        for q in map(json.loads, args.questions.read_text(encoding="utf-8").splitlines())
        if q.get("incident") in SLUGS.values()
    ]
    for slug, question in questions:  # the first round fills the cache of recent answers
        desk.ask(slug, question)
    for mode in ("repeated", "unique"):
        took = []
        for n in range(3):
            for i, (slug, question) in enumerate(questions):
                text = f"{question}（{n}-{i}）" if mode == "unique" else question
                started = time.perf_counter()
                desk.ask(slug, text)
                took.append((time.perf_counter() - started) * 1000)
        took.sort()
        mean = sum(took) / len(took)
        print(
            f"in-process {mode:<8} mean={mean:.2f}ms p50={took[len(took) // 2]:.2f}ms "
            f"p99={took[int(len(took) * 0.99)]:.2f}ms  (one thread: {1000 / mean:.0f} answers/s)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument(
        "--seeds", type=Path, default=Path(os.environ.get("BREACHDESK_SEEDS", SHARED / "seeds"))
    )
    parser.add_argument("--questions", type=Path, default=SHARED / "eval" / "dev_questions.jsonl")
    parser.add_argument("--cache-dir", type=Path, default=REPO / ".cache")
    parser.add_argument(
        "--warm-up", type=int, default=20, help="seconds of repeated questions before measuring"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        lines = work / "questions.tsv"
        with lines.open("w", encoding="utf-8") as out:
            for raw in args.questions.read_text(encoding="utf-8").splitlines():
                if raw.strip():
                    q = json.loads(raw)
                    text = json.dumps(q["question"], ensure_ascii=False)[1:-1]
                    out.write(f"{q['incident']}\t{text}\n")
        args.question_lines = lines
        print(
            f"POST /api/v1/incidents/{{slug}}/ask, {args.workers} workers, "
            f"{args.connections} connections, {args.duration} s, {os.cpu_count()} CPUs"
        )
        in_process(args, args.seeds, work)
        for kind in args.db.split(","):
            for unique in (False, True):
                r = run_one(kind, args, args.seeds, work, unique)
                mode = "unique" if unique else "repeated"
                print(
                    f"{kind:<10} {mode:<8} answers/s={r['rps']:.0f} p50={r['p50']:.1f}ms p90={r['p90']:.1f}ms "
                    f"p99={r['p99']:.1f}ms max={r['max']:.1f}ms requests={r['total']:.0f} "
                    f"errors={r['errors']:.0f} non2xx={r['non2xx']:.0f}   {TARGETS[mode]}"
                )


if __name__ == "__main__":
    main()
