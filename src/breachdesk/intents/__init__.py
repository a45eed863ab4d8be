"""Breach inquiry intents: the taxonomy of what affected people ask after a leak, its example
phrasings, and the shipped classifier (see README.md in this folder)."""
