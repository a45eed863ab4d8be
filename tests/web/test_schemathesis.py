"""schemathesis against the OpenAPI document of a live server with the seeds loaded: no 5xx.

The server is a real `breachdesk serve` process on loopback (SQLite, public rate limit off so
the fuzzer reaches every route); requests carry an admin API token so that the console's
automation routes are fuzzed too, not just refused.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.seeds, pytest.mark.slow]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_no_server_errors_under_schemathesis(seeds: dict[str, Path], tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BREACHDESK_DB": str(tmp_path / "fuzz.db"),
        "BREACHDESK_RATE_LIMIT_PER_MINUTE": "0",
        "BREACHDESK_LOGIN_MAX_FAILURES": "1000",
    }
    cli = str(BIN / "breachdesk")
    for slug, path in seeds.items():
        subprocess.run([cli, "import", str(path), "--incident", slug], env=env, check=True)
    token = subprocess.run(
        [cli, "token", "add", "fuzzer", "--role", "admin"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()[-1]
    port = free_port()
    # The server's log goes to a file: a pipe nobody reads would fill and stall the server.
    log = (tmp_path / "server.log").open("w", encoding="utf-8")
    server = subprocess.Popen(
        [cli, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/openapi.json", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail("the server did not start")
                time.sleep(0.5)
        run = subprocess.run(
            [
                str(BIN / "schemathesis"),
                "run",
                f"http://127.0.0.1:{port}/openapi.json",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                os.environ.get("BREACHDESK_FUZZ_EXAMPLES", "25"),
                "--seed",
                os.environ.get("BREACHDESK_FUZZ_SEED", "20261124"),
                "--workers",
                "1",
                "--max-time",
                os.environ.get("BREACHDESK_FUZZ_SECONDS", "90"),
                "-H",
                f"Authorization: Bearer {token}",
                "--suppress-health-check",
                "all",
                "--warnings",
                "off",
            ],
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    errors = (tmp_path / "server.log").read_text(encoding="utf-8", errors="replace")
    assert run.returncode == 0, run.stdout[-6000:] + "\n--- server stderr ---\n" + errors[-4000:]
