"""Console users, roles, sessions, API tokens, login throttling and the audit log."""
