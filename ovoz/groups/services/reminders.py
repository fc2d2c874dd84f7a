"""Reminders: each member's daily digest, in their language."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import translation

from ovoz.accounts.models import User
from ovoz.channels.staff_links import staff_message_queue
from ovoz.core.failures import SanitisedFailure
from ovoz.core.mail import mail_send
from ovoz.groups.models import (
    SentDigest,
)
from ovoz.groups.plan_selectors import digest_for, digest_recipients
from ovoz.groups.services.organisations import logger


def digest_send(*, user: User, day: date) -> bool:
    """Send a member their reminders for ``day`` in one e-mail (and one Telegram message when they
    linked a chat), once; True if it was sent now.

    The sent-digest row is written in the same transaction as the e-mail is handed over: a second
    run (or a parallel worker) hits the unique key and sends nothing; a failed send rolls the row back
    so the next run tries again. Nothing to remind of, no e-mail.
    """
    if SentDigest.objects.filter(user=user, day=day).exists():
        return False
    digest = digest_for(user=user, day=day)
    if not digest.item_count:
        return False
    try:
        with transaction.atomic():
            SentDigest.objects.create(user=user, day=day, item_count=digest.item_count)
            with translation.override(user.message_language):  # the member's own language
                context = {"user": user, "digest": digest, "day": day, "site": settings.OVOZ_PUBLIC_URL}
                subject = " ".join(
                    render_to_string("groups/email/digest_subject.txt", context).split()
                )  # one header line
                body = render_to_string("groups/email/digest_body.txt", context)
            # Telegram too when the member linked a chat (queued, sent after commit by the channel's task).
            sent_by_telegram = staff_message_queue(user=user, text=f"{subject}\n\n{body}")
            if not user.email and not sent_by_telegram:
                transaction.set_rollback(True)
                return False
            if user.email:
                mail_send(subject=subject, body=body, recipient=user.email)  # a failure names no address
    except IntegrityError:
        return False
    return True


def digests_send(*, day: date) -> int:
    """Send every member's daily reminders for ``day``; returns how many e-mails went out.

    One member's refused address stops nobody else's reminders; theirs is tried again at the next
    run (its sent-record was rolled back), and the log says which member and why, never the address.
    """
    sent = 0
    for user in digest_recipients():
        try:
            sent += digest_send(user=user, day=day)
        except SanitisedFailure as failure:
            logger.warning("Daily reminders for user %s not sent: %s", user.pk, failure)
    return sent
