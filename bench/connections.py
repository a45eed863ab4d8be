# ruff: noqa: E402
"""PostgreSQL connections one web node holds, idle and under load: for sizing `max_connections`.

Makes a private schema on the PostgreSQL server, migrates it (`breachdesk migrate`), imports the
fictional demo incident, starts `breachdesk serve --workers W` on loopback and drives it with C
concurrent clients for D seconds (two asks with distinct wording for each page view, every ask
logged, the public rate limit on but high enough to refuse nothing, so its counts are written
as in production). Samples the node's established connections to the server (`ss`, the node's
process group) five times a second and prints the number after start-up, the peak under load
and the number left open afterwards (what the pools keep). docs/deployment.md gives figures.
Asserts nothing.

    .venv/bin/python bench/connections.py [--workers 2] [--clients 64] [--duration 15]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/http.py would shadow the standard library's `http` package (which httpx needs) when this
# script's folder comes first on sys.path.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import os
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from urllib.parse import quote

import httpx
import psycopg

from breachdesk.demo import DEMO_SLUG, demo_files

BIN = Path(sys.executable).parent
POSTGRES = os.environ.get(
    "BREACHDESK_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
QUESTIONS = ("再発行の手数料はかかりますか", "いつ発覚したんですか", "対象かどうか知りたい")


def node_connections(group: int) -> int:
    """Established connections to PostgreSQL's port owned by the processes of `group`."""
    pids = subprocess.run(["ps", "-o", "pid=", "-g", str(group)], capture_output=True, text=True)
    ours = {f"pid={p}," for p in pids.stdout.split()}
    sockets = subprocess.run(
        ["ss", "-tnpH", "state", "established", "( dport = :5432 )"],
        capture_output=True,
        text=True,
    ).stdout
    return sum(1 for line in sockets.splitlines() if any(p in line for p in ours))


def drive(
    url: str, clients: int, seconds: float
) -> tuple[list[threading.Thread], list[int], list[int]]:
    """Start C clients for `seconds`: their threads, and per client the requests made and how
    many were not answered 200 (filled in as they run)."""
    stop = time.monotonic() + seconds
    made = [0] * clients
    failed = [0] * clients

    def client(i: int) -> None:
        with httpx.Client(timeout=120) as http:
            k = 0
            while time.monotonic() < stop:
                k += 1
                if k % 3 == 0:
                    response = http.get(f"{url}/i/{DEMO_SLUG}")
                else:
                    question = f"{QUESTIONS[k % len(QUESTIONS)]}（{i}-{k}）"
                    response = http.post(
                        f"{url}/api/v1/incidents/{DEMO_SLUG}/ask", json={"question": question}
                    )
                made[i] += 1
                failed[i] += response.status_code != 200

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    return threads, made, failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=15.0)
    parser.add_argument("--port", type=int, default=8790)
    args = parser.parse_args()

    plain = POSTGRES.replace("+psycopg", "")
    schema = f"bench_conn_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    work = Path(tempfile.mkdtemp(prefix="bench-connections-"))
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(work),
        "BREACHDESK_DB": f"{POSTGRES}?options={quote(f'-csearch_path={schema}')}",
        "BREACHDESK_CACHE_DIR": str(work / "cache"),
        "BREACHDESK_RATE_LIMIT_PER_MINUTE": "1000000",
    }
    cli = str(BIN / "breachdesk")
    node: subprocess.Popen[bytes] | None = None
    try:
        subprocess.run([cli, "migrate"], env=env, check=True, capture_output=True)
        files = [str(p) for p in demo_files()]
        subprocess.run(
            [cli, "import", *files, "--incident", DEMO_SLUG],
            env=env,
            check=True,
            capture_output=True,
        )
        with (work / "node.log").open("wb") as log:
            node = subprocess.Popen(
                [cli, "serve", "--port", str(args.port), "--workers", str(args.workers)],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{args.port}"
        deadline = time.monotonic() + 300
        while True:
            try:
                if httpx.get(f"{url}/openapi.json", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if node.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the node did not start; see {work / 'node.log'}")
            time.sleep(0.5)
        idle = node_connections(node.pid)
        threads, made, failed = drive(url, args.clients, args.duration)
        peak = 0
        while any(t.is_alive() for t in threads):
            peak = max(peak, node_connections(node.pid))
            time.sleep(0.2)
        after = node_connections(node.pid)
        print(
            f"serve --workers {args.workers}, {args.clients} clients for {args.duration:g} s: "
            f"{sum(made)} requests ({sum(failed)} not 200); PostgreSQL connections: "
            f"{idle} after start-up, peak {peak}, {after} kept open afterwards"
        )
    finally:
        if node is not None and node.poll() is None:
            os.killpg(node.pid, signal.SIGTERM)
            node.wait(timeout=60)
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
