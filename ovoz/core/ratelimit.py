"""Rate limits that never store a client address.

A client is counted under an HMAC of its address with a salt that changes every window and is
derived, not stored; the counter lives only in the cache and expires with the window. Nothing that
identifies the client reaches the database or the logs.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from ovoz.core.crypto import keyed_hash


def _client_key(request: HttpRequest, *, scope: str, window: int) -> str:
    salt = keyed_hash(f"{scope}:{window}", purpose="ratelimit-salt").encode()
    # The address is only ever an input to this HMAC; it is never stored or logged. Behind a proxy,
    # the proxy passes it in the header named by OVOZ_CLIENT_ADDRESS_HEADER (e.g. X-Real-IP).
    header = settings.OVOZ_CLIENT_ADDRESS_HEADER
    address = request.META.get("HTTP_" + header.upper().replace("-", "_"), "") if header else ""
    address = address or request.META.get("REMOTE_ADDR", "")
    return hmac.new(salt, address.encode(), hashlib.sha256).hexdigest()[:32]


def is_limited(request: HttpRequest, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True when this client went over ``limit`` in the current window."""
    window = int(time.time() // window_seconds)
    key = f"ovoz:rl:{scope}:{window}:{_client_key(request, scope=scope, window=window)}"
    if cache.add(key, 1, timeout=window_seconds):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return False
    return count > limit
