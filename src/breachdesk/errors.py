"""Typed domain errors.

The core raises only these; the CLI and the web app each translate them once, at their edge,
into a message and exit code or a status and error page.
"""

from __future__ import annotations


class BreachdeskError(Exception):
    """Base class of every error the core raises on purpose."""


class DocumentFormatError(BreachdeskError):
    """A source document cannot be imported: which file, which line, what is wrong."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = path
        self.line = line
        self.reason = reason
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {reason}")


class NotFoundError(BreachdeskError):
    """A named object (incident, entry, user…) does not exist."""

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key
        super().__init__(f"{kind} not found: {key}")


class InvalidInputError(BreachdeskError):
    """A request is malformed: an empty or over-long question, a bad batch line, a bad slug."""

    def __init__(self, reason: str, *, where: str | None = None) -> None:
        self.reason = reason
        self.where = where
        super().__init__(f"{where}: {reason}" if where else reason)


class DependencyMissingError(BreachdeskError):
    """An optional dependency is needed for this feature; the message carries the install hint."""

    def __init__(self, package: str, extra: str) -> None:
        self.package = package
        self.extra = extra
        super().__init__(
            f"{package} is not installed; install it with: pip install 'breachdesk[{extra}]'"
        )


class AuthenticationError(BreachdeskError):
    """No valid session or token, or a wrong user name or password (never says which)."""

    def __init__(self, reason: str = "ログインが必要です") -> None:
        self.reason = reason
        super().__init__(reason)


class PermissionDeniedError(BreachdeskError):
    """The signed-in user's role does not allow the action."""

    def __init__(self, role: str, permission: str) -> None:
        self.role = role
        self.permission = permission
        # People read it (the console's error page, a token's API caller): in Japanese, naming
        # the role and what it would take.
        who = _ROLE_NAMES.get(role, role)
        need = _PERMISSION_NEEDS.get(permission, permission)
        super().__init__(f"{who}の権限では、この操作はできません（{need}）")


_ROLE_NAMES = {
    "viewer": "閲覧者",
    "operator": "オペレーター",
    "editor": "編集者",
    "admin": "管理者",
}
_PERMISSION_NEEDS = {
    "read": "ログインが必要です",
    "review": "オペレーター以上の権限が必要です",
    "edit": "編集者以上の権限が必要です",
    "admin": "管理者の権限が必要です",
}


class CsrfError(BreachdeskError):
    """A form was posted without the session's CSRF token."""

    def __init__(self) -> None:
        # People read it on the error page (a self-check form left open too long, a console
        # form from another session): what to do, in Japanese.
        super().__init__(
            "フォームの有効期限が切れたか、正しく送信されませんでした。"
            "ページを開き直してから、もう一度お試しください"
        )


class ThrottledError(BreachdeskError):
    """Too many attempts or requests; retry after `retry_after` seconds."""

    def __init__(self, reason: str, retry_after: int) -> None:
        self.reason = reason
        self.retry_after = retry_after
        super().__init__(f"{reason}; retry after {retry_after} s")


class ConflictError(BreachdeskError):
    """The request conflicts with what is stored (a user name taken, a version already approved)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class StaleEditError(ConflictError):
    """An edit was based on an older version of an entry than the newest: someone else saved
    (or an import brought) version `newest`, by `changed_by` at `changed_at`, meanwhile."""

    def __init__(
        self, entry: str, base: int, newest: int, changed_by: str, changed_at: str
    ) -> None:
        self.entry = entry
        self.base = base
        self.newest = newest
        self.changed_by = changed_by
        self.changed_at = changed_at
        super().__init__(
            f"{entry} changed after you opened version {base}: version {newest} was saved by "
            f"{changed_by} at {changed_at}; review it and save again"
        )


class KeyUnavailableError(BreachdeskError):
    """The affected register's master key is missing, malformed, or does not open a data key;
    nothing of the register is then served or written."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
