"""Concurrent questions share encoder calls (`text.batching`) and each gets its own rows."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from breachdesk.text.batching import BatchingEncoder


class Slow:
    """A deterministic encoder that takes a moment per call, as a model does."""

    name = "slow"

    def __init__(self) -> None:
        self.calls: list[int] = []

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        self.calls.append(len(texts))
        time.sleep(0.02)
        if any("boom" in t for t in texts):
            raise ValueError("the model refused")
        return np.array(
            [[len(t), sum(map(ord, t)) % 997, i] for i, t in enumerate(texts)], dtype=np.float32
        )[:, :2]


def test_concurrent_callers_share_calls_and_get_their_own_rows() -> None:
    inner = Slow()
    batching = BatchingEncoder(inner, max_batch=8)
    asks = [[f"質問{i}", f"質問{i}の一部"] if i % 2 else [f"質問{i}"] for i in range(24)]
    got: dict[int, NDArray[np.float32]] = {}

    def ask(i: int) -> None:
        got[i] = batching.encode(asks[i])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(asks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i, texts in enumerate(asks):
        np.testing.assert_array_equal(got[i], Slow().encode(texts))
    assert sum(inner.calls) == sum(map(len, asks))
    assert len(inner.calls) < len(asks)  # they shared calls
    assert max(inner.calls) <= 8


def test_a_failed_call_fails_its_callers_and_not_the_next() -> None:
    batching = BatchingEncoder(Slow())
    with pytest.raises(ValueError, match="refused"):
        batching.encode(["boom"])
    np.testing.assert_array_equal(batching.encode(["ok"]), Slow().encode(["ok"]))
