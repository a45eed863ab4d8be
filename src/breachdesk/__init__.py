"""breachdesk: the inquiry desk for a personal-data or card-data leak."""

__version__ = "0.1.0"
