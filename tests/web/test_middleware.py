"""Request logging without personal data, public rate limits, body-size limits."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.web.app import create_app
from breachdesk.web.middleware import RateLimit


def make_client(tmp_path: Path, **overrides: object) -> TestClient:
    settings = Settings(
        db=str(tmp_path / "web.db"),
        dense_model="none",
        cache_dir=tmp_path / "cache",
        **overrides,  # type: ignore[arg-type]
    )
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    return TestClient(create_app(settings, desk=desk))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    yield make_client(tmp_path)


def test_one_log_line_per_request_without_card_phone_or_mail(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    question = "カード4111111111111111と090-1234-5678とaki@example.jpについて"
    with caplog.at_level(logging.INFO, logger="breachdesk.access"):
        client.get(f"/i/{DEMO_SLUG}", params={"q": question})
        client.post(f"/api/v1/incidents/{DEMO_SLUG}/ask", json={"question": question})
    lines = [r.getMessage() for r in caplog.records if r.name == "breachdesk.access"]
    assert len(lines) == 2
    text = "\n".join(lines)
    for secret in ("4111111111111111", "1234-5678", "aki@example.jp"):
        assert secret not in text
    assert "[カード番号]" in lines[0]
    assert f"/api/v1/incidents/{DEMO_SLUG}/ask" in lines[1] and " 200 " in lines[1]


def test_public_requests_over_the_rate_get_429_with_retry_after(tmp_path: Path) -> None:
    client = make_client(tmp_path, rate_limit_per_minute=12)
    url = f"/api/v1/incidents/{DEMO_SLUG}/ask"
    codes = [client.post(url, json={"question": "補償はありますか"}).status_code for _ in range(15)]
    assert codes[:10] == [200] * 10  # the burst
    assert 429 in codes
    refused = client.post(url, json={"question": "補償はありますか"})
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert "too many requests" in refused.json()["error"]
    # The OpenAPI document and other non-public routes are not limited.
    assert client.get("/openapi.json").status_code == 200


def test_the_bucket_refills_with_time() -> None:
    async def app(scope: object, receive: object, send: object) -> None:  # pragma: no cover
        return None

    limiter = RateLimit(app, per_minute=60, burst=2)  # type: ignore[arg-type]
    assert limiter.allow("10.0.0.1", 100.0) == 0
    assert limiter.allow("10.0.0.1", 100.0) == 0
    assert limiter.allow("10.0.0.1", 100.0) > 0
    assert limiter.allow("10.0.0.2", 100.0) == 0  # per address
    assert limiter.allow("10.0.0.1", 101.1) == 0


def test_a_streamed_body_over_the_limit_is_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"question": "'
        for _ in range(100):
            yield b"a" * 1000
        yield b'"}'

    response = client.post(
        f"/api/v1/incidents/{DEMO_SLUG}/ask",
        content=chunks(),
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert "byte limit" in response.json()["error"]


def test_each_web_worker_runs_the_configured_number_of_blas_threads(tmp_path: Path) -> None:
    from threadpoolctl import OpenBLASController, threadpool_info, threadpool_limits

    def blas_threads() -> set[int]:
        return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    before = blas_threads()
    if not before:
        pytest.skip("numpy here is linked to no BLAS that threadpoolctl can see")
    # OpenBLAS obeys only the first thread that set a limit; in a server that is the worker's
    # main thread running the lifespan, here it would be whichever test got there first.
    OpenBLASController.clear_controlling_thread(force=True)
    try:
        with make_client(tmp_path, web_blas_threads=1):  # the lifespan runs on entering
            assert blas_threads() == {1}
        OpenBLASController.clear_controlling_thread(force=True)
        with make_client(tmp_path / "b", web_blas_threads=3):
            assert blas_threads() == {3}
    finally:
        OpenBLASController.clear_controlling_thread(force=True)
        threadpool_limits(limits=max(before), user_api="blas")
        OpenBLASController.clear_controlling_thread(force=True)
