"""Other requests are served while the database's writer is busy (an import on SQLite holds it
for seconds): a logged question waits for it off the event loop, not on it."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

from fastapi.testclient import TestClient

from breachdesk.config import Settings
from breachdesk.demo import DEMO_SLUG, demo_files
from breachdesk.desk import Desk
from breachdesk.web.app import create_app


def test_a_logged_question_waiting_for_the_writer_does_not_hold_up_other_requests(
    tmp_path: Path,
) -> None:
    settings = Settings(
        db=str(tmp_path / "web.db"), dense_model="none", cache_dir=tmp_path / "cache"
    )
    desk = Desk(settings)
    desk.import_documents(DEMO_SLUG, demo_files())
    writer = sqlite3.connect(tmp_path / "web.db", isolation_level=None)
    answered: list[int] = []
    with TestClient(create_app(settings, desk=desk)) as client:
        assert client.get("/api/v1/incidents").status_code == 200
        writer.execute("BEGIN IMMEDIATE")  # as an import does, for the whole of it
        asking = threading.Thread(
            target=lambda: answered.append(
                client.post(
                    f"/api/v1/incidents/{DEMO_SLUG}/ask", json={"question": "カードの再発行"}
                ).status_code
            )
        )
        asking.start()
        time.sleep(0.3)  # the ask has been answered and now waits to be logged
        listed = client.get("/api/v1/incidents")
        draft = client.post(
            f"/api/v1/incidents/{DEMO_SLUG}/ask", json={"question": "手数料", "draft": True}
        )
        # Both were served while the logged ask still waited for the writer: had the log write
        # run on the event loop, it would have held them until the writer gave up or let go.
        assert not answered
        writer.execute("COMMIT")
        asking.join(15)
    writer.close()
    assert listed.status_code == 200 and draft.status_code == 200
    assert answered == [200]
