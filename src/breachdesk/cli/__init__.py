"""The `breachdesk` command: a thin face over `Desk`, one module per group of commands."""

from __future__ import annotations

import sys

from breachdesk.cli import (
    callbacks,
    inquiries,
    kb,
    notify,
    register,
    remediation,
    reports,
    scope,
    serve,
    users,
)
from breachdesk.cli.common import app

__all__ = ["app", "main"]
# Importing a module registers its commands.
_COMMANDS = (kb, scope, serve, reports, inquiries, notify, users, register, remediation, callbacks)


def main() -> None:
    """Entry point of the `breachdesk` script."""
    sys.exit(app())
