"""Roles and what they may do. Each role may do what the roles below it may, and more."""

from __future__ import annotations

from enum import StrEnum

from breachdesk.errors import InvalidInputError, PermissionDeniedError


class Permission(StrEnum):
    READ = "read"  # viewer: everything in the console, read-only
    REVIEW = "review"  # operator: review queue, log inquiries, mark questions
    EDIT = "edit"  # editor: documents, entries and approval, phrasings, categories, campaigns
    ADMIN = "admin"  # admin: users, API tokens, incidents, the audit log


ROLES: tuple[str, ...] = ("viewer", "operator", "editor", "admin")  # lowest first

READ_INQUIRIES = Permission.REVIEW
"""Reading what people told the desk — the public's questions and the inquiry log, redacted but
still their own words — is an operator's work, on the console and the API alike; a viewer sees
the figures, the entries and the reports."""
GRANTS: dict[str, frozenset[Permission]] = {
    role: frozenset(list(Permission)[: i + 1]) for i, role in enumerate(ROLES)
}


def check_role(role: str) -> str:
    """The role, if it is one; else an input error naming the valid ones."""
    if role not in GRANTS:
        raise InvalidInputError(f"unknown role {role!r}; one of {', '.join(ROLES)}", where="role")
    return role


def role_allows(role: str, permission: Permission) -> bool:
    return permission in GRANTS.get(role, frozenset())


def check(role: str, permission: Permission) -> None:
    """Raise PermissionDeniedError unless `role` may do `permission`."""
    if not role_allows(role, permission):
        raise PermissionDeniedError(role, permission.value)
