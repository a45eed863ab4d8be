"""Request logging without personal data, public rate limits, body-size limits."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from breachdesk.config import Settings
from breachdesk.db import open_database
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.limits import Rate, SharedRateLimit
from breachdesk.limits.rate import address_key
from breachdesk.web.app import create_app


def make_client(
    tmp_path: Path, *, peer: tuple[str, int] = ("testclient", 50000), **overrides: object
) -> TestClient:
    settings = Settings(
        db=str(tmp_path / "web.db"),
        dense_model="none",
        cache_dir=tmp_path / "cache",
        **overrides,  # type: ignore[arg-type]
    )
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    return TestClient(create_app(settings, desk=desk), client=peer)


def access_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "breachdesk.access"]


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
    assert f"q=<text:{len(question)}>" in lines[0]  # a question's text is never written
    assert f"/api/v1/incidents/{DEMO_SLUG}/ask" in lines[1] and " 200 " in lines[1]


def test_personal_data_in_other_forms_and_in_parameter_names_never_reaches_the_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    question = (
        "5555\u00a05555\u00a05555\u00a04444 と 3782.822463.10005 と 090.8765.4321 と "
        "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ"
    )
    with caplog.at_level(logging.INFO, logger="breachdesk.access"):
        client.get(f"/i/{DEMO_SLUG}", params={"q": question})
        client.get(f"/i/{DEMO_SLUG}?4111111111111111=1")
        client.get(f"/i/{DEMO_SLUG}?hanako%40example.jp")
        client.get("/api/v1/incidents?limit=5&090-8765-4321=x")
    lines = access_lines(caplog)
    assert len(lines) == 4
    text = "\n".join(lines)
    for secret in ("5555", "3782", "8765", "hanako", "ｈａｎａｋｏ", "4111", "example"):
        assert secret not in text, secret
    assert f"q=<text:{len(question)}>" in lines[0]
    assert 'GET /i/sakura-books?<unknown:1>" 200' in lines[1]  # the name is counted, not written
    assert "limit=5" in lines[3]  # a name the routes declare is written, with its value


def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(tmp_path, peer=("127.0.0.1", 40000), rate_limit_per_minute=12)
    url = f"/api/v1/incidents/{DEMO_SLUG}/ask"
    with caplog.at_level(logging.INFO, logger="breachdesk.access"):
        codes = [
            client.post(
                url, json={"question": "補償は"}, headers={"X-Forwarded-For": f"198.51.100.{i}"}
            ).status_code
            for i in range(15)
        ]
    assert 429 in codes  # a rotating header does not make fifteen clients of one
    assert all(line.startswith("127.0.0.1 ") for line in access_lines(caplog))


def test_forwarded_for_from_a_configured_proxy_names_the_client(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(
        tmp_path,
        peer=("10.0.0.5", 40000),
        rate_limit_per_minute=12,
        trusted_proxies="10.0.0.0/24, 192.0.2.1",
    )
    url = f"/api/v1/incidents/{DEMO_SLUG}/ask"
    with caplog.at_level(logging.INFO, logger="breachdesk.access"):
        codes = [
            client.post(
                url,
                json={"question": "補償は"},
                # A client's own header is kept in front; the proxy appends what it saw.
                headers={"X-Forwarded-For": f"6.6.6.6, 198.51.100.{i}"},
            ).status_code
            for i in range(15)
        ]
    assert codes == [200] * 15  # fifteen clients behind the proxy, each within its limit
    lines = access_lines(caplog)
    assert lines[0].startswith("198.51.100.0 ") and lines[14].startswith("198.51.100.14 ")


def test_trusted_proxies_must_be_addresses_or_networks(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="not an IP address"):
        Settings(db=str(tmp_path / "x.db"), trusted_proxies="10.0.0.1, proxy.example")
    assert Settings(
        db=str(tmp_path / "x.db"), trusted_proxies=" ::1 ,10.0.0.0/8"
    ).trusted_proxies == ("::1,10.0.0.0/8")


def test_serve_leaves_forwarded_headers_to_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from breachdesk.cli import app as cli

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    result = CliRunner().invoke(cli, ["serve", "--port", "8999"])
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False  # uvicorn would believe 127.0.0.1 by default


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


def test_the_bucket_refills_with_time(tmp_path: Path) -> None:
    # The bucket lives in the database every worker shares (tests/limits has the rest).
    db = open_database(str(tmp_path / "limits.db"))
    limiter = SharedRateLimit(db, Rate.of(60, burst=2), key=address_key(None))
    assert limiter.take("10.0.0.1", 100.0) == 0
    assert limiter.take("10.0.0.1", 100.0) == 0
    assert limiter.take("10.0.0.1", 100.0) > 0
    assert limiter.take("10.0.0.2", 100.0) == 0  # per address
    assert limiter.take("10.0.0.1", 101.1) == 0
    db.dispose()


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


# Unauthenticated POST routes throttled elsewhere: login by name and address in the database,
# logout harmless. (The register's self-check is limited per address here too, then by its own
# counts.)
THROTTLED_ELSEWHERE = {
    "/console/login",
    "/console/logout",
}


def test_every_unauthenticated_post_route_is_rate_limited(client: TestClient) -> None:
    from breachdesk.web.middleware import PUBLIC_LIMITED
    from breachdesk.web.security import route_permissions

    table = route_permissions(client.app)  # type: ignore[arg-type]
    public_posts = sorted(
        path for (method, path), permission in table.items() if method == "POST" and not permission
    )
    assert len(public_posts) >= 5
    concrete = {"slug": DEMO_SLUG, "question_id": "12"}
    unlimited = [
        path
        for path in public_posts
        if path not in THROTTLED_ELSEWHERE and not PUBLIC_LIMITED.match(path.format(**concrete))
    ]
    assert unlimited == []


def test_free_text_in_a_known_parameter_is_logged_as_its_length_only(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    # Redaction finds cards, phones and mail; a name or an address in a question is found by
    # nothing, so the log never writes a question's text.
    question = "山田花子です。住所は東京都千代田区1-2-3ですが対象ですか"
    with caplog.at_level(logging.INFO, logger="breachdesk.access"):
        client.get(f"/i/{DEMO_SLUG}", params={"q": question})
        client.get("/api/v1/incidents", params={"limit": "5", "offset": "0"})
        client.get("/api/v1/incidents", params={"limit": "09012345678"})
    lines = access_lines(caplog)
    assert "山田" not in lines[0] and "千代田" not in lines[0]
    assert f"?q=<text:{len(question)}>" in lines[0]
    assert "?limit=5&offset=0" in lines[1]  # plain values are still written
    assert "09012345678" not in lines[2] and "limit=[電話番号]" in lines[2]
