"""No enumeration through the self-check: listed and unlisted identifiers get byte-identical
answers, and their response times come from one distribution.

The statistical test is stated here: a two-sided Mann–Whitney U test (normal approximation,
no ties in practice) of the response times of 250 listed and 250 unlisted requests, sent in
one random interleaved order after a warm-up; the null hypothesis (same distribution) must not
be rejected at α = 0.001. Listed people have the fact right, so each of them is sent a mail
(through a real SMTP server on loopback), as in production.
"""

from __future__ import annotations

import math
import random
import time
from pathlib import Path

from fastapi.testclient import TestClient
from register_support import SLUG, DeskMaker, Inbox, form_token

from breachdesk.register.sample import Person, people, write_csv
from breachdesk.web.app import create_app

N = 250
ALPHA = 0.001


def mann_whitney_p(a: list[float], b: list[float]) -> float:
    """Two-sided p-value of the Mann–Whitney U test, normal approximation with tie correction."""
    ranked = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    ranks = [0.0] * len(ranked)
    i = 0
    ties = 0.0
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        t = j - i + 1
        ties += t**3 - t
        i = j + 1
    n1, n2 = len(a), len(b)
    r1 = sum(r for r, (_, group) in zip(ranks, ranked, strict=True) if group == 0)
    u = r1 - n1 * (n1 + 1) / 2
    n = n1 + n2
    sigma = math.sqrt(n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))))
    z = (u - n1 * n2 / 2) / sigma
    return math.erfc(abs(z) / math.sqrt(2))


def test_the_mann_whitney_helper_tells_shifted_samples_apart() -> None:
    rng = random.Random(3)
    same = [rng.gauss(0, 1) for _ in range(300)], [rng.gauss(0, 1) for _ in range(300)]
    shifted = [rng.gauss(0, 1) for _ in range(300)], [rng.gauss(0.5, 1) for _ in range(300)]
    assert mann_whitney_p(*same) > 0.01
    assert mann_whitney_p(*shifted) < 1e-6


def test_listed_and_unlisted_get_identical_bytes_in_indistinguishable_time(
    make_desk: DeskMaker, smtp_server: Inbox, tmp_path: Path
) -> None:
    desk = make_desk(
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_starttls=False,
        register_check_limit=100_000,
    )
    listed = list(people(N, seed=11, start=100_000))
    extra = tmp_path / "listed.csv"
    extra.write_bytes(write_csv(listed))
    desk.register.import_file(SLUG, extra)
    unlisted = list(people(N, seed=12, start=900_000))  # never imported
    client = TestClient(create_app(desk.settings, desk=desk), base_url="https://testserver")

    desk.register.outbox.delay = (0.0, 0.05)  # production spreads sends over up to a second
    token = form_token(client)

    def form(p: Person, fact: str) -> dict[str, str]:
        return {
            "kind": "mail",
            "identifier": p.mail,
            "fact_kind": "postal",
            "fact": fact,
            "csrf_token": token,
        }

    for p in unlisted[:20]:  # warm-up: templates, statement caches
        client.post(f"/i/{SLUG}/check", data=form(p, p.postal))
    requests = [("listed", form(p, p.postal)) for p in listed] + [
        ("unlisted", form(p, p.postal)) for p in unlisted
    ]
    random.Random(5).shuffle(requests)
    times: dict[str, list[float]] = {"listed": [], "unlisted": []}
    bodies: dict[str, set[bytes]] = {"listed": set(), "unlisted": set()}
    headers: dict[str, set[tuple[tuple[str, str], ...]]] = {"listed": set(), "unlisted": set()}
    for group, data in requests:
        started = time.perf_counter()
        response = client.post(f"/i/{SLUG}/check", data=data)
        times[group].append(time.perf_counter() - started)
        bodies[group].add(response.content)
        headers[group].add(tuple(sorted(response.headers.items())))
    assert bodies["listed"] == bodies["unlisted"] and len(bodies["listed"]) == 1
    assert headers["listed"] == headers["unlisted"] and len(headers["listed"]) == 1
    p = mann_whitney_p(times["listed"], times["unlisted"])
    median = {g: sorted(t)[len(t) // 2] * 1000 for g, t in times.items()}
    print(f"self-check median ms {median}, Mann–Whitney p = {p:.3f}")
    assert p > ALPHA, (p, median)
    desk.register.outbox.join()
    assert len(smtp_server.mails) == N  # every listed person was sent a mail, nobody else


def test_a_wrong_code_takes_as_long_for_a_listed_person_with_a_code_as_for_anyone_else(
    make_desk: DeskMaker, tmp_path: Path
) -> None:
    """The code page told a listed person with an unused code apart by ~0.3 ms (p < 0.01): a
    wrong try updated their code's row and nobody else's. Both paths now do the same work."""
    desk = make_desk(register_check_limit=100_000)
    listed = list(people(N, seed=13, start=200_000))
    extra = tmp_path / "coded.csv"
    extra.write_bytes(write_csv(listed))
    desk.register.import_file(SLUG, extra)
    for p in listed:  # each has an SMS code waiting (the message itself is not sent here)
        sent = desk.register.selfcheck.check(
            SLUG, kind="phone", identifier=p.phone, fact_kind="postal", fact=p.postal, address="s"
        )
        assert sent is not None and sent.channel == "sms"
    unlisted = list(people(N, seed=14, start=800_000))
    client = TestClient(create_app(desk.settings, desk=desk), base_url="https://testserver")
    token = form_token(client, f"/i/{SLUG}/check/code")

    def form(p: Person) -> dict[str, str]:
        return {"kind": "phone", "identifier": p.phone, "code": "00000000", "csrf_token": token}

    for p in people(20, seed=15, start=900_000):  # warm-up
        client.post(f"/i/{SLUG}/check/code", data=form(p))
    requests = [("listed", form(p)) for p in listed] + [("unlisted", form(p)) for p in unlisted]
    random.Random(6).shuffle(requests)
    times: dict[str, list[float]] = {"listed": [], "unlisted": []}
    bodies: dict[str, set[bytes]] = {"listed": set(), "unlisted": set()}
    for group, data in requests:
        started = time.perf_counter()
        response = client.post(f"/i/{SLUG}/check/code", data=data)
        times[group].append(time.perf_counter() - started)
        bodies[group].add(response.content)
        assert response.status_code == 404
    assert bodies["listed"] == bodies["unlisted"] and len(bodies["listed"]) == 1
    p = mann_whitney_p(times["listed"], times["unlisted"])
    median = {g: sorted(t)[len(t) // 2] * 1000 for g, t in times.items()}
    print(f"code page median ms {median}, Mann–Whitney p = {p:.3f}")
    assert p > ALPHA, (p, median)
