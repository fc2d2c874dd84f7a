"""Public-key sealing for confidential concerns (DESIGN §5), on libsodium through PyNaCl.

- A staff user has an X25519 keypair. The private key is stored only wrapped: once under a key derived
  from their password (Argon2id) and once under a key derived from a printable recovery key.
- A confidential concern has its own keypairs (one for its story, one for its contact). Anything the
  reporter or staff add is sealed to the concern's public key, so the server can add to a concern it
  cannot read. The concern's private keys are sealed to each recipient's public key, and wrapped by a
  key derived from the reporter's receipt, which the server never stores.

Nothing here uses the deployment data key or SECRET_KEY: a database dump with every server secret
still opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
import struct
from dataclasses import dataclass

import nacl.exceptions
import nacl.public
import nacl.pwhash.argon2id as argon2id
import nacl.secret
import nacl.utils
from django.conf import settings

WRAP_MAGIC = b"OVK1"
_HEADER = struct.Struct(">4sIQ")  # magic, opslimit, memlimit
_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_KEY_CHARACTERS = 32  # 160 bits, written as eight groups of four


class KeyMismatch(Exception):
    """A wrapped or sealed value that this secret does not open (wrong secret, or edited data)."""


@dataclass(frozen=True)
class Keypair:
    public: bytes
    private: bytes


def keypair_generate() -> Keypair:
    private = nacl.public.PrivateKey.generate()
    return Keypair(public=bytes(private.public_key), private=bytes(private))


def public_key_of(private: bytes) -> bytes:
    return bytes(nacl.public.PrivateKey(private).public_key)


# --- Wrapping a private key under a secret (password or recovery key) ------------------------------


def wrap(private: bytes, secret: str) -> bytes:
    """The private key encrypted under an Argon2id key of ``secret``, with the cost it was made at."""
    opslimit, memlimit = settings.OVOZ_KEY_WRAP_COST
    salt = nacl.utils.random(argon2id.SALTBYTES)
    key = argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, secret.encode(), salt, opslimit=opslimit, memlimit=memlimit)
    return _HEADER.pack(WRAP_MAGIC, opslimit, memlimit) + salt + bytes(nacl.secret.SecretBox(key).encrypt(private))


def unwrap(wrapped: bytes, secret: str) -> bytes:
    """The private key, or KeyMismatch if ``secret`` is not the one it was wrapped under."""
    try:
        magic, opslimit, memlimit = _HEADER.unpack_from(wrapped)
    except struct.error as error:
        raise KeyMismatch("not a wrapped key") from error
    if magic != WRAP_MAGIC:
        raise KeyMismatch("not a wrapped key")
    start = _HEADER.size
    salt, box = wrapped[start : start + argon2id.SALTBYTES], wrapped[start + argon2id.SALTBYTES :]
    key = argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, secret.encode(), salt, opslimit=opslimit, memlimit=memlimit)
    try:
        return bytes(nacl.secret.SecretBox(key).decrypt(box))
    except nacl.exceptions.CryptoError as error:
        raise KeyMismatch("wrong secret") from error


def recovery_key_generate() -> str:
    """160 random bits as 32 Crockford base32 characters in groups of four, to print and keep offline."""
    characters = "".join(secrets.choice(_CROCKFORD) for _index in range(RECOVERY_KEY_CHARACTERS))
    return "-".join(characters[i : i + 4] for i in range(0, RECOVERY_KEY_CHARACTERS, 4))


def recovery_key_normalise(text: str) -> str:
    """What a person typed, in the form the key was wrapped under (case, spaces, dashes and O/I/L forgiven)."""
    cleaned = "".join(text.split()).replace("-", "").upper().translate(str.maketrans("OIL", "011"))
    return "-".join(cleaned[i : i + 4] for i in range(0, len(cleaned), 4))


# --- Sealing to a public key --------------------------------------------------------------------


def seal(public: bytes, plaintext: bytes) -> bytes:
    """Anonymous public-key encryption (libsodium sealed box): only the private key's holder opens it."""
    return bytes(nacl.public.SealedBox(nacl.public.PublicKey(public)).encrypt(plaintext))


def unseal(private: bytes, sealed: bytes) -> bytes:
    try:
        return bytes(nacl.public.SealedBox(nacl.public.PrivateKey(private)).decrypt(sealed))
    except nacl.exceptions.CryptoError as error:
        raise KeyMismatch("not sealed to this key") from error


# --- A short-lived key held by the client (the reporter's receipt, a staff browser's cookie) ---------


def wrap_fast(plaintext: bytes, secret: bytes, *, purpose: bytes) -> bytes:
    """Encrypt under a key hashed from a high-entropy ``secret`` (80 bits or more: no slow KDF needed)."""
    salt = nacl.utils.random(16)
    key = hashlib.blake2b(secret, digest_size=nacl.secret.SecretBox.KEY_SIZE, salt=salt, person=purpose).digest()
    return salt + bytes(nacl.secret.SecretBox(key).encrypt(plaintext))


def unwrap_fast(wrapped: bytes, secret: bytes, *, purpose: bytes) -> bytes:
    salt, box = wrapped[:16], wrapped[16:]
    key = hashlib.blake2b(secret, digest_size=nacl.secret.SecretBox.KEY_SIZE, salt=salt, person=purpose).digest()
    try:
        return bytes(nacl.secret.SecretBox(key).decrypt(box))
    except nacl.exceptions.CryptoError as error:
        raise KeyMismatch("wrong secret") from error
