"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from breachdesk.errors import InvalidInputError

MIN_LENGTH = 12
MAX_LENGTH = 200


@cache
def hasher() -> PasswordHasher:
    return PasswordHasher()


def check_policy(username: str, password: str) -> None:
    """At least 12 characters, not the user name."""
    if len(password) < MIN_LENGTH:
        raise InvalidInputError(
            f"パスワードは{MIN_LENGTH}文字以上にしてください",
            where="password",
        )
    if len(password) > MAX_LENGTH:
        raise InvalidInputError(f"パスワードは{MAX_LENGTH}文字以内にしてください", where="password")
    if password.strip().lower() == username.lower():
        raise InvalidInputError("パスワードにユーザー名は使えません", where="password")


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    try:
        return hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return hasher().check_needs_rehash(stored)


@cache
def dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so that timing does not tell."""
    return hash_password("not-a-real-password-for-timing")
