"""Uploaded files, for the console and the API alike: the name they are stored under, and a
bounded copy into a private temporary folder that the importers (which read paths) can read."""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from breachdesk.errors import InvalidInputError

COPY_CHUNK = 1 << 20


def upload_name(raw: str | None) -> str:
    """An uploaded file's name as stored: its base name only, NFC, no control characters.

    Documents are versioned by file name, so the name is kept as the person's computer sent it
    (NFC, because macOS sends decomposed kana) and only stripped of any folder part.
    """
    name = unicodedata.normalize("NFC", (raw or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if ch.isprintable()).strip().lstrip(".").strip()
    return name[:200]


def copy_upload(upload: UploadFile, path: Path, budget: int) -> int | None:
    """Copy an upload to `path`; the bytes written, or None as soon as it exceeds `budget`."""
    total = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(COPY_CHUNK):
            total += len(chunk)
            if total > budget:
                return None
            out.write(chunk)
    return total


@contextmanager
def saved_upload(upload: UploadFile, limit: int, *, where: str = "file") -> Iterator[Path]:
    """One upload saved under its cleaned name in a temporary folder, removed afterwards.

    A file without a usable name, or over `limit` bytes, is an `InvalidInputError` naming it.
    """
    name = upload_name(upload.filename)
    if not name:
        raise InvalidInputError("the uploaded file has no usable name", where=where)
    with tempfile.TemporaryDirectory(prefix="breachdesk-upload-") as folder:
        path = Path(folder) / name
        if copy_upload(upload, path, limit) is None:
            raise InvalidInputError(f"{name} is over the {limit:,}-byte limit", where=where)
        yield path
