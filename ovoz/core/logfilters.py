"""Logging filters: no client address in any log line (DESIGN §5)."""

from __future__ import annotations

import ipaddress
import logging
import re

# Candidates only; each is confirmed by the ipaddress module, so times like 12:30:45 stay.
_IPV4 = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}(?:%\w+)?(?![\w:])")
REPLACEMENT = "[address]"


def _redacted(match: re.Match[str]) -> str:
    try:
        ipaddress.ip_address(match.group(0).split("%", 1)[0])
    except ValueError:
        return match.group(0)
    return REPLACEMENT


def without_addresses(text: str) -> str:
    """``text`` with every IPv4 and IPv6 address replaced by ``[address]``."""
    return _IPV4.sub(_redacted, _IPV6.sub(_redacted, text))


class WithoutClientAddresses(logging.Filter):
    """Rewrite a record's message without addresses.

    Attached to the ``waitress`` logger: waitress keeps no access log, but when a connection fails
    in an unexpected way it logs the connection's representation, which holds the client's address.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = without_addresses(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
