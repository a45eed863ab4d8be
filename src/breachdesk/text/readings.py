"""Readings: how a question typed all in kana meets documents written in kanji.

Many askers never convert what they type (「かーどばんごう もれた？」). Two things let such a
question find what the same question in kanji finds:

- **Readings.** Every text also has a reading: Sudachi's reading of each word that holds kanji
  or katakana (`番号` → バンゴウ), the word itself otherwise (digits, latin letters, kana),
  folded to katakana without spaces. Character n-grams of readings are matched like the
  characters of the text, so 「ばんごう」 meets 「番号」 and a typo costs one n-gram, not the word.
- **Conversion.** A question that is nearly all kana is re-written in the documents' own
  words before it is matched: its kana runs are segmented against a vocabulary of
  (reading → written form) pairs taken from the incident's texts and the breach vocabulary
  (`KanaConverter`) with a unigram model of those words, particles and endings included, so
  「ばんごう」 becomes 「番号」 when the documents say 番号 while 「した」 stays した. What no known
  word covers stays as typed.

Judgement calls, stated once: a question is *kana-typed* when it has at least six kana and
kanji make up under a tenth of its Japanese letters (ordinary Japanese runs 25–40 % kanji);
among words sharing a reading, the one the vocabulary met most often wins (ties: the longer
written form).
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, Protocol

from breachdesk.text.normalise import normalise

_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々〆]")
_KATAKANA = re.compile(r"[\u30a1-\u30fa]")
_HIRAGANA = re.compile(r"[\u3041-\u3096]")
_KANA_RUN = re.compile(r"[\u3041-\u3096\u30a1-\u30faー]+")
# Small kana and long-vowel marks are often typed differently; readings fold them.
_FOLD = str.maketrans(
    {"ァ": "ア", "ィ": "イ", "ゥ": "ウ", "ェ": "エ", "ォ": "オ", "ヵ": "カ", "ヶ": "ケ", "ヮ": "ワ"}
)
KANA_TYPED_MIN_KANA = 6
KANA_TYPED_MAX_KANJI_SHARE = 0.1


def to_katakana(text: str) -> str:
    """Hiragana folded to katakana; everything else unchanged."""
    return "".join(chr(ord(c) + 0x60) if "\u3041" <= c <= "\u3096" else c for c in text)


def to_hiragana(text: str) -> str:
    """Katakana folded to hiragana (ー and everything else unchanged)."""
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def is_kana_typed(text: str) -> bool:
    """Whether a question was typed (nearly) without kanji: at least six kana, kanji under a
    tenth of its Japanese letters."""
    kanji = len(_KANJI.findall(text))
    kana = len(_HIRAGANA.findall(text)) + len(_KATAKANA.findall(text))
    return kana >= KANA_TYPED_MIN_KANA and kanji < KANA_TYPED_MAX_KANJI_SHARE * (kanji + kana)


class Morpheme(Protocol):
    """The parts of a Sudachi morpheme that readings use."""

    def surface(self) -> str: ...

    def reading_form(self) -> str: ...


Analyse = Callable[[str], Iterable[Morpheme]]


def word_reading(surface: str, reading: str) -> str:
    """A word's reading as the documents' side and the asker's side both write it: Sudachi's
    reading for a word holding kanji or katakana, the word itself otherwise, in katakana."""
    if (_KANJI.search(surface) or _KATAKANA.search(surface)) and reading:
        return reading
    return to_katakana(surface)


class Readings:
    """Readings of texts and their character n-grams, through a morphological analyser."""

    def __init__(self, analyse: Analyse) -> None:
        self._analyse = analyse

    def words(self, text: str) -> list[tuple[str, str]]:
        """(surface, reading) of each word of the normalised text, spaces left out."""
        out = []
        for m in self._analyse(normalise(text)):
            surface = m.surface()
            if not surface.strip():
                continue
            out.append((surface, word_reading(surface, m.reading_form())))
        return out

    def reading(self, text: str) -> str:
        """The whole text's reading, in katakana, small kana folded, without spaces."""
        return joined_reading(self.words(text))

    def ngrams(self, text: str, n: int = 2) -> list[str]:
        """Overlapping character n-grams of the text's reading."""
        return reading_ngrams(self.reading(text), n)


def joined_reading(words: Iterable[tuple[str, str]]) -> str:
    """The reading of a run of (written form, reading) words, small kana folded."""
    return "".join(r for _, r in words).translate(_FOLD)


def reading_ngrams(reading: str, n: int = 2) -> list[str]:
    """Overlapping n-grams of a reading (the reading itself when shorter)."""
    if len(reading) < n:
        return [reading] if reading else []
    return [reading[i : i + n] for i in range(len(reading) - n + 1)]


class KanaConverter:
    """Re-writes the kana runs of a question with the written forms of a vocabulary.

    Built from the (written form, reading) pairs of running text — particles and endings
    included, so that 「した」 stays した rather than becoming 下 — it segments each kana run of a
    question with a unigram model of those words (the most probable segmentation; kana no
    word covers cost far more than any word) and writes each word as the vocabulary writes it.
    """

    def __init__(self, words: Iterable[tuple[str, str]]) -> None:
        counts: Counter[tuple[str, str]] = Counter()
        for surface, reading in words:
            kana = to_hiragana(reading)
            if _only_kana(kana):
                counts[(kana, surface)] += 1
        by_kana: Counter[str] = Counter()
        best: dict[str, tuple[int, int, str]] = {}
        for (kana, surface), n in counts.items():
            by_kana[kana] += n
            key = (n, len(surface), surface)
            if kana not in best or key > best[kana]:
                best[kana] = key
        total = sum(by_kana.values()) + 1.0
        self.forms = {kana: surface for kana, (_, _, surface) in best.items()}
        self.cost = {kana: -math.log(n / total) for kana, n in by_kana.items()}
        # A kana no word covers costs more than a word met once, so covering wins.
        self.uncovered = -math.log(0.1 / total)
        self.longest = max((len(k) for k in self.forms), default=0)

    def __len__(self) -> int:
        return len(self.forms)

    def convert(self, text: str) -> str:
        """`text` with each kana run re-written in the vocabulary's words where they cover it."""
        return _KANA_RUN.sub(lambda m: self._run(m.group(0)), normalise(text))

    def _run(self, run: str) -> str:
        kana = to_hiragana(run)
        n = len(kana)
        best = [0.0] + [math.inf] * n
        step: list[tuple[int, str | None]] = [(0, None)] * (n + 1)
        for i in range(n):
            if best[i] == math.inf:
                continue
            if best[i] + self.uncovered < best[i + 1]:
                best[i + 1], step[i + 1] = best[i] + self.uncovered, (i, None)
            for j in range(i + 1, min(n, i + self.longest) + 1):
                cost = self.cost.get(kana[i:j])
                if cost is not None and best[i] + cost < best[j]:
                    best[j], step[j] = best[i] + cost, (i, self.forms[kana[i:j]])
        parts: list[str] = []
        j = n
        while j > 0:
            i, form = step[j]
            parts.append(form if form is not None else run[i:j])
            j = i
        return "".join(reversed(parts))


def _only_kana(text: str) -> bool:
    return bool(text) and all("\u3041" <= c <= "\u3096" or c == "ー" for c in text)


class SudachiReadings(Readings):
    """`Readings` through Sudachi (SplitMode C), one tokenizer per thread."""

    def __init__(self, dictionary: Any = None) -> None:
        from sudachipy import Dictionary, SplitMode

        self._dictionary = dictionary if dictionary is not None else Dictionary(dict="core")
        self._mode = SplitMode.C
        self._local = threading.local()
        super().__init__(self._tokenize)

    def _tokenize(self, text: str) -> Iterable[Morpheme]:
        tokenizer = getattr(self._local, "tokenizer", None)
        if tokenizer is None:
            tokenizer = self._local.tokenizer = self._dictionary.tokenizer()
        return list(tokenizer.tokenize(text, self._mode))


@cache
def default_readings() -> SudachiReadings:
    """The process-wide Sudachi readings, on the tokenizer's dictionary (it loads once)."""
    from breachdesk.text.tokens import default_tokenizer

    return SudachiReadings(default_tokenizer().dictionary)


def vocabulary_words(readings: Readings, texts: Iterable[str]) -> list[tuple[str, str]]:
    """Every (written form, reading) pair of the texts, for a `KanaConverter`."""
    out: list[tuple[str, str]] = []
    for text in texts:
        out.extend(readings.words(text))
    return out
