"""Logging filters: no client address, no exception text and no secret path in any log line (DESIGN §5)."""

from __future__ import annotations

import ipaddress
import logging
import re
import traceback

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


class _RewritingFilter(logging.Filter):
    """Rewrite a record's message with ``rewrite`` (the formatted message, so its arguments too)."""

    @staticmethod
    def rewrite(text: str) -> str:
        raise NotImplementedError

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.rewrite(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class WithoutClientAddresses(_RewritingFilter):
    """Rewrite a record's message without addresses.

    Attached to the ``waitress`` logger: waitress keeps no access log, but when a connection fails
    in an unexpected way it logs the connection's representation, which holds the client's address.
    """

    rewrite = staticmethod(without_addresses)


# Paths that are secrets themselves: a working-group invitation's link (whoever holds it can accept the
# invitation first) and an Open311 request's token. Django logs the path of every 4xx and 5xx answer
# ("Bad Request: /staff/invitation/<token>/"); deploy/nginx/ovoz.conf masks the same paths.
_SECRET_PATHS = (
    re.compile(r"(/staff/invitation/)[^/\s\"'?]+"),
    re.compile(r"(/open311/v2/tokens/)[^/.\s\"'?]+"),
)


def without_secret_paths(text: str) -> str:
    """``text`` with the secret part of each secret path replaced by ``[token]``."""
    for pattern in _SECRET_PATHS:
        text = pattern.sub(r"\1[token]", text)
    return text


class WithoutSecretPaths(_RewritingFilter):
    """Rewrite a record's message without the secrets some paths carry (attached to the console)."""

    rewrite = staticmethod(without_secret_paths)


WITHHELD = "[message withheld]"


def _chain(error: BaseException) -> list[BaseException]:
    """``error`` and the exceptions it was raised from or during, oldest first, as Python prints them."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        chain.append(current)
        if current.__cause__ is not None:
            current = current.__cause__
        elif current.__context__ is not None and not current.__suppress_context__:
            current = current.__context__
        else:
            current = None
    return list(reversed(chain))


def exception_text_withheld(error: BaseException) -> str:
    """A traceback of ``error`` with every frame (file, line, function, source line) and each exception's
    class, and none of their messages: ``SMTPRecipientsRefused`` puts the refused address in its own."""
    parts: list[str] = []
    for position, link in enumerate(_chain(error)):
        if position:
            parts.append("\nDuring handling of the above exception, another exception occurred:\n\n")
        if link.__traceback__ is not None:
            parts.append("Traceback (most recent call last):\n")
            parts.extend(traceback.StackSummary.extract(traceback.walk_tb(link.__traceback__)).format())
        kind = type(link)
        parts.append(f"{kind.__module__}.{kind.__qualname__}: {WITHHELD}\n")
    return "".join(parts).rstrip("\n")


class WithoutExceptionText(logging.Filter):
    """Print a record's exception as its traceback and class names, never its message.

    Attached to the console handler, so it applies to every record that reaches the log, whichever
    logger wrote it (Django's request logger on a 500, the task backends' "task failed" lines). Ovoz's
    own failures are already told by code (``ovoz.core.failures``); this keeps a library's exception
    text out too.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = exception_text_withheld(record.exc_info[1])
        return True
