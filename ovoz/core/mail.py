"""Sending e-mail without leaving addresses behind.

``mail_send`` hands one message to the configured backend and, when that fails, raises a
``SanitisedFailure`` that says what kind of failure it was and whether trying later may help, never
the address or the server's answer (``SMTPRecipientsRefused`` carries both).

``OwnerOnlyFileBackend`` is the development backend (no ``OVOZ_SMTP_URL``): Django's file backend
with its folder made 0700 and each file 0600, whatever the umask. Production refuses it
(``ovoz.core.checks``), and retention deletes its files (``ovoz.operations.retention``).
"""

from __future__ import annotations

import os
import smtplib
import socket
from typing import Any

from django.core.mail import send_mail
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

from ovoz.core.failures import SanitisedFailure, failure_kind

# Backends that keep every message (addresses and text) on the server's disk or console.
KEEPING_BACKENDS = (
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.console.EmailBackend",
    "ovoz.core.mail.OwnerOnlyFileBackend",
)


def _is_temporary_refusal(error: smtplib.SMTPRecipientsRefused) -> bool:
    """A refusal is final only when every recipient got a permanent (5xx) answer (RFC 5321 §4.2.1)."""
    codes = [answer[0] for answer in error.recipients.values() if isinstance(answer, tuple) and answer]
    return not codes or any(not isinstance(code, int) or code < 500 for code in codes)


def mail_failure(error: Exception) -> SanitisedFailure:
    """What ``error`` (raised while sending) means, told without its text."""
    kind = failure_kind(error)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        temporary = _is_temporary_refusal(error)
        return SanitisedFailure("recipient_refused", kind=kind, is_retryable=temporary)
    if isinstance(error, smtplib.SMTPResponseException):
        # SMTPSenderRefused, SMTPDataError...: 4xx is worth another try, 5xx is not.
        return SanitisedFailure("mail_refused", kind=kind, is_retryable=error.smtp_code < 500)
    if isinstance(error, smtplib.SMTPException | socket.timeout | OSError):
        return SanitisedFailure("mail_server_unreachable", kind=kind, is_retryable=True)
    return SanitisedFailure("mail_error", kind=kind, is_retryable=True)


def mail_send(*, subject: str, body: str, recipient: str) -> None:
    """Send one e-mail to one address; raise ``SanitisedFailure`` (no address in it) when it fails."""
    failure: SanitisedFailure
    try:
        send_mail(subject, body, None, [recipient])
        return
    except Exception as error:
        failure = mail_failure(error)
    raise failure  # outside the except block: no link to the original exception


class OwnerOnlyFileBackend(FileEmailBackend):
    """Django's file backend writing owner-only files (0600) into an owner-only folder (0700)."""

    file_path: str
    stream: Any  # None until opened (the stubs know only the open stream)

    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, file_path=file_path, **kwargs)
        os.chmod(self.file_path, 0o700)

    def open(self) -> bool:
        if self.stream is None:
            name = self._get_filename()  # type: ignore[attr-defined]  # Django's, missing from the stubs
            descriptor = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            os.fchmod(descriptor, 0o600)  # also for a file an older version left readable
            self.stream = os.fdopen(descriptor, "ab")
            return True
        return False
