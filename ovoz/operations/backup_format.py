"""The encrypted container of a backup: a stream of records, sealed to the backup public key.

The server holds only the backup *public* key (``OVOZ_BACKUP_PUBLIC_KEY``): it can write backups but
not read them, so a seized server or a stolen backup file gives away nothing. Layout::

    preamble   MAGIC (8) | FORMAT_VERSION (1) | key id (8) | sealed file key (80) | stream header (24)
    frames     length (4, big-endian) | ciphertext (length bytes), repeated

A random 32-byte file key is sealed to the public key (libsodium sealed box, X25519). The records are
encrypted with that key by libsodium's secretstream (XChaCha20-Poly1305): every frame is
authenticated, frames cannot be reordered, dropped or repeated, the first frame also authenticates
the preamble, and the last one carries the FINAL tag, so a truncated file is told from a complete one.
Records are written and read one at a time: a large photo never sits in memory whole.

A record's plaintext is one type byte and its payload (JSON or raw bytes, see ``ovoz.operations.backups``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import nacl.bindings as sodium
import nacl.public
import nacl.utils
from nacl.exceptions import CryptoError

MAGIC = b"OVOZBAK\n"
FORMAT_VERSION = 1
KEY_ID_BYTES = 8
FILE_KEY_BYTES = sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES
SEALED_KEY_BYTES = FILE_KEY_BYTES + sodium.crypto_box_SEALBYTES
STREAM_HEADER_BYTES = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES
PREAMBLE_BYTES = len(MAGIC) + 1 + KEY_ID_BYTES + SEALED_KEY_BYTES + STREAM_HEADER_BYTES
FRAME_OVERHEAD = sodium.crypto_secretstream_xchacha20poly1305_ABYTES
# Writers keep records well below this; a bigger length field can only come from a damaged file.
MAX_RECORD_BYTES = 4 * 1024 * 1024

TAG_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
TAG_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL


class BackupError(Exception):
    """A backup cannot be written or restored; ``message`` says why, for the operator."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


# --- Keys --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BackupKeypair:
    public: str  # base64, for OVOZ_BACKUP_PUBLIC_KEY
    private: str  # base64, kept offline
    key_id: str


def key_id(public_key: nacl.public.PublicKey) -> str:
    """A short fingerprint naming the key a backup was sealed to (it reveals nothing of the key)."""
    return hashlib.blake2b(bytes(public_key), digest_size=KEY_ID_BYTES, person=b"ovoz-backup-id").hexdigest()


def keypair_generate() -> BackupKeypair:
    private = nacl.public.PrivateKey.generate()
    return BackupKeypair(
        public=base64.b64encode(bytes(private.public_key)).decode(),
        private=base64.b64encode(bytes(private)).decode(),
        key_id=key_id(private.public_key),
    )


def _key_bytes(text: str, *, what: str) -> bytes:
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    value = lines[0] if len(lines) == 1 else ""
    if "=" in value and not value.endswith("="):  # a pasted "OVOZ_BACKUP_PUBLIC_KEY=..." line
        value = value.partition("=")[2].strip()
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != nacl.public.PublicKey.SIZE:
        raise BackupError(
            f"The {what} is not a backup key: expected one line of base64 (44 characters), "
            "as printed by `ovoz backup-keygen`.",
            code="invalid_key",
        )
    return raw


def public_key_parse(text: str) -> nacl.public.PublicKey:
    return nacl.public.PublicKey(_key_bytes(text, what="public key"))


def private_key_parse(text: str) -> nacl.public.PrivateKey:
    return nacl.public.PrivateKey(_key_bytes(text, what="private key"))


# --- Writing -----------------------------------------------------------------------------------


class EncryptedWriter:
    """Write records to ``output``, sealed to ``public_key``; call ``finish`` with the last record."""

    def __init__(self, output: BinaryIO, *, public_key: nacl.public.PublicKey) -> None:
        self.output = output
        file_key = nacl.utils.random(FILE_KEY_BYTES)
        self.state = sodium.crypto_secretstream_xchacha20poly1305_state()
        stream_header = sodium.crypto_secretstream_xchacha20poly1305_init_push(self.state, file_key)
        sealed_key = sodium.crypto_box_seal(file_key, bytes(public_key))
        self.preamble: bytes | None = (
            MAGIC + bytes([FORMAT_VERSION]) + bytes.fromhex(key_id(public_key)) + sealed_key + stream_header
        )
        output.write(self.preamble)
        self.bytes_written = len(self.preamble)
        self.is_finished = False

    def _push(self, plaintext: bytes, tag: int) -> None:
        if self.is_finished:
            raise BackupError("The backup was already finished.", code="finished")
        if len(plaintext) > MAX_RECORD_BYTES:
            raise BackupError("A backup record is too large.", code="record_too_large")
        # The first frame authenticates the preamble too: the key id cannot be swapped unnoticed.
        associated = self.preamble
        self.preamble = None
        frame = sodium.crypto_secretstream_xchacha20poly1305_push(self.state, plaintext, associated, tag)
        self.output.write(struct.pack(">I", len(frame)) + frame)
        self.bytes_written += 4 + len(frame)

    def write(self, kind: bytes, payload: bytes) -> None:
        self._push(kind + payload, TAG_MESSAGE)

    def write_json(self, kind: bytes, data: Any) -> None:
        self.write(kind, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())

    def finish(self, kind: bytes, data: Any) -> None:
        self._push(kind + json.dumps(data, separators=(",", ":")).encode(), TAG_FINAL)
        self.is_finished = True
        self.output.flush()


# --- Reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Record:
    kind: bytes
    payload: bytes
    is_final: bool

    def json(self) -> Any:
        try:
            return json.loads(self.payload)
        except ValueError as error:  # authenticated, so only a writer's bug could cause this
            raise BackupError("The backup holds a record that cannot be read.", code="malformed") from error


def _read_exactly(source: BinaryIO, size: int) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        chunk = source.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


TRUNCATED = (
    "The backup file is incomplete (truncated): it ends before its last record. Nothing was restored; "
    "use a complete copy."
)
DAMAGED = (
    "The backup file is damaged or was altered: a part of it fails authentication. Nothing was restored; "
    "use an intact copy."
)


class EncryptedReader:
    """Read and authenticate the records of a backup with the private key; refuses anything altered."""

    def __init__(self, source: BinaryIO, *, private_key: nacl.public.PrivateKey) -> None:
        self.source = source
        preamble = _read_exactly(source, PREAMBLE_BYTES)
        if not preamble.startswith(MAGIC):
            raise BackupError("This file is not an Ovoz backup.", code="not_a_backup")
        if len(preamble) < PREAMBLE_BYTES:
            raise BackupError(TRUNCATED, code="truncated")
        version = preamble[len(MAGIC)]
        if version != FORMAT_VERSION:
            raise BackupError(
                f"This backup has format version {version}; this Ovoz reads version {FORMAT_VERSION}.",
                code="unknown_version",
            )
        offset = len(MAGIC) + 1
        backup_key_id = preamble[offset : offset + KEY_ID_BYTES].hex()
        offset += KEY_ID_BYTES
        sealed_key = preamble[offset : offset + SEALED_KEY_BYTES]
        stream_header = preamble[offset + SEALED_KEY_BYTES :]
        given_key_id = key_id(private_key.public_key)
        if backup_key_id != given_key_id:
            raise BackupError(
                f"This backup was encrypted for the backup key {backup_key_id}, but the private key given "
                f"belongs to key {given_key_id}. Nothing was restored.",
                code="wrong_key",
            )
        try:
            file_key = sodium.crypto_box_seal_open(sealed_key, bytes(private_key.public_key), bytes(private_key))
        except CryptoError as error:
            raise BackupError(DAMAGED, code="damaged") from error
        self.state = sodium.crypto_secretstream_xchacha20poly1305_state()
        try:
            sodium.crypto_secretstream_xchacha20poly1305_init_pull(self.state, stream_header, file_key)
        except (CryptoError, ValueError) as error:
            raise BackupError(DAMAGED, code="damaged") from error
        self.preamble: bytes | None = preamble
        self.key_id = backup_key_id

    def __iter__(self) -> Iterator[Record]:
        """Every record in order; the last one is final, and nothing may follow it."""
        while True:
            length_bytes = _read_exactly(self.source, 4)
            if len(length_bytes) < 4:
                raise BackupError(TRUNCATED, code="truncated")
            (length,) = struct.unpack(">I", length_bytes)
            if not FRAME_OVERHEAD < length <= MAX_RECORD_BYTES + FRAME_OVERHEAD:
                raise BackupError(DAMAGED, code="damaged")
            frame = _read_exactly(self.source, length)
            if len(frame) < length:
                raise BackupError(TRUNCATED, code="truncated")
            associated = self.preamble
            self.preamble = None
            try:
                plaintext, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(self.state, frame, associated)
            except (CryptoError, ValueError) as error:
                raise BackupError(DAMAGED, code="damaged") from error
            if not plaintext:
                raise BackupError(DAMAGED, code="damaged")
            is_final = tag == TAG_FINAL
            if is_final and self.source.read(1):
                raise BackupError(
                    "The backup file has data after its last record: it was altered. Nothing was restored.",
                    code="trailing_data",
                )
            yield Record(kind=plaintext[:1], payload=plaintext[1:], is_final=is_final)
            if is_final:
                return


def private_key_read(path: str) -> nacl.public.PrivateKey:
    """The private key from a file (one line of base64; lines starting with # are ignored)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read(4096)
    except OSError as error:
        raise BackupError(f"Cannot read the key file {path}: {error.strerror}", code="key_unreadable") from error
    return private_key_parse(text)
