"""The deployment data key: encryption of contact details and keyed hashes for lookups.

The key is 32 random bytes, given as ``OVOZ_DATA_KEY`` (base64) in production and generated once
into ``./var/data_key`` in the embedded default. It is separate from Django's SECRET_KEY so that
rotating sessions never makes stored data unreadable. Losing it makes every stored contact
unreadable: back it up apart from the database.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

import nacl.secret
import nacl.utils
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = nacl.secret.SecretBox.KEY_SIZE


@functools.cache
def data_key() -> bytes:
    configured = settings.OVOZ_DATA_KEY
    if configured:
        key = base64.b64decode(configured)
    elif settings.IS_PRODUCTION:
        raise ImproperlyConfigured("OVOZ_DATA_KEY must be set when OVOZ_ENV=production.")
    else:
        path = settings.VAR_DIR / "data_key"
        if not path.exists():
            settings.VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.b64encode(nacl.utils.random(KEY_BYTES)).decode())
        key = base64.b64decode(path.read_text().strip())
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"OVOZ_DATA_KEY must be {KEY_BYTES} bytes, base64-encoded.")
    return key


def _subkey(purpose: str) -> bytes:
    return hashlib.blake2b(purpose.encode(), key=data_key(), digest_size=32).digest()


def encrypt(plaintext: bytes, *, purpose: str) -> bytes:
    """Authenticated encryption (XSalsa20-Poly1305) under a subkey of the data key."""
    return bytes(nacl.secret.SecretBox(_subkey(purpose)).encrypt(plaintext))


def decrypt(ciphertext: bytes, *, purpose: str) -> bytes:
    return bytes(nacl.secret.SecretBox(_subkey(purpose)).decrypt(ciphertext))


def keyed_hash(value: str, *, purpose: str) -> str:
    """A stable HMAC-SHA256 of ``value`` for lookups, useless without the data key."""
    return hmac.new(_subkey(purpose), value.encode(), hashlib.sha256).hexdigest()


def seal_with_secret(plaintext: bytes, *, secret: bytes) -> bytes:
    """Encrypt with a key derived from a client-held secret only (e.g. a form's submission token)."""
    key = hashlib.blake2b(secret, digest_size=KEY_BYTES, person=b"ovoz-client-seal").digest()
    return bytes(nacl.secret.SecretBox(key).encrypt(plaintext))


def open_with_secret(ciphertext: bytes, *, secret: bytes) -> bytes:
    key = hashlib.blake2b(secret, digest_size=KEY_BYTES, person=b"ovoz-client-seal").digest()
    return bytes(nacl.secret.SecretBox(key).decrypt(ciphertext))
