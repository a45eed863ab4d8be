"""Two real servers (`breachdesk serve`, two processes) on one database share every limit: one
address gets one public rate limit, one user name one login throttle, one identifier one
self-check limit — not one each. On PostgreSQL (one schema) as several servers run, and on one
SQLite file as several workers of one server do.

Both servers sit behind the same "proxy" (this test, from 127.0.0.1, a trusted proxy) that names
the client in X-Forwarded-For, so both see the address the proxy saw (`client_address`).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from breachdesk.auth import service as auth
from breachdesk.config import Settings
from breachdesk.db import Database, open_database
from breachdesk.db.tables import RegisterCheck
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.register.crypto import new_master_key
from breachdesk.register.sample import people, write_csv
from breachdesk.web.login import LOGIN_CSRF
from breachdesk.web.register_public import CHECK_CSRF
from pg_schema import POSTGRES_URL, empty_schema

T = TypeVar("T")
BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery"
ASK = f"/api/v1/incidents/{DEMO_SLUG}/ask"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def database_setting(db: Database) -> str:
    """The `db` setting naming the test's database (its PostgreSQL schema in the URL)."""
    if db.is_sqlite or not db.schema:
        return db.url
    return f"{db.url}?options={quote(f'-csearch_path={db.schema}')}"


@dataclass
class Servers:
    urls: list[str]
    db: Database
    mails: list[str]  # the listed people's mail addresses

    def post(self, n: int, path: str, client: str, **kwargs: object) -> httpx.Response:
        """A request through the "proxy" to server `n % 2` on behalf of `client`."""
        headers = {"X-Forwarded-For": client, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
        return httpx.post(
            self.urls[n % 2] + path,
            headers=headers,
            timeout=60,
            **kwargs,  # type: ignore[arg-type]
        )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_problem: str | None,
) -> Iterator[Database]:
    """One database for the module's two servers: a SQLite file, or a PostgreSQL schema."""
    if request.param == "sqlite":
        database = open_database(str(tmp_path_factory.mktemp("servers") / "shared.db"))
        yield database
        database.dispose()
        return
    with empty_schema(postgres_problem) as schema:
        database = open_database(POSTGRES_URL, schema=schema)
        try:
            yield database
        finally:
            database.dispose()


@pytest.fixture(scope="module")
def servers(store: Database, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Two `breachdesk serve` processes on `store`, with the demo incident, its register and a
    console user; the tests use addresses, names and identifiers of their own."""
    folder = tmp_path_factory.mktemp("serving")
    master = new_master_key()
    crowd = list(people(20, seed=11))
    register_csv = folder / "affected.csv"
    register_csv.write_bytes(write_csv(crowd))
    setting = database_setting(store)
    settings = Settings(
        db=setting,
        dense_model="none",
        ranker_model="none",
        cache_dir=folder / "cache",
        master_key=SecretStr(master),
    )
    desk = Desk(settings, db=Database(store.url, schema=store.schema))
    desk.import_documents(DEMO_SLUG, demo_files())
    desk.register.import_file(DEMO_SLUG, register_csv, actor="setup")
    for name in ("eri", "ken"):
        auth.create_user(desk.db, name, PASSWORD, "editor")
    desk.db.dispose()
    env = {
        **os.environ,
        "BREACHDESK_DB": setting,
        "BREACHDESK_DENSE_MODEL": "none",
        "BREACHDESK_RANKER_MODEL": "none",
        "BREACHDESK_CACHE_DIR": str(folder / "cache"),
        "BREACHDESK_MASTER_KEY": master,
        # 1 a minute: the burst (10) is the whole allowance while the tests run.
        "BREACHDESK_RATE_LIMIT_PER_MINUTE": "1",
        # A loaded test machine must not let a request through for a slow count.
        "BREACHDESK_RATE_LIMIT_WAIT_MS": "30000",
        "BREACHDESK_TRUSTED_PROXIES": "127.0.0.1",
    }
    ports = [free_port(), free_port()]
    logs = [(folder / f"server{n}.log").open("w", encoding="utf-8") for n in range(2)]
    processes = [
        subprocess.Popen(
            [str(BIN / "breachdesk"), "serve", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for port, log in zip(ports, logs, strict=True)
    ]
    urls = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        deadline = time.monotonic() + 120
        for url, process in zip(urls, processes, strict=True):
            while True:
                try:
                    httpx.get(url + "/openapi.json", timeout=2)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        pytest.fail("a server did not start: " + read_logs(folder))
                    time.sleep(0.3)
        for n in range(2):  # each server answers once (its index built) before any count
            warm = httpx.post(
                urls[n] + ASK,
                json={"question": "補償はありますか"},
                headers={"X-Forwarded-For": f"198.51.100.{200 + n}"},
                timeout=60,
            )
            assert warm.status_code == 200, warm.text
        yield Servers(urls, store, [p.mail for p in crowd])
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)
        for log in logs:
            log.close()


def read_logs(folder: Path) -> str:
    return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(folder.glob("*.log")))


def test_one_address_gets_one_rate_limit_across_two_servers(servers: Servers) -> None:
    codes = [
        servers.post(n, ASK, "198.51.100.7", json={"question": "補償はありますか"}).status_code
        for n in range(16)  # 8 to each server, alternately
    ]
    # Per process it would have been 16 × 200 (8 on each, under each one's burst of 10).
    assert codes.count(200) == 10 and codes[:10] == [200] * 10
    assert codes[10:] == [429] * 6
    refused = servers.post(0, ASK, "198.51.100.7", json={"question": "補償はありますか"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    # Another address behind the same proxy has its own limit, on either server.
    assert [
        servers.post(n, ASK, "198.51.100.8", json={"question": "補償は"}).status_code
        for n in range(2)
    ] == [200, 200]


def test_wrong_passwords_across_two_servers_lock_the_name_after_five_in_all(
    servers: Servers,
) -> None:
    token = "t" * 24

    def login(n: int, password: str) -> int:
        return servers.post(
            n,
            "/console/login",
            f"203.0.113.{n}",  # another address each time: the name's limit is the one met
            data={"username": "eri", "password": password, "csrf_token": token},
            headers={"Cookie": f"{LOGIN_CSRF}={token}"},
            follow_redirects=False,
        ).status_code

    codes = [login(n, f"wrong guess {n}") for n in range(8)]
    assert codes == [401] * 5 + [429] * 3
    assert [login(n, PASSWORD) for n in range(2)] == [429, 429]  # on both servers


def test_self_checks_of_one_identifier_across_two_servers_share_its_limit(
    servers: Servers,
) -> None:
    token = "c" * 24
    codes = [
        servers.post(
            n,
            f"/i/{DEMO_SLUG}/check",
            f"192.0.2.{n}",
            data={
                "kind": "mail",
                "identifier": servers.mails[0],
                "fact_kind": "postal",
                "fact": "000-0000",  # a wrong fact: each try is a miss
                "csrf_token": token,
            },
            headers={"Cookie": f"{CHECK_CSRF}={token}"},
        ).status_code
        for n in range(8)
    ]
    assert codes == [200] * 8  # the same answer whatever happened
    assert checks_of(servers, "192.0.2.") == 5  # 5 per identifier and hour, in all


def checks_of(servers: Servers, prefix: str) -> int:
    """The self-checks written for requests from the addresses starting with `prefix`."""
    with servers.db.read() as s:
        found = s.scalar(
            select(func.count())
            .select_from(RegisterCheck)
            .where(RegisterCheck.address.startswith(prefix))
        )
    return int(found or 0)


# --- at once: requests that reach both servers in the same moment ----------------------------


def at_once(count: int, work: Callable[[int], T]) -> list[T]:
    gate = threading.Barrier(count)

    def run(i: int) -> T:
        gate.wait()
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_requests_at_once_on_both_servers_get_one_burst_in_all(servers: Servers) -> None:
    codes = at_once(
        16,
        lambda n: (
            servers.post(n, ASK, "198.51.100.9", json={"question": "補償はありますか"}).status_code
        ),
    )
    assert sorted(codes) == [200] * 10 + [429] * 6


def test_wrong_passwords_at_once_on_both_servers_are_checked_five_times_in_all(
    servers: Servers,
) -> None:
    token = "u" * 24
    codes = at_once(
        10,
        lambda n: (
            servers.post(
                n,
                "/console/login",
                f"203.0.113.{100 + n}",
                data={"username": "ken", "password": f"wrong guess {n}", "csrf_token": token},
                headers={"Cookie": f"{LOGIN_CSRF}={token}"},
                follow_redirects=False,
            ).status_code
        ),
    )
    assert sorted(codes) == [401] * 5 + [429] * 5
