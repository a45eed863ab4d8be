"""Reaching the affected: message templates, campaigns planned from the register and paced to
the desk, sending with fallback down a channel chain, and remediation (compensation codes, card
reissue reports)."""
