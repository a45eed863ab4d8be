"""Which text importer fits a text, by asking each in order of specificity.

A Q/A table is the most specific shape and a narrative notice the least, so the first importer
whose `sniff` is confident wins and `notice` takes whatever is left.
"""

from __future__ import annotations

from typing import Protocol

from breachdesk.kb.parsed import ParsedEntry, Source

from . import bullet, dashlist, html, markdown, notice, qa, table

CONFIDENT = 0.5
"""The `sniff` score from which an importer takes the text."""


class TextImporter(Protocol):
    """An importer of decoded text: a module with `NAME`, `sniff` and `parse`."""

    @property
    def NAME(self) -> str: ...  # a module constant, read through the protocol

    def sniff(self, text: str) -> float: ...

    def parse(self, source: Source) -> list[ParsedEntry]: ...


TEXT_IMPORTERS: tuple[TextImporter, ...] = (html, table, dashlist, bullet, markdown, qa)
"""Asked in this order; `notice` is the fallback."""


def detect_text_format(text: str) -> str:
    """The name of the text importer for `text`: the first confident one, else `notice`."""
    for importer in TEXT_IMPORTERS:
        if importer.sniff(text) >= CONFIDENT:
            return importer.NAME
    return notice.NAME


def text_importer(name: str) -> TextImporter:
    """The text importer called `name`."""
    for importer in (*TEXT_IMPORTERS, notice):
        if name == importer.NAME:
            return importer
    raise KeyError(name)
