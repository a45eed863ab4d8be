"""Users, passwords, throttled login, sessions, API tokens and the audit log, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest

from breachdesk.auth import service as auth
from breachdesk.auth.passwords import verify_password
from breachdesk.auth.roles import ROLES, Permission, check, role_allows
from breachdesk.db import Database
from breachdesk.db.tables import User, utcnow
from breachdesk.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    PermissionDeniedError,
    ThrottledError,
)

PASSWORD = "correct horse battery"


def test_passwords_are_argon2_hashes_and_the_policy_holds(db: Database) -> None:
    user = auth.create_user(db, "eri", PASSWORD, "editor", display_name="江里")
    with db.read() as s:
        stored = s.get(User, user.id)
        assert stored is not None
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash
        assert verify_password(stored.password_hash, PASSWORD)
    with pytest.raises(InvalidInputError):
        auth.create_user(db, "ken", "short", "viewer")
    with pytest.raises(InvalidInputError):
        auth.create_user(db, "kenkenkenken", "kenkenkenken", "viewer")
    with pytest.raises(InvalidInputError):
        auth.create_user(db, "Bad Name", PASSWORD, "viewer")
    with pytest.raises(InvalidInputError):
        auth.create_user(db, "ken", PASSWORD, "root")
    with pytest.raises(ConflictError):
        auth.create_user(db, "eri", PASSWORD, "viewer")


def test_login_right_wrong_unknown_and_inactive(db: Database) -> None:
    user = auth.create_user(db, "eri", PASSWORD, "editor")
    assert auth.authenticate(db, "eri", PASSWORD, "10.0.0.1").id == user.id
    with pytest.raises(AuthenticationError) as wrong:
        auth.authenticate(db, "eri", "wrong password!", "10.0.0.1")
    with pytest.raises(AuthenticationError) as unknown:
        auth.authenticate(db, "nobody", PASSWORD, "10.0.0.1")
    assert str(wrong.value) == str(unknown.value)  # no user enumeration
    auth.set_active(db, user.id, False)
    with pytest.raises(AuthenticationError):
        auth.authenticate(db, "eri", PASSWORD, "10.0.0.1")


def test_failed_logins_are_throttled_per_user_and_released_after_the_window(
    db: Database,
) -> None:
    auth.create_user(db, "eri", PASSWORD, "editor")
    start = utcnow()
    for i in range(5):
        with pytest.raises(AuthenticationError):
            auth.authenticate(db, "eri", "wrong", "10.0.0.1", now=start + timedelta(seconds=i))
    with pytest.raises(ThrottledError) as throttled:
        # Even the right password is refused while throttled.
        auth.authenticate(db, "eri", PASSWORD, "10.0.0.2", now=start + timedelta(seconds=10))
    assert 0 < throttled.value.retry_after <= 15 * 60
    later = start + timedelta(minutes=15, seconds=5)
    assert auth.authenticate(db, "eri", PASSWORD, "10.0.0.2", now=later).username == "eri"


def test_failed_logins_are_throttled_per_address(db: Database) -> None:
    auth.create_user(db, "eri", PASSWORD, "editor")
    start = utcnow()
    for i in range(8):
        with pytest.raises(AuthenticationError):
            auth.authenticate(
                db,
                f"user{i}",
                "wrong",
                "10.9.9.9",
                max_failures=2,
                now=start + timedelta(seconds=i),
            )
    with pytest.raises(ThrottledError):
        auth.authenticate(db, "eri", PASSWORD, "10.9.9.9", max_failures=2, now=start)
    assert auth.authenticate(db, "eri", PASSWORD, "10.0.0.1", max_failures=2).username == "eri"


def test_sessions_expire_slide_and_end(db: Database) -> None:
    user = auth.create_user(db, "eri", PASSWORD, "editor")
    stored = auth.authenticate(db, "eri", PASSWORD, "10.0.0.1")
    value, csrf = auth.start_session(db, stored, hours=1)
    principal = auth.resolve_session(db, value, hours=1)
    assert principal == auth.Principal("eri", "editor", user.id, "session", csrf)
    assert auth.resolve_session(db, "not-a-session", hours=1) is None
    # Used 50 minutes later: the expiry slides, so it still works 100 minutes in.
    assert auth.resolve_session(db, value, hours=1, now=utcnow() + timedelta(minutes=50))
    assert auth.resolve_session(db, value, hours=1, now=utcnow() + timedelta(minutes=100))
    assert auth.resolve_session(db, value, hours=1, now=utcnow() + timedelta(hours=5)) is None
    value2, _ = auth.start_session(db, stored, hours=1)
    auth.end_session(db, value2)
    assert auth.resolve_session(db, value2, hours=1) is None
    value3, _ = auth.start_session(db, stored, hours=1)
    auth.set_role(db, user.id, "viewer")  # a role change ends the user's sessions
    assert auth.resolve_session(db, value3, hours=1) is None


def test_api_tokens_are_hashed_scoped_and_revocable(db: Database) -> None:
    value = auth.create_token(db, "deploy", "editor")
    assert value.startswith("bd_")
    principal = auth.resolve_token(db, value)
    assert principal is not None and (principal.name, principal.role) == ("token:deploy", "editor")
    [token] = auth.list_tokens(db)
    assert token.last_used_at is not None
    auth.revoke_token(db, token.id)
    assert auth.resolve_token(db, value) is None


def test_the_audit_log_keeps_no_secrets_and_pages(db: Database) -> None:
    for i in range(3):
        with db.transaction() as s:
            auth.record(
                s, "eri", "entry.edit", f"e{i}", {"version": i, "password": "x"}, "10.0.0.1"
            )
    with db.transaction() as s:
        auth.record(s, "ken", "login", "ken")
    rows, total = auth.list_audit(db, limit=2)
    assert total == 4 and [r.actor for r in rows] == ["ken", "eri"]
    rows, total = auth.list_audit(db, actor="eri", action="entry.edit")
    assert total == 3 and all("password" not in r.detail for r in rows)
    assert rows[0].detail == {"version": 2}


def test_each_role_has_the_permissions_below_it() -> None:
    assert ROLES == ("viewer", "operator", "editor", "admin")
    expected = {
        "viewer": {Permission.READ},
        "operator": {Permission.READ, Permission.REVIEW},
        "editor": {Permission.READ, Permission.REVIEW, Permission.EDIT},
        "admin": set(Permission),
    }
    for role, granted in expected.items():
        assert {p for p in Permission if role_allows(role, p)} == granted
    with pytest.raises(PermissionDeniedError):
        check("viewer", Permission.EDIT)
    assert not role_allows("nobody", Permission.READ)
