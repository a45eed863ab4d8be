"""Uploaded files, for the console and the API alike: the name they are stored under, and a
bounded copy into a private temporary folder that the importers (which read paths) can read."""

from __future__ import annotations

import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
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


class UploadError(InvalidInputError):
    """An upload refused before any importer read it: `kind` is why ("no_name", "duplicate",
    "too_large"), `file` which one."""

    def __init__(self, kind: str, file: str, reason: str, *, where: str) -> None:
        self.kind = kind
        self.file = file
        super().__init__(reason, where=where)


@contextmanager
def saved_uploads(
    uploads: Sequence[UploadFile], limit: int, *, where: str = "files"
) -> Iterator[list[Path]]:
    """Uploads saved under their cleaned names in one temporary folder, removed afterwards;
    at most `limit` bytes together. A file without a usable name, two files of one name, or
    too many bytes is an `UploadError` naming the file."""
    with tempfile.TemporaryDirectory(prefix="breachdesk-upload-") as folder:
        paths: list[Path] = []
        budget = limit
        for upload in uploads:
            name = upload_name(upload.filename)
            if not name:
                raise UploadError(
                    "no_name", upload.filename or "", "an upload has no usable name", where=where
                )
            path = Path(folder) / name
            if path in paths:
                raise UploadError("duplicate", name, f"two uploads are named {name}", where=where)
            written = copy_upload(upload, path, budget)
            if written is None:
                raise UploadError(
                    "too_large", name, f"the uploads are over {limit:,} bytes", where=where
                )
            budget -= written
            paths.append(path)
        yield paths


@contextmanager
def saved_upload(upload: UploadFile, limit: int, *, where: str = "file") -> Iterator[Path]:
    """One upload saved as `saved_uploads` saves several."""
    with saved_uploads([upload], limit, where=where) as paths:
        yield paths[0]
