"""Calls released together in threads, for the tests of atomic limits and counters."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def at_once(count: int, work: Callable[[int], T]) -> list[T | BaseException]:
    """Run `work(i)` in `count` threads released together; results or raised errors."""
    gate = threading.Barrier(count)

    def run(i: int) -> T | BaseException:
        gate.wait()
        try:
            return work(i)
        except Exception as exc:  # collected: the test counts outcomes
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))
