"""The login throttle under attempts made at once (other workers, other servers), on SQLite and
PostgreSQL: the check and the count are one locked step, so parallel wrong passwords are
checked no more often than the limit allows, and the audit rows stay as they were."""

from __future__ import annotations

from sqlalchemy import func, select

from breachdesk.auth import service as auth
from breachdesk.db import Database
from breachdesk.db.tables import AuditEvent, LoginAttempt, User
from breachdesk.errors import AuthenticationError, ThrottledError
from concurrency import at_once

PASSWORD = "correct horse battery"


def count(db: Database, *where: object) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(LoginAttempt).where(*where)) or 0)


def kinds(outcomes: list[object]) -> tuple[int, int]:
    failed = sum(isinstance(o, AuthenticationError) for o in outcomes)
    throttled = sum(isinstance(o, ThrottledError) for o in outcomes)
    assert failed + throttled == len(outcomes), outcomes
    return failed, throttled


def test_parallel_wrong_passwords_for_one_name_are_checked_only_up_to_the_limit(
    db: Database,
) -> None:
    auth.create_user(db, "eri", PASSWORD, "editor")
    # Each from its own address: only the name's limit (5) applies.
    outcomes = at_once(
        10, lambda i: auth.sign_in(db, "eri", f"wrong guess {i}", f"10.0.0.{i}", hours=1)
    )
    assert kinds(outcomes) == (5, 5)
    assert count(db, LoginAttempt.username == "eri") == 5  # a throttled attempt writes nothing
    assert count(db, LoginAttempt.success.is_(False)) == 5
    with db.read() as s:
        failed = s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login.failed")
        )
    assert failed == 5
    try:  # even the right password is refused now, from any address
        auth.authenticate(db, "eri", PASSWORD, "10.9.9.9")
        raise AssertionError("the right password got through a locked name")
    except ThrottledError as exc:
        assert 0 < exc.retry_after <= 15 * 60


def test_parallel_attempts_from_one_address_are_checked_only_up_to_its_limit(
    db: Database,
) -> None:
    # max_failures 1: one per name, four per address; eight names at once from one address.
    outcomes = at_once(
        8, lambda i: auth.authenticate(db, f"user{i}", "wrong", "192.0.2.7", max_failures=1)
    )
    assert kinds(outcomes) == (4, 4)
    assert count(db, LoginAttempt.address == "192.0.2.7") == 4


def test_a_right_password_in_the_crowd_signs_in_and_is_no_failure(db: Database) -> None:
    user = auth.create_user(db, "eri", PASSWORD, "editor")

    def attempt(i: int) -> object:
        password = PASSWORD if i == 0 else f"wrong guess {i}"
        return auth.authenticate(db, "eri", password, f"10.0.1.{i}", max_failures=4)

    outcomes = at_once(3, attempt)
    assert isinstance(outcomes[0], User) and outcomes[0].id == user.id
    assert count(db, LoginAttempt.success.is_(True)) == 1
    assert count(db, LoginAttempt.success.is_(False)) == 2
    assert count(db) == 3
