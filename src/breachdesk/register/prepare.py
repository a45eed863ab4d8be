"""An affected list's rows turned into what the register stores, in worker processes for a
large list.

Per row: the cells checked and normalised (`columns.parse_row`), the person's key, the record's
JSON, its keyed digest, its AES-GCM encryption and the three blind indexes — five HMACs and about
35 µs of Python a row, most of an import's CPU (a py-spy profile of a million-person import put
parse and check at 30 %, the HMACs at 26 %, JSON at 13 % of the importing thread). None of it
needs the database or the rows before it, so a large import (`PARALLEL_FROM` rows or more) hands
batches of rows to `workers()` processes and takes the results back in order, while the importing
process keeps what needs the whole list or the session: reading the CSV, the duplicate check, the
comparison with the people already on the register, and the writes.

The processes are *spawned*, never forked: the importing process may run threads (the writer
thread, a web server's) whose locks a fork would copy held. At most `2 × workers` batches are in
flight, so memory stays bounded whatever the list's length. The register's data key reaches the
workers through the pool's pipe, as it is already in the importing process's memory; nothing
about a person is written anywhere but the database, and a worker's clear values live only in its
memory, batch by batch, as the importing process's do.
"""

from __future__ import annotations

import json
import os
from collections import deque
from collections.abc import Generator, Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from typing import NamedTuple

from breachdesk.register.columns import parse_row
from breachdesk.register.crypto import DataKey

PARALLEL_FROM = 20_000
"""Rows (as estimated from the file's lines) from which an import uses worker processes; below,
starting them (~0.1 s each) costs more than it saves."""
MAX_WORKERS = 8


def record_bytes(record: Mapping[str, str], items: list[str]) -> bytes:
    """A person's record as the JSON that is encrypted (fields and leaked items, sorted keys)."""
    return json.dumps(
        {**record, "items": items}, ensure_ascii=False, separators=(",", ":"), sort_keys=True
    ).encode()


def record_context(register_id: int, person_key: bytes) -> bytes:
    """What a record's encryption is bound to: its register and its person (no row swaps)."""
    return b"breachdesk person %d " % register_id + person_key


_INDEXED = ("customer", "mail", "phone")  # `PreparedRow`'s blind index fields, in its order


class PreparedRow(NamedTuple):
    """One good row, ready to be stored: everything personal in it is encrypted or keyed."""

    line: int
    person_key: bytes
    digest: bytes
    record: bytes
    items: tuple[str, ...]
    customer_ix: bytes | None
    mail_ix: bytes | None
    phone_ix: bytes | None


@dataclass
class PreparedBatch:
    """A batch's outcome: how many non-blank rows it had, the good rows, the bad ones (line,
    reason naming the column, never the value), all in line order."""

    rows: int = 0
    good: list[PreparedRow] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RowRules:
    """What the per-row work needs to know of the import (picklable: sent to each worker)."""

    key: DataKey
    register_id: int
    columns: Mapping[str, int]
    item_labels: Mapping[str, str]
    key_kind: str
    key_column: str

    def label_hash(self, label: str) -> str:
        return self.key.blind("item-label", label).hex()

    def prepare(self, batch: Iterable[tuple[int, list[str]]]) -> PreparedBatch:
        """Check, key, encrypt and index a batch of (line, cells); blank rows are skipped."""
        out = PreparedBatch()
        key, kind, register_id = self.key, self.key_kind, self.register_id
        blind, encrypt = key.blind, key.encrypt
        for line, cells in batch:
            if not any(c.strip() for c in cells):
                continue
            out.rows += 1
            try:
                record, leaked, identifiers = parse_row(
                    cells, self.columns, self.item_labels, self.label_hash
                )
                key_value = identifiers.get(kind, "")
                if not key_value:
                    raise ValueError(f"{self.key_column}：空です（方を見分ける列です）")
            except ValueError as exc:
                out.problems.append((line, str(exc)))
                continue
            person_key = blind("key:" + kind, key_value)
            plain = record_bytes(record, leaked)
            out.good.append(
                PreparedRow(
                    line,
                    person_key,
                    blind("digest", plain.decode()),
                    encrypt(plain, record_context(register_id, person_key)),
                    tuple(leaked),
                    *(blind(k, identifiers[k]) if k in identifiers else None for k in _INDEXED),
                )
            )
        return out


def workers() -> int:
    """Worker processes for a large import: one per core this process may run on (at most
    `MAX_WORKERS`); none on a single core, where they would only add the pipe's cost."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 0 if cores < 2 else min(cores, MAX_WORKERS)


def processes_for(rows: int | None) -> int:
    """Worker processes for an import of about `rows` rows (0: prepare them in-process)."""
    return workers() if (rows or 0) >= PARALLEL_FROM else 0


_RULES: RowRules | None = None  # a worker's rules, set once when it starts


def _start_worker(rules: RowRules) -> None:
    global _RULES
    _RULES = rules


def _prepare_in_worker(batch: list[tuple[int, list[str]]]) -> PreparedBatch:
    assert _RULES is not None, "the worker was started without its rules"
    return _RULES.prepare(batch)


def prepared(
    rules: RowRules, batches: Iterable[list[tuple[int, list[str]]]], processes: int
) -> Generator[PreparedBatch, None, None]:
    """Each batch prepared, in order: in `processes` workers, or here when it is 0.

    Reading `batches` goes on while the workers work, at most `2 × processes` batches ahead.
    Closing the iterator early (an error in the caller) stops the workers."""
    if processes <= 0:
        for batch in batches:
            yield rules.prepare(batch)
        return
    with ProcessPoolExecutor(
        processes,
        mp_context=get_context("spawn"),
        initializer=_start_worker,
        initargs=(rules,),
    ) as pool:
        pending: deque[Future[PreparedBatch]] = deque()
        try:
            for batch in batches:
                pending.append(pool.submit(_prepare_in_worker, batch))
                if len(pending) >= 2 * processes:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for waiting in pending:
                waiting.cancel()
