"""Users, login with throttling, sessions, API tokens and the audit log.

Secrets are never stored: a session cookie and an API token are random values of which only the
SHA-256 is kept; passwords are argon2id hashes. Throttling counts failed logins in the database,
so it holds across workers and servers.

An action done `by` someone (an `Actor`: a console user, an API token, the command line) writes
its audit row in the action's own transaction, here and in every domain's core function: the
change and its record commit together or not at all. Without an actor (a script, a test) the
action is not recorded.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any, cast

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.orm import Session

from breachdesk.auth.passwords import (
    check_policy,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from breachdesk.auth.roles import check_role
from breachdesk.db import Database
from breachdesk.db.locks import hold
from breachdesk.db.tables import ApiToken, AuditEvent, LoginAttempt, LoginSession, User, utcnow
from breachdesk.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ThrottledError,
)

USERNAME = re.compile(r"[a-z0-9._-]{2,64}")
WINDOW = timedelta(minutes=15)
TOUCH = timedelta(minutes=1)
JAPAN = timezone(timedelta(hours=9), "JST")  # the audit log's days are Japan days
BAD_LOGIN = "ユーザー名またはパスワードが違います"


@dataclass(frozen=True)
class Principal:
    """Who is acting: a console user (session) or an API token."""

    name: str
    role: str
    user_id: int | None
    kind: str  # session | token
    csrf_token: str | None = None


@dataclass(frozen=True)
class Actor:
    """Who does an audited action (the audit row's actor) and from which address."""

    name: str
    address: str | None = None


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class TokenView:
    id: int
    name: str
    role: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]
    address: str | None


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _user_view(u: User) -> UserView:
    return UserView(
        u.id, u.username, u.display_name, u.role, u.active, u.created_at, u.last_login_at
    )


# --- users ---------------------------------------------------------------------------------


def create_user(
    db: Database,
    username: str,
    password: str,
    role: str,
    *,
    display_name: str = "",
    by: Actor | None = None,
) -> UserView:
    """A new console user; the user name is [a-z0-9._-]{2,64} and unique (`user.create`)."""
    name = username.strip()
    if not USERNAME.fullmatch(name):
        raise InvalidInputError(
            "a user name is 2–64 of a-z 0-9 . _ - (半角英小文字・数字・記号 . _ -)",
            where="username",
        )
    check_role(role)
    check_policy(name, password)
    with db.transaction() as s:
        if s.scalar(select(User.id).where(User.username == name)) is not None:
            raise ConflictError(f"user {name!r} already exists")
        user = User(
            username=name,
            display_name=display_name.strip()[:200],
            password_hash=hash_password(password),
            role=role,
            active=True,
        )
        s.add(user)
        s.flush()
        audited(s, by, "user.create", name, {"role": role})
        return _user_view(user)


def list_users(db: Database) -> list[UserView]:
    with db.read() as s:
        return [_user_view(u) for u in s.scalars(select(User).order_by(User.username))]


def get_user(db: Database, user_id: int) -> UserView:
    with db.read() as s:
        user = s.get(User, user_id)
        if user is None:
            raise NotFoundError("user", str(user_id))
        return _user_view(user)


def _user(s: Session, user_id: int) -> User:
    user = s.get(User, user_id)
    if user is None:
        raise NotFoundError("user", str(user_id))
    return user


def user_by_name(db: Database, username: str) -> UserView:
    """The user with this name (not found otherwise)."""
    with db.read() as s:
        user = s.scalar(select(User).where(User.username == username.strip()))
        if user is None:
            raise NotFoundError("user", username.strip()[:64])
        return _user_view(user)


def set_role(db: Database, user_id: int, role: str, *, by: Actor | None = None) -> None:
    """Change a user's role; their sessions end (they sign in again with the new role)
    (`user.role`)."""
    check_role(role)
    with db.transaction() as s:
        user = _user(s, user_id)
        user.role = role
        s.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
        audited(s, by, "user.role", str(user_id), {"username": user.username, "role": role})


def set_active(db: Database, user_id: int, active: bool, *, by: Actor | None = None) -> None:
    """Deactivate (sessions end at once) or reactivate a user (`user.deactivate`,
    `user.activate`)."""
    with db.transaction() as s:
        user = _user(s, user_id)
        user.active = active
        if not active:
            s.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
        action = "user.activate" if active else "user.deactivate"
        audited(s, by, action, str(user_id), {"username": user.username})


def change_password(db: Database, user_id: int, password: str, *, by: Actor | None = None) -> None:
    """Set a new password; every session of the user ends (`user.password`: the row names the
    user, never the password)."""
    with db.transaction() as s:
        user = _user(s, user_id)
        check_policy(user.username, password)
        user.password_hash = hash_password(password)
        s.execute(delete(LoginSession).where(LoginSession.user_id == user_id))
        audited(s, by, "user.password", str(user_id), {"username": user.username})


# --- login ---------------------------------------------------------------------------------


def attempt_name(name: str, is_user: bool) -> str:
    """A login attempt's user name as stored and audited: as typed when it is a user's. A name
    that is no user is often a password or a mail address typed in the wrong box, so it is
    kept only as 16 bits of its hash: enough to count attempts per name (a bucket shared with
    1/65,536 of all names), too little to find a password or an address from."""
    return name[:64] if is_user else "?" + digest(name)[:4]


def user_exists(db: Database, name: str) -> bool:
    with db.read() as s:
        return s.scalar(select(User.id).where(User.username == name.strip()[:64])) is not None


def authenticate(
    db: Database,
    username: str,
    password: str,
    address: str,
    *,
    max_failures: int = 5,
    now: datetime | None = None,
) -> User:
    """The user, if the password is right and login is not throttled.

    More than `max_failures` failures for the user name in 15 minutes, or more than four times
    that from the address, refuse every attempt (without checking the password) until the
    oldest counted failure is 15 minutes old. Wrong user and wrong password get one message.
    """
    at = now or utcnow()
    attempt = _count_attempt(db, username, address, max_failures, at)
    ok = _verify(attempt, password)
    with db.transaction() as s:
        user = _settle(s, attempt, password, ok, at)
    # Raised after the commit: a failed attempt must count.
    if user is None:
        raise AuthenticationError(BAD_LOGIN)
    return user


def sign_in(
    db: Database,
    username: str,
    password: str,
    address: str,
    *,
    hours: float,
    max_failures: int = 5,
    ending: str | None = None,
    now: datetime | None = None,
) -> tuple[str, str]:
    """A console login: `authenticate`, then a new session (cookie value, CSRF token), ending
    the session `ending` (the browser's old cookie: a session is never promoted).

    The attempt is counted first, as a failure, in a short transaction of its own (see
    `_count_attempt`); the verdict, the session and the audit row (`login`, or `login.failed`
    under the name as `attempt_name` keeps it) are one transaction after the password is
    checked. A wrong password raises after its audit row is committed; a throttled attempt
    writes nothing."""
    at = now or utcnow()
    attempt = _count_attempt(db, username, address, max_failures, at)
    ok = _verify(attempt, password)
    with db.transaction() as s:
        user = _settle(s, attempt, password, ok, at)
        if user is None:
            record(s, attempt.counted, "login.failed", attempt.counted, {}, address)
        else:
            if ending:
                s.execute(delete(LoginSession).where(LoginSession.token_hash == digest(ending)))
            value, csrf = _add_session(s, user.id, hours, at)
            record(s, user.username, "login", user.username, {}, address)
    if user is None:
        raise AuthenticationError(BAD_LOGIN)
    return value, csrf


_NAME_LOCK = 0x62640B  # "bd" + 11: the login attempts of one user name (db.locks.hold)
_ADDRESS_LOCK = 0x62640C  # "bd" + 12: the login attempts from one client address
_ATTEMPTS = cast(Table, LoginAttempt.__table__)


def _lock_key(value: str) -> int:
    """A 32-bit key for `db.locks.hold` (two values sharing one only wait for each other)."""
    return int.from_bytes(hashlib.sha256(value.encode()).digest()[:4], "big", signed=True)


@dataclass(frozen=True)
class _Attempt:
    """A login attempt counted (as a failure until `_settle` says otherwise)."""

    id: int
    counted: str
    user_id: int | None
    password_hash: str | None


def _count_attempt(
    db: Database, username: str, address: str, max_failures: int, at: datetime
) -> _Attempt:
    """Count one login attempt before its password is checked, or refuse it (`ThrottledError`,
    nothing written) when the name or the address is over its limit.

    The check and the count are one short transaction under a lock on the name and one on the
    address (`db.locks.hold`; always in that order, so two attempts cannot wait for each
    other): attempts at once, from any worker or server, are counted one after the other, each
    seeing the ones before it. A read of the failures followed by an insert let eight parallel
    wrong passwords all pass a check of five. The attempt is stored as a failure at once — an
    attempt still being checked counts against the limit — and the lock is released before
    argon2 runs, so on SQLite the database's writer is held for milliseconds, not for a hash."""
    name = username.strip()[:64]
    since = at - WINDOW
    with db.transaction() as s:
        user = s.scalar(select(User).where(User.username == name))
        counted = attempt_name(name, user is not None)
        hold(s, _NAME_LOCK, _lock_key(counted), table=_ATTEMPTS)
        hold(s, _ADDRESS_LOCK, _lock_key(address[:64]), table=_ATTEMPTS)
        for column, value, limit in (
            (LoginAttempt.username, counted, max_failures),
            (LoginAttempt.address, address[:64], 4 * max_failures),
        ):
            failures = list(
                s.scalars(
                    select(LoginAttempt.at)
                    .where(
                        column == value, LoginAttempt.success.is_(False), LoginAttempt.at > since
                    )
                    .order_by(LoginAttempt.at)
                )
            )
            if len(failures) >= limit:
                oldest = _aware(failures[len(failures) - limit])
                wait = int((oldest + WINDOW - at).total_seconds()) + 1
                raise ThrottledError("too many failed logins", max(1, wait))
        row = LoginAttempt(username=counted, address=address[:64], success=False, at=at)
        s.add(row)
        s.flush()
        usable = user is not None and user.active
        return _Attempt(
            row.id,
            counted,
            user.id if usable and user else None,
            user.password_hash if usable and user else None,
        )


def _verify(attempt: _Attempt, password: str) -> bool:
    """Whether the password is the user's (a dummy hash is checked for no user: same time)."""
    return verify_password(attempt.password_hash or dummy_hash(), password) and (
        attempt.password_hash is not None
    )


def _settle(s: Session, attempt: _Attempt, password: str, ok: bool, at: datetime) -> User | None:
    """Record the verdict on a counted attempt: the user when it succeeded (the attempt is then
    no failure), None otherwise. A user deactivated or given a new password while the password
    was being checked is not signed in."""
    user = s.get(User, attempt.user_id) if ok and attempt.user_id is not None else None
    if user is None or not user.active or user.password_hash != attempt.password_hash:
        return None
    s.execute(update(LoginAttempt).where(LoginAttempt.id == attempt.id).values(success=True))
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = at
    return user


# --- sessions ------------------------------------------------------------------------------


def start_session(db: Database, user: User, *, hours: float) -> tuple[str, str]:
    """A new session for a signed-in user: (cookie value, CSRF token). Only a hash is stored."""
    with db.transaction() as s:
        return _add_session(s, user.id, hours, utcnow())


def _add_session(s: Session, user_id: int, hours: float, now: datetime) -> tuple[str, str]:
    value = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    s.add(
        LoginSession(
            token_hash=digest(value),
            user_id=user_id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return value, csrf


def resolve_session(
    db: Database, value: str, *, hours: float, now: datetime | None = None
) -> Principal | None:
    """The principal of a session cookie, or None if unknown, expired or the user inactive."""
    at = now or utcnow()
    with db.transaction() as s:
        row = s.execute(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_hash == digest(value))
        ).first()
        if row is None:
            return None
        session, user = row
        if _aware(session.expires_at) <= at or not user.active:
            s.delete(session)
            return None
        if at - _aware(session.last_seen_at) >= TOUCH:  # sliding expiry, written sparingly
            session.last_seen_at = at
            session.expires_at = at + timedelta(hours=hours)
        return Principal(user.username, user.role, user.id, "session", session.csrf_token)


def end_session(db: Database, value: str, *, by: Actor | None = None) -> None:
    """Sign out: the session ends (`logout`)."""
    with db.transaction() as s:
        s.execute(delete(LoginSession).where(LoginSession.token_hash == digest(value)))
        audited(s, by, "logout", by.name if by else "")


# --- API tokens ----------------------------------------------------------------------------


def create_token(
    db: Database,
    name: str,
    role: str,
    *,
    created_by: int | None = None,
    by: Actor | None = None,
) -> str:
    """A new API token scoped to a role; returns its value, which is shown once only
    (`token.create`)."""
    label = name.strip()
    if not 1 <= len(label) <= 100:
        raise InvalidInputError("a token name is 1–100 characters", where="name")
    check_role(role)
    value = "bd_" + secrets.token_urlsafe(32)
    with db.transaction() as s:
        s.add(ApiToken(name=label, token_hash=digest(value), role=role, created_by=created_by))
        audited(s, by, "token.create", label, {"role": role})
    return value


def resolve_token(db: Database, value: str, *, now: datetime | None = None) -> Principal | None:
    """The principal of a token value, or None if unknown or revoked."""
    at = now or utcnow()
    with db.transaction() as s:
        token = s.scalar(select(ApiToken).where(ApiToken.token_hash == digest(value)))
        if token is None or token.revoked:
            return None
        if token.last_used_at is None or at - _aware(token.last_used_at) >= TOUCH:
            token.last_used_at = at
        return Principal(f"token:{token.name}", token.role, None, "token", None)


def revoke_token(db: Database, token_id: int, *, by: Actor | None = None) -> None:
    """Revoke an API token: it stops working at once (`token.revoke`)."""
    with db.transaction() as s:
        token = s.get(ApiToken, token_id)
        if token is None:
            raise NotFoundError("API token", str(token_id))
        token.revoked = True
        audited(s, by, "token.revoke", str(token_id), {"name": token.name})


def list_tokens(db: Database) -> list[TokenView]:
    with db.read() as s:
        return [
            TokenView(t.id, t.name, t.role, t.created_at, t.last_used_at, t.revoked)
            for t in s.scalars(select(ApiToken).order_by(ApiToken.id))
        ]


# --- audit ---------------------------------------------------------------------------------

SECRET_KEYS = ("password", "token", "secret", "csrf")


def record(
    s: Session,
    actor: str,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
    address: str | None = None,
) -> None:
    """Add an audit row in the caller's transaction (so an action and its record commit together).

    Keys that look like secrets are dropped from `detail`.
    """
    clean = {
        k: v for k, v in (detail or {}).items() if not any(w in k.lower() for w in SECRET_KEYS)
    }
    s.add(
        AuditEvent(
            actor=actor[:120],
            action=action[:64],
            target=target[:300],
            detail=clean,
            address=(address or None) and address[:64],
        )
    )


def audited(
    s: Session,
    by: Actor | None,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    """The audit row of an action done `by` someone, in the action's transaction (`record`);
    nothing when there is nobody to record (a script or a test calling the core)."""
    if by is not None:
        record(s, by.name, action, target, detail, by.address)


def list_audit(
    db: Database,
    *,
    limit: int = 50,
    offset: int = 0,
    actor: str | None = None,
    action: str | None = None,
    target: str | None = None,
    day: date | None = None,
) -> tuple[list[AuditRow], int]:
    """Audit rows, newest first, with the total for paging. `target` matches exactly (a
    register person is `register/SLUG/ID`); `day` is a calendar day in Japan time."""
    where = []
    if actor:
        where.append(AuditEvent.actor == actor)
    if action:
        where.append(AuditEvent.action == action)
    if target:
        where.append(AuditEvent.target == target)
    if day is not None:
        try:
            start = datetime.combine(day, time(0), tzinfo=JAPAN).astimezone(UTC)
            end = start + timedelta(days=1)
        except OverflowError:  # 0001-01-01 in UTC is year 0; 9999-12-31 has no next day
            raise InvalidInputError(f"{day.isoformat()} is out of range", where="day") from None
        where.append(AuditEvent.at >= start)
        where.append(AuditEvent.at < end)
    with db.read() as s:
        total = s.scalar(select(func.count()).select_from(AuditEvent).where(*where)) or 0
        rows = s.scalars(
            select(AuditEvent)
            .where(*where)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [
            AuditRow(r.at, r.actor, r.action, r.target, dict(r.detail or {}), r.address)
            for r in rows
        ], int(total)
