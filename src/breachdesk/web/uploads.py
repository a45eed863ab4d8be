"""Uploaded files, for the console and the API alike: the name they are shown and versioned
under, and a bounded copy into a private temporary folder that the importers (which read paths)
can read.

The uploaded name is never a path component: a file is saved as ``upload-N`` plus a short,
checked extension (importers pick a format by it), and its cleaned name travels beside the path
as `SavedUpload.name`, the name every message and every document version uses. A Japanese name
of 84 characters (252 bytes) once overflowed the file system's 255-byte limit, and error
messages showed the server's temporary folder."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePath

from fastapi import UploadFile

from breachdesk.errors import InvalidInputError

COPY_CHUNK = 1 << 20
_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")


@dataclass(frozen=True)
class SavedUpload:
    """One saved upload: where it is on disk, and the name it was uploaded as (cleaned)."""

    path: Path
    name: str


def safe_suffix(name: str) -> str:
    """The extension of an uploaded name if it is a plain one (``.csv``, ``.xlsx``), else ''."""
    suffix = PurePath(name).suffix.lower()
    return suffix if _EXTENSION.fullmatch(suffix) else ""


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
) -> Iterator[list[SavedUpload]]:
    """Uploads saved in one temporary folder (removed afterwards) under generated names, each
    with its cleaned uploaded name; at most `limit` bytes together. A file without a usable
    name, two files of one name, or too many bytes is an `UploadError` naming the file."""
    with tempfile.TemporaryDirectory(prefix="breachdesk-upload-") as folder:
        saved: list[SavedUpload] = []
        budget = limit
        for number, upload in enumerate(uploads, start=1):
            name = upload_name(upload.filename)
            if not name:
                raise UploadError(
                    "no_name", upload.filename or "", "an upload has no usable name", where=where
                )
            if any(s.name == name for s in saved):
                raise UploadError("duplicate", name, f"two uploads are named {name}", where=where)
            path = Path(folder) / f"upload-{number}{safe_suffix(name)}"
            written = copy_upload(upload, path, budget)
            if written is None:
                raise UploadError(
                    "too_large", name, f"the uploads are over {limit:,} bytes", where=where
                )
            budget -= written
            saved.append(SavedUpload(path, name))
        yield saved


@contextmanager
def saved_upload(upload: UploadFile, limit: int, *, where: str = "file") -> Iterator[SavedUpload]:
    """One upload saved as `saved_uploads` saves several."""
    with saved_uploads([upload], limit, where=where) as saved:
        yield saved[0]
