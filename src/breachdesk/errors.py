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
