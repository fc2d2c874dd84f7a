"""Rate limits that never store a client address.

A client is counted under an HMAC of its address keyed with a salt that changes every window; the
salt is derived from the deployment data key and the window's number, never stored. The counter
lives only in the cache and expires with the window. Nothing that identifies the client reaches the
database or the logs, and a counter key of a past window cannot be linked to the next one.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from ovoz.core.crypto import keyed_hash

# One IPv6 subscriber gets a whole /64: counting single addresses would let them walk around the limit.
IPV6_PREFIX = 64


def client_address(request: HttpRequest) -> str:
    """The address to count a client under: the proxy's header if configured, else the socket's.

    Only ever an input to ``_client_key``. With a list-valued header (``X-Forwarded-For: a, b``),
    the last entry is the one the deployment's own proxy added; entries before it come from the
    client and could be anything. IPv6 addresses are cut to their /64 network.
    """
    header = settings.OVOZ_CLIENT_ADDRESS_HEADER
    address = request.META.get("HTTP_" + header.upper().replace("-", "_"), "") if header else ""
    address = address.rsplit(",", 1)[-1].strip() or request.META.get("REMOTE_ADDR", "")
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]  # not an address (a test client, a misconfigured proxy): count it as given
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_PREFIX), strict=False).network_address)
    return str(parsed)


def _client_key(identity: str, *, scope: str, window: int) -> str:
    salt = keyed_hash(f"{scope}:{window}", purpose="ratelimit-salt").encode()
    return hmac.new(salt, identity.encode(), hashlib.sha256).hexdigest()[:32]


def is_limited(request: HttpRequest, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt; True when this client went over ``limit`` in the current window."""
    return is_limited_for(client_address(request), scope=scope, limit=limit, window_seconds=window_seconds)


def _counter_key(identity: str, *, scope: str, window_seconds: int) -> str:
    window = int(time.time() // window_seconds)
    return f"ovoz:rl:{scope}:{window}:{_client_key(identity, scope=scope, window=window)}"


def is_limited_for(identity: str, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count one attempt by ``identity`` (a client address, a chat); True when it went over ``limit``.

    The identity is only ever an input to a keyed hash whose key changes every window.
    """
    key = _counter_key(identity, scope=scope, window_seconds=window_seconds)
    if cache.add(key, 1, timeout=window_seconds):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds)
        return False
    return count > limit


def failure_count(request: HttpRequest, *, scope: str, limit: int, window_seconds: int) -> bool:
    """Count one FAILED attempt by this client; True when its failures went over ``limit``.

    For checks that many people behind one address (a mobile operator's NAT) pass every day: only what
    failed is counted, so a few people's mistakes never lock out the others. The caller does the check
    first, the same way whatever the count, and calls this only when it failed.
    """
    return is_limited(request, scope=scope, limit=limit, window_seconds=window_seconds)
