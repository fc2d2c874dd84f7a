"""Reporter notices: telling a reporter, on the channels they left, that their concern moved.

A status change, a public note, a question, a reply or a merge recorded in ``concerns`` sends the
``reporter_event_recorded`` signal; ``receivers`` queues ``tasks.notify_reporter`` after commit, which
calls ``reporter_notify`` here: an e-mail to reporters who left an address, and one short message on
the SMS or Telegram conversation a concern came from (``messages.message_send``).

Each e-mail is a ``ReporterEmail`` row, sent at most once (the row is marked "sending" in its own
committed transaction before the relay is called) and tried again after 1, 5 and 30 minutes and 2
hours when the relay fails; then it is recorded as failed. Neither the row, nor the log, nor a task
result ever holds the address or the relay's answer (which repeats the address): only a code and the
exception's class (``ovoz.core.mail``). The ``ReporterEmail`` model stays in ``concerns`` (its table
``concerns_reporteremail`` and migration ``concerns 0011``): moving it would take a pair of state-only
migrations for no change in behaviour; only this module writes it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ovoz.concerns.choices import Audience, Channel, EmailState, EventKind
from ovoz.concerns.contacts import contact_open
from ovoz.concerns.following import follow_pointer, follow_url
from ovoz.concerns.models import Concern, ConcernEvent, ReporterEmail
from ovoz.conversations import tasks
from ovoz.conversations.messages import MessagePurpose, message_send, route_of_concern
from ovoz.core import sms
from ovoz.core.enqueue import enqueue_after
from ovoz.core.events import AuditAction
from ovoz.core.failures import SanitisedFailure
from ovoz.core.mail import mail_send
from ovoz.core.services import audit_record

logger = logging.getLogger(__name__)

# The pause before each further attempt; after the last one the e-mail is recorded as failed.
EMAIL_RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_EMAIL_ATTEMPTS = len(EMAIL_RETRY_DELAYS) + 1


def reporter_notify(*, event_id: int) -> bool:
    """Tell the reporter about one event they may read, by e-mail and on the SMS or Telegram conversation
    their concern came from; True if an e-mail was sent or a message queued.

    The message says what happened and where to follow the concern; it never carries the receipt
    (the reporter has it) and is written in the concern's language.
    """
    event = ConcernEvent.objects.select_related("concern").filter(pk=event_id).first()
    if event is None or event.audience == Audience.STAFF:
        return False
    # Public steps reach the reporters of concerns joined into this one too; messages only their own.
    recipients = [event.concern]
    if event.audience == Audience.PUBLIC:
        recipients += list(event.concern.duplicates.all())
    sent = False
    for concern in recipients:
        sent = _email_queue(event, concern) or sent
        if concern.channel in (Channel.SMS, Channel.TELEGRAM):
            sent = _on_channel(event, concern) or sent
    return sent


def _on_channel(event: ConcernEvent, concern: Concern) -> bool:
    """The same news as one short message, by SMS or Telegram as the reporter wrote (unless they said STOP)."""
    route = route_of_concern(concern=concern)
    if route is None:
        return False
    purpose = MessagePurpose.QUESTION if event.kind == EventKind.QUESTION else MessagePurpose.NEWS
    return message_send(route=route, text=channel_text(event, concern), purpose=purpose) is not None


def channel_text(event: ConcernEvent, concern: Concern) -> str:
    """The news of ``event`` for the reporter of ``concern`` as one short message in their language: by
    SMS one part (two in Cyrillic), a long note cut with a pointer to the follow page."""
    language = concern.language or settings.LANGUAGE_CODE
    with translation.override(language):
        if concern.is_sealed or event.concern.is_sealed:
            # A confidential concern's news never travels in a message someone else may read on the phone.
            # Reporters by a generic or RapidPro gateway never got a receipt (ADR 0007): STATUS still works.
            # Translators: an SMS: at most 160 characters in Latin script (' not ʻ ʼ), 134 in Cyrillic.
            text = _(
                "Ovoz: there is news about your concern no. %(number)s. If you have its receipt, read it on the "
                "follow page; or reply STATUS for its status."
            ) % {"number": concern.pk}
        elif event.kind in (EventKind.QUESTION, EventKind.REPLY):
            text = _("Ovoz, concern no. %(number)s: %(text)s") % {"number": event.concern_id, "text": event.text}
        else:
            status = event.get_to_status_display() or event.concern.get_status_display()
            # Translators: an SMS: at most 160 characters in Latin script (' not ʻ ʼ), 134 in Cyrillic.
            text = _("Ovoz: concern no. %(number)s is now %(status)s.") % {"number": event.concern_id, "status": status}
            if event.text:
                text = f"{text} {event.text}"
                if concern.channel == Channel.SMS:  # one part (two in Cyrillic), the rest on the follow page
                    text = sms.reply_fit(text, suffix=follow_pointer(language))
    return sms.gsm_safe(text) if concern.channel == Channel.SMS else text


def _email_queue(event: ConcernEvent, concern: Concern) -> bool:
    """Send the e-mail about ``event`` to the reporter of ``concern`` once; True if it went now.

    A second run for the same event (a task queued again after its worker died) finds the row and
    sends only one that was never tried.
    """
    if concern.contact_ciphertext is None or concern.is_sealed:
        # A sealed concern's contact opens only with a recipient's key, never in a background task.
        return False
    if not contact_open(bytes(concern.contact_ciphertext)).email:
        return False
    email, _created = ReporterEmail.objects.get_or_create(event=event, concern=concern)
    if email.state != EmailState.QUEUED or email.attempts:
        return False
    return reporter_email_send(email_id=email.pk) == EmailState.SENT


def reporter_email_send(*, email_id: int) -> EmailState:
    """Hand one e-mail to the relay, at most once; on failure try again later, then record the failure.

    The address is opened from the concern's encrypted contact for this attempt only. What the relay
    answered is kept as a code and an exception class, never as text.
    """
    with transaction.atomic():
        email = (
            ReporterEmail.objects.select_for_update().select_related("event__concern", "concern").filter(pk=email_id)
        ).first()
        if email is None:  # its concern, or the reporter's contact, was deleted meanwhile: nobody to write to
            return EmailState.FAILED
        if email.state == EmailState.SENDING:
            return _email_uncertain(email)
        if email.state != EmailState.QUEUED:
            return EmailState(email.state)  # sent already, failed or uncertain: never twice
        email.attempts += 1
        email.state = EmailState.SENDING
        email.save(update_fields=["attempts", "state", "updated_at"])
    concern = email.concern
    contact = contact_open(bytes(concern.contact_ciphertext)) if concern.contact_ciphertext is not None else None
    if contact is None or not contact.email or concern.is_sealed:
        # The contact was erased (retention) or sealed since the e-mail was queued: nobody to write to.
        ReporterEmail.objects.filter(pk=email.pk, state=EmailState.SENDING).update(
            state=EmailState.FAILED, failure="no_contact"
        )
        return EmailState.FAILED
    subject, body = _email_message(email.event, concern)
    try:
        mail_send(subject=subject, body=body, recipient=contact.email)
    except SanitisedFailure as failure:
        return _email_failed(email, failure)
    # Recorded even if another attempt meanwhile judged it uncertain: now it is known.
    ReporterEmail.objects.filter(pk=email.pk, state__in=[EmailState.SENDING, EmailState.UNCERTAIN]).update(
        state=EmailState.SENT, sent_at=timezone.now(), failure=""
    )
    logger.info("Reporter notified by e-mail for concern event %s", email.event_id)
    return EmailState.SENT


def _email_failed(email: ReporterEmail, failure: SanitisedFailure) -> EmailState:
    """Record a failed attempt (code and class only) and queue the next one, or give up."""
    this_attempt = ReporterEmail.objects.filter(pk=email.pk, state=EmailState.SENDING)
    described = str(failure)[:80]
    if email.attempts >= MAX_EMAIL_ATTEMPTS or not failure.is_retryable:
        this_attempt.update(state=EmailState.FAILED, failure=described)
        logger.warning(
            "E-mail %s about concern event %s failed for good after %s attempts: %s",
            email.pk,
            email.event_id,
            email.attempts,
            described,
        )
        audit_record(
            action=AuditAction.REPORTER_EMAIL_FAILED,
            target=email.concern,
            data={"attempts": email.attempts, "failure": failure.code},
        )
        return EmailState.FAILED
    if not this_attempt.update(state=EmailState.QUEUED, failure=described):
        return EmailState(ReporterEmail.objects.get(pk=email.pk).state)
    delay = EMAIL_RETRY_DELAYS[email.attempts - 1]
    logger.info("E-mail %s: attempt %s failed (%s), next in %s", email.pk, email.attempts, described, delay)
    enqueue_after(tasks.send_reporter_email, delay, email_id=email.pk)
    return EmailState.QUEUED


def _email_uncertain(email: ReporterEmail) -> EmailState:
    """An earlier attempt began handing this e-mail over and never recorded how it ended."""
    email.state = EmailState.UNCERTAIN
    email.failure = "interrupted while the relay was called"
    email.save(update_fields=["state", "failure", "updated_at"])
    logger.warning("E-mail %s: an attempt was interrupted while handing it over; not sent again", email.pk)
    audit_record(action=AuditAction.REPORTER_EMAIL_UNCERTAIN, target=email.concern, data={"attempts": email.attempts})
    return EmailState.UNCERTAIN


def _email_message(event: ConcernEvent, concern: Concern) -> tuple[str, str]:
    """Subject and body, in the concern's language; never the receipt (the reporter has it)."""
    language = concern.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "event": event,
            "concern": event.concern,
            "follow_url": follow_url(language),
        }
        # One header line.
        subject = " ".join(render_to_string("conversations/email/reporter_subject.txt", context).split())
        body = render_to_string("conversations/email/reporter_body.txt", context)
    return subject, body
