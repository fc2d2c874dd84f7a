"""Reaching reporters on the channel they left: e-mail, and SMS or Telegram for concerns that came that way."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from ovoz.concerns.choices import Audience, Channel, EventKind
from ovoz.concerns.contacts import contact_open
from ovoz.concerns.models import Concern, ConcernEvent

logger = logging.getLogger(__name__)


def reporter_notify(*, event_id: int) -> bool:
    """Send the reporter an e-mail about one event they may read; True if one was sent.

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
        sent = _email(event, concern) or sent
        if concern.channel in (Channel.SMS, Channel.TELEGRAM):
            sent = _on_channel(event, concern) or sent
    return sent


def _on_channel(event: ConcernEvent, concern: Concern) -> bool:
    """The same news as one short message, by SMS or Telegram as the reporter wrote (unless they said STOP)."""
    from ovoz.channels.services import concern_reply_on_channel  # channels build on concerns, not the reverse

    language = concern.language or settings.LANGUAGE_CODE
    with translation.override(language):
        if concern.is_sealed or event.concern.is_sealed:
            # A confidential concern's news never travels in a message someone else may read on the phone.
            text = _(
                "Ovoz: there is news about your concern no. %(number)s. Read it on the follow page with your receipt."
            ) % {"number": concern.pk}
        elif event.kind in (EventKind.QUESTION, EventKind.REPLY):
            text = _("Ovoz, concern no. %(number)s: %(text)s") % {"number": event.concern_id, "text": event.text}
        else:
            status = event.get_to_status_display() or event.concern.get_status_display()
            text = _("Ovoz: concern no. %(number)s is now %(status)s.") % {"number": event.concern_id, "status": status}
            if event.text:
                text = f"{text} {event.text}"
    return concern_reply_on_channel(concern=concern, text=text)


def _email(event: ConcernEvent, concern: Concern) -> bool:
    if concern.contact_ciphertext is None or concern.is_sealed:
        # A sealed concern's contact opens only with a recipient's key, never in a background task.
        return False
    contact = contact_open(bytes(concern.contact_ciphertext))
    if not contact.email:
        return False
    language = concern.language or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "event": event,
            "concern": event.concern,
            "follow_url": f"{settings.OVOZ_PUBLIC_URL}/{language}/follow/",
        }
        subject = " ".join(render_to_string("concerns/email/reporter_subject.txt", context).split())  # one header line
        body = render_to_string("concerns/email/reporter_body.txt", context)
    send_mail(subject, body, None, [contact.email])
    logger.info("Reporter notified by e-mail for concern event %s", event.pk)
    return True
