"""Real-browser fixtures: a uvicorn server in a thread over a temporary SQLite desk running the
real engine, and Chromium driven by Playwright's sync API.

The system Chromium is used (never a downloaded one); the tests skip when it or Playwright is
missing. `axe_violations` runs axe-core (installed by scripts/browser.sh under .cache/node) in a
page and returns what breaks WCAG 2.1 level A/AA (JIS X 8341-3:2016 AA).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from breachdesk.config import Settings
from breachdesk.desk import Desk
from breachdesk.web.app import create_app

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
DOCS_SHOTS = ROOT / "docs" / "screenshots"
AXE_SCRIPT = ROOT / ".cache" / "node" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Runs axe over the whole document for the WCAG 2.0/2.1 A and AA rules; each violation is kept
# small (rule, impact, help, and the offending nodes' selectors, markup and summary).
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, tags: v.tags,
    nodes: v.nodes.map((n) => ({target: n.target, html: n.html, summary: n.failureSummary})),
  }));
}"""
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEED_SLUG = "cellcellar"
SEED_NAME = "ウェブショップのカード情報流出に関するお知らせ"
MARKUP_SLUG = "markup-test"
SCRIPT = "<script>alert(1)</script>"
# Fictional: an approved answer carrying markup, which the page must show as text.
MARKUP_FAQ = f"""<<架空の案内>>

・{SCRIPT}という文字列は表示されますか?
回答には{SCRIPT}と<b>太字</b>と<img src=x onerror=alert(2)>が含まれています。
この行は二行目です。

・架空の窓口の受付時間を教えてください
架空ヘルプデスク フリーダイヤル 0120-999-888(受付時間 9:00~17:00 土日祝日を除く)
"""
STARTUP_SECONDS = 120.0


@dataclass(frozen=True)
class LiveServer:
    url: str
    desk: Desk


def _serve(app: Any, sock: socket.socket) -> tuple[uvicorn.Server, threading.Thread]:
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    return server, thread


@pytest.fixture(scope="session")
def live_server(
    seeds: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    """The app on a free port: the cellcellar seed on the real engine, and a markup fixture."""
    if SEED_SLUG not in seeds:
        pytest.skip(f"seed for {SEED_SLUG} not found")
    folder = tmp_path_factory.mktemp("browser")
    settings = Settings(
        db=str(folder / "browser.db"),
        dense_model="use",
        cache_dir=folder / "cache",
        rate_limit_per_minute=0,
        # The pages are under test here, not the threshold: typed questions are answered.
        answer_threshold=0.5,
    )
    desk = Desk(settings)
    # Nor the e5 agreement gate: a typed question above the threshold is answered.
    desk.engine.calibration = replace(desk.engine.calibration, answer_needs=())
    desk.import_documents(SEED_SLUG, [seeds[SEED_SLUG]], name=SEED_NAME)
    markup = folder / "markup.txt"
    markup.write_text(MARKUP_FAQ, encoding="utf-8")
    desk.import_documents(MARKUP_SLUG, [markup], format="bullet")

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server, thread = _serve(create_app(settings, desk=desk), sock)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", desk)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        desk.db.dispose()


@pytest.fixture(scope="session")
def suggesting_server(live_server: LiveServer) -> Iterator[LiveServer]:
    """The same desk (database and loaded encoder) served by an engine never sure enough to
    answer (threshold 1.0), so that a plausible question deterministically gets suggestions."""
    base = live_server.desk.settings
    settings = base.model_copy(update={"answer_threshold": 1.0})
    desk = Desk(settings, db=live_server.desk.db, encoder=live_server.desk.engine.encoder)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server, thread = _serve(create_app(settings, desk=desk), sock)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", desk)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless system Chromium."""
    required = os.environ.get("BREACHDESK_REQUIRE_BROWSER") == "1"
    try:
        from playwright import sync_api
    except ImportError:
        if required:
            pytest.fail("Playwright is required here but not installed")
        pytest.skip("Playwright is not installed")
    if not Path(CHROMIUM).exists():
        if required:
            pytest.fail(f"Chromium is required here but not found at {CHROMIUM}")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh desktop-sized page (1280×900) with JavaScript on."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture
def console_errors(page: Any) -> list[str]:
    """Errors the page logs (a CSP violation is one) or throws, collected as they happen."""
    errors: list[str] = []
    page.on(
        "console",
        lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None,
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save their screenshots: a temporary folder, so that a test run
    leaves the checkout clean, or docs/screenshots when BREACHDESK_SCREENSHOTS=docs is set (how
    the README's pictures are refreshed)."""
    if os.environ.get("BREACHDESK_SCREENSHOTS") == "docs":
        DOCS_SHOTS.mkdir(parents=True, exist_ok=True)
        return DOCS_SHOTS
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script; skip (or fail under BREACHDESK_REQUIRE_BROWSER=1) when not installed."""
    if not AXE_SCRIPT.is_file():
        reason = f"axe-core not found at {AXE_SCRIPT} (run scripts/browser.sh)"
        if os.environ.get("BREACHDESK_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return AXE_SCRIPT.read_text(encoding="utf-8")


@pytest.fixture
def axe_violations(axe_source: str) -> Callable[[Any], list[dict[str, Any]]]:
    """`axe_violations(page)`: the WCAG 2.1 A/AA violations axe-core finds in the page as it is
    now (an empty list is a pass). The script is injected through the DevTools protocol, which
    the pages' Content-Security-Policy (no inline script) does not apply to."""

    def run(page: Any) -> list[dict[str, Any]]:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            session = page.context.new_cdp_session(page)
            try:
                session.send("Runtime.evaluate", {"expression": axe_source})
            finally:
                session.detach()
        violations: list[dict[str, Any]] = page.evaluate(AXE_RUN, AXE_TAGS)
        return violations

    return run
