"""Tokenizers: text → matching terms.

`Tokenizer` is any callable from text to terms, so tests can inject a tiny one. The production
tokenizer is Sudachi (offline dictionary): content words in their normalised form (漏えい→漏洩),
the parts of compounds, Sudachi's synonym groups as `~group` terms, and the breach vocabulary's
folding (クレカ→クレジットカード).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from breachdesk.text.normalise import normalise

Tokenizer = Callable[[str], list[str]]

CONTENT_POS = {"名詞", "動詞", "形容詞", "形状詞", "副詞", "接頭辞", "代名詞"}
STOP_LEMMAS = {
    "為る",
    "成る",
    "居る",
    "有る",
    "在る",
    "無い",
    "事",
    "物",
    "方",
    "様",
    "の",
    "こと",
    "もの",
    "いる",
    "ある",
    "する",
    "なる",
    "ない",
    "れる",
    "られる",
    "貰う",
    "下さる",
    "頂く",
    "今回",
    "御",
    "お",
    "ご",
    "くれる",
    "てる",
    "ちゃう",
    "良い",
    "いい",
    "よう",
    "さ",
    "ん",
}


@dataclass(frozen=True)
class Term:
    """A matching term with the facts about it that scoring and abstention use."""

    text: str
    pos: str
    proper: bool


@cache
def vocabulary_folds() -> dict[str, str]:
    """The breach vocabulary as a map from each variant to its group's head word."""
    raw = json.loads(
        resources.files("breachdesk.text").joinpath("vocabulary.json").read_text("utf-8")
    )
    folds: dict[str, str] = {}
    for group in raw["groups"]:
        head = normalise(group[0])
        for word in group:
            folds[normalise(word)] = head
    return folds


class SudachiTokenizer:
    """Sudachi-based content-word tokenizer (SplitMode C plus the A-mode parts of compounds)."""

    def __init__(self) -> None:
        try:
            from sudachipy import Dictionary, SplitMode
        except ImportError as exc:  # pragma: no cover - a core dependency
            from breachdesk.errors import DependencyMissingError

            raise DependencyMissingError("sudachipy", "core") from exc
        # A Sudachi tokenizer must not be used by two threads at once (the web app answers in a
        # thread pool): one dictionary, one tokenizer per thread.
        self.dictionary = Dictionary(dict="core")
        self._local = threading.local()
        self._mode_c = SplitMode.C
        self._mode_a = SplitMode.A
        self._folds = vocabulary_folds()

    def terms(self, text: str) -> list[Term]:
        """Content terms of `text`, with part of speech and whether each is a proper noun."""
        out: list[Term] = []
        folds = self._folds
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            tokenizer = self._local.tokenizer = self.dictionary.tokenizer()
        for m in tokenizer.tokenize(normalise(text), self._mode_c):
            pos = m.part_of_speech()
            if pos[0] not in CONTENT_POS or pos[1] == "数詞":
                continue
            lemma = m.normalized_form().lower()
            surface = m.surface()
            if lemma in STOP_LEMMAS or surface in STOP_LEMMAS:
                continue
            if len(surface) == 1 and not ("\u4e00" <= surface <= "\u9fff"):
                continue
            proper = pos[1] == "固有名詞"
            out.append(Term(folds.get(lemma, folds.get(surface, lemma)), pos[0], proper))
            for gid in m.synonym_group_ids()[:2]:
                out.append(Term(f"~{gid}", pos[0], False))
            parts = m.split(self._mode_a)
            if len(parts) > 1:
                for p in parts:
                    plemma = p.normalized_form().lower()
                    if (
                        p.part_of_speech()[0] == "名詞"
                        and len(p.surface()) > 1
                        and plemma not in STOP_LEMMAS
                    ):
                        out.append(Term(folds.get(plemma, plemma), "名詞", False))
        return out

    def __call__(self, text: str) -> list[str]:
        return [t.text for t in self.terms(text)]


@cache
def default_tokenizer() -> SudachiTokenizer:
    """The process-wide Sudachi tokenizer (loading the dictionary takes ~0.2 s)."""
    return SudachiTokenizer()
