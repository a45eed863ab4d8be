"""Master key, per-incident data keys and AES-256-GCM.

Envelope encryption: each incident's register has a random 32-byte *data key*, stored only
wrapped (AES-256-GCM) by the *master key*, which comes from the environment or a key file and
never from the database or the repository. From the data key two keys are derived: one encrypts
records, the other keys the blind indexes. Rotating the master key re-wraps data keys only, so
records and blind indexes stay as they are.

A master key is identified by a short id (an HMAC of the key under a fixed label), stored next
to each wrap, so a wrong key is told apart from a damaged wrap and named in the error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from breachdesk.errors import KeyUnavailableError

KEY_BYTES = 32
NONCE_BYTES = 12
INDEX_BYTES = 16
"""Blind index values are HMAC-SHA256 truncated to 128 bits: collisions are negligible at any
register size and the index stays small."""

NO_KEY = (
    "対象者名簿のマスターキーが設定されていません。BREACHDESK_MASTER_KEY に鍵を設定するか、"
    "`breachdesk keys new --out FILE` で作った鍵のファイルを BREACHDESK_MASTER_KEY_FILE で"
    "指定してください"
)


def new_master_key() -> str:
    """A new random master key, as the text `breachdesk keys new` prints (base64url, 44 chars)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


@dataclass(frozen=True)
class MasterKey:
    """The master key's bytes (never printed) and its public id."""

    material: bytes = field(repr=False)

    @property
    def id(self) -> str:
        return hmac.new(self.material, b"breachdesk master key id", hashlib.sha256).hexdigest()[:16]

    @classmethod
    def parse(cls, text: str, *, where: str = "マスターキー") -> MasterKey:
        """Read a key as `keys new` writes it; anything else is a clear error (never echoed)."""
        try:
            material = base64.urlsafe_b64decode(text.strip().encode("ascii"))
        except (binascii.Error, UnicodeEncodeError, ValueError):
            material = b""
        if len(material) != KEY_BYTES:
            raise KeyUnavailableError(
                f"{where}は breachdesk のマスターキーではありません（`breachdesk keys new` が"
                "出力する44文字の鍵を指定してください。値は表示しません）"
            )
        return cls(material)

    @classmethod
    def from_file(cls, path: Path) -> MasterKey:
        """The key in a file only its owner can read (refused otherwise, as ssh refuses a
        private key file that group or others may read)."""
        check_key_file_mode(path)
        try:
            text = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as exc:
            raise KeyUnavailableError(
                f"マスターキーのファイル {path} を読めません（{type(exc).__name__}）"
            ) from exc
        return cls.parse(text, where=f"マスターキーのファイル {path} の中身")

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        """The data key sealed under this key; `context` binds the wrap to its register."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + AESGCM(self.material).encrypt(nonce, data_key, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        try:
            return AESGCM(self.material).decrypt(
                wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context
            )
        except (InvalidTag, ValueError) as exc:
            raise KeyUnavailableError(
                f"マスターキー {self.id} ではこの名簿のデータキーを開けません"
                "（壊れているか、別のマスターキーで暗号化されています）"
            ) from exc


def check_key_file_mode(path: Path) -> None:
    """Refuse a key file that its group or others may read or write (mode & 0o077)."""
    if os.name != "posix":
        return
    try:
        mode = path.stat().st_mode
    except OSError:
        return  # reading it then fails with its own clear error
    if mode & 0o077:
        raise KeyUnavailableError(
            f"マスターキーのファイル {path} はグループやほかのユーザーも読める権限"
            f"（{stat.S_IMODE(mode):04o}）になっているため、使いません。"
            f"`chmod 600 {path}` で所有者だけが読めるようにしてください"
        )


def write_key_file(path: Path, key: str) -> None:
    """Write a new key file readable by its owner only (0600); never over an existing file."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise KeyUnavailableError(
            f"{path} はすでにあります。マスターキーを上書きすると、その鍵で守られた名簿を"
            "開けなくなるため、書き込みません"
        ) from None
    except OSError as exc:
        raise KeyUnavailableError(f"鍵のファイル {path} を作れません（{exc.strerror}）") from exc
    with os.fdopen(fd, "w", encoding="ascii") as out:
        if os.name == "posix":
            os.fchmod(out.fileno(), 0o600)  # whatever the umask
        out.write(key + "\n")


def load_master_key(key: str | None, key_file: Path | None) -> MasterKey:
    """The configured master key: `BREACHDESK_MASTER_KEY`, else the key file, else an error."""
    if key:
        return MasterKey.parse(key, where="BREACHDESK_MASTER_KEY の値")
    if key_file is not None and str(key_file) not in ("", "."):  # an empty variable is unset
        return MasterKey.from_file(key_file)
    raise KeyUnavailableError(NO_KEY)


class DataKey:
    """One register's data key: encrypts and decrypts records, computes blind indexes."""

    def __init__(self, material: bytes) -> None:
        if len(material) != KEY_BYTES:
            raise KeyUnavailableError("データキーは32バイトでなければなりません")
        self._material = material
        record_key = hmac.digest(material, b"breachdesk record encryption", "sha256")
        self._index_key = hmac.digest(material, b"breachdesk blind index", "sha256")
        self._aead = AESGCM(record_key)

    def __reduce__(self) -> tuple[type[DataKey], tuple[bytes]]:
        # Pickled only to reach a large import's worker processes through their pipe
        # (`register.prepare`); it is never written anywhere.
        return (DataKey, (self._material,))

    @staticmethod
    def generate() -> bytes:
        return secrets.token_bytes(KEY_BYTES)

    def encrypt(self, plaintext: bytes, context: bytes) -> bytes:
        """Nonce + ciphertext + tag; `context` (authenticated, not stored) binds it to its row."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, context)

    def decrypt(self, blob: bytes, context: bytes) -> bytes:
        try:
            return self._aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context)
        except (InvalidTag, ValueError) as exc:
            raise KeyUnavailableError(
                "対象者名簿の記録を復号できません（壊れているか、別の行に移されています）"
            ) from exc

    def blind(self, kind: str, normalised: str) -> bytes:
        """The blind index of a normalised value of one kind (mail, phone, customer, …)."""
        message = kind.encode() + b"\x00" + normalised.encode()
        return hmac.digest(self._index_key, message, "sha256")[:INDEX_BYTES]
