"""The archive file: one tar (manifest, schema dump, public rows), optionally encrypted.

Plain archives are a tar whose manifest lists the SHA-256 of every other member: a damaged or edited
member is refused. Anyone can rewrite a plain archive *and* its manifest, so an archive that must not be
trusted blindly is encrypted: AES-256-GCM in 4 MiB chunks (a whole region never sits in memory), each
chunk authenticated with its index and a last-chunk flag, so an edited, reordered, truncated or extended
archive is refused. The key (32 bytes, URL-safe base64) comes from ``IKD_BACKUP_KEY`` or the file named
by ``IKD_BACKUP_KEY_FILE`` (or ``--key-file``); it is never written into the archive. The header carries
a key *id* (a hash of the key) only so that a wrong key gets a plain message instead of "corrupt".
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import struct
from pathlib import Path
from typing import BinaryIO

MAGIC = b"IKDRBAK1"  # encrypted archive; a plain one is a tar
CHUNK = 4 * 1024 * 1024
_HEADER = struct.Struct(">8s8s8s")  # magic, key id, nonce prefix
_FRAME = struct.Struct(">IB")  # ciphertext length, last-chunk flag


class ArchiveError(ValueError):
    """The archive or its key is not usable; the message says why."""


def load_key(key_file: str | None = None) -> bytes | None:
    """The key from ``key_file``, ``IKD_BACKUP_KEY_FILE`` or ``IKD_BACKUP_KEY``; None when none is set."""
    text: str | None = None
    source = "IKD_BACKUP_KEY"
    path = key_file or os.environ.get("IKD_BACKUP_KEY_FILE")
    if path:
        source = path
        try:
            text = Path(path).read_text().strip()
        except OSError as error:
            raise ArchiveError(f"Cannot read the backup key file {path}: {error.strerror}.") from error
    elif os.environ.get("IKD_BACKUP_KEY"):
        text = os.environ["IKD_BACKUP_KEY"].strip()
    if text is None:
        return None
    try:
        return load_key_text(text)
    except ArchiveError as error:
        raise ArchiveError(f"The backup key in {source}: {error}") from error


def new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"ikd-backup-key-id" + key).digest()[:8]


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">QB", index, int(last))


def encrypt(source: BinaryIO, target: BinaryIO, key: bytes) -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    aes = AESGCM(key)
    prefix = secrets.token_bytes(8)
    header = _HEADER.pack(MAGIC, key_id(key), prefix)
    target.write(header)
    index = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        last = not following
        nonce = prefix[:8] + struct.pack(">I", index)
        sealed = aes.encrypt(nonce, chunk, _aad(header, index, last))
        target.write(_FRAME.pack(len(sealed), int(last)))
        target.write(sealed)
        if last:
            return
        chunk, index = following, index + 1


def decrypt(source: BinaryIO, target: BinaryIO, key: bytes | None) -> None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    header = source.read(_HEADER.size)
    if len(header) != _HEADER.size:
        raise ArchiveError("The archive is cut short: its header is incomplete.")
    magic, wanted_id, prefix = _HEADER.unpack(header)
    if magic != MAGIC:
        raise ArchiveError("This is not an encrypted IKD region archive.")
    if key is None:
        raise ArchiveError(
            "This archive is encrypted: give its key (IKD_BACKUP_KEY, IKD_BACKUP_KEY_FILE or --key-file)."
        )
    if key_id(key) != wanted_id:
        raise ArchiveError("Wrong key: this archive was encrypted with another backup key.")
    aes = AESGCM(key)
    index = 0
    while True:
        frame = source.read(_FRAME.size)
        if len(frame) != _FRAME.size:
            raise ArchiveError("The archive is cut short (its last part is missing): refused.")
        length, last = _FRAME.unpack(frame)
        sealed = source.read(length)
        if len(sealed) != length or last > 1:
            raise ArchiveError("The archive is cut short or damaged: refused.")
        nonce = prefix + struct.pack(">I", index)
        try:
            target.write(aes.decrypt(nonce, sealed, _aad(header, index, bool(last))))
        except InvalidTag as error:
            raise ArchiveError(
                f"The archive was altered or damaged (part {index + 1} fails its authentication): refused."
            ) from error
        if last:
            if source.read(1):
                raise ArchiveError("The archive has data after its end (altered): refused.")
            return
        index += 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_key_text(text: str) -> bytes:
    """A key given as text (URL-safe base64 of 32 bytes)."""
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except ValueError:
        key = b""
    if len(key) != 32:
        raise ArchiveError("A backup key must be 32 bytes in URL-safe base64 (see backup_region --new-key).")
    return key
