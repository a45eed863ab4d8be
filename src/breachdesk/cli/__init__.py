"""The `breachdesk` command: a thin face over `Desk`, one module per group of commands."""

from __future__ import annotations

import sys

from breachdesk.cli import inquiries, kb, register, reports, scope, serve, users
from breachdesk.cli.common import app

__all__ = ["app", "main"]
_COMMANDS = (kb, scope, serve, reports, inquiries, users, register)  # importing registers them


def main() -> None:
    """Entry point of the `breachdesk` script."""
    sys.exit(app())
