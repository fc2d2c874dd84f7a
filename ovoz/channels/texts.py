"""What Ovoz answers by SMS and Telegram, in the active language: receipts, STATUS, the SECRET how-to.
Each SMS fits one part (two in Cyrillic): ovoz/channels/tests/test_sms_parts.py."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from ovoz.concerns.choices import Audience
from ovoz.concerns.following import follow_pointer
from ovoz.concerns.models import Concern
from ovoz.core import sms


def sealed_received_text(concern: Concern, *, receipt: str = "") -> str:
    """The answer to a new confidential concern, in the active language: never the reporter's words.
    With ``receipt`` only for the webhook's own answer; the wordless version is the one that may be queued.
    One SMS part (two in Cyrillic), so the promise is the shortest one (the web and Telegram say it whole)."""
    if receipt:
        # Translators: an SMS. At most 160 characters in Latin script (write ' not ʻ ʼ, - not —, No. not №)
        # and 134 in Cyrillic, with a 7-digit number and a 19-character receipt: ovoz/channels/tests/test_sms_parts.py.
        text = _(
            "Ovoz: concern no. %(number)s received and sealed: only named staff read it, never published. "
            "Code %(receipt)s (not kept). STATUS for news, STOP to end."
        ) % {"number": concern.pk, "receipt": receipt}
    else:
        # Translators: an SMS. At most 160 characters in Latin script (write ' not ʻ ʼ, - not —, No. not №)
        # and 134 in Cyrillic, with a 7-digit number: ovoz/channels/tests/test_sms_parts.py.
        text = _(
            "Ovoz: concern no. %(number)s received and sealed: only named staff read it, never published. "
            "Reply to add more, STATUS for news, STOP to end."
        ) % {"number": concern.pk}
    return sms.gsm_safe(text)


def received_text(concern: Concern, *, receipt: str) -> str:
    """The answer to a new concern that is not sealed, in the active language, with its receipt."""
    # Translators: an SMS. At most 160 characters in Latin script (write ' not ʻ ʼ, - not —, No. not №)
    # and 134 in Cyrillic, with a 7-digit number and a 19-character receipt: ovoz/channels/tests/test_sms_parts.py.
    text = _(
        "Ovoz: your concern no. %(number)s is received. Receipt code: %(receipt)s. "
        "Reply to add more, STATUS for news, NEW for another concern, STOP to end."
    ) % {"number": concern.pk, "receipt": receipt}
    return sms.gsm_safe(text)


def secret_howto_text() -> str:
    """The answer to SECRET alone, in the active language."""
    # Translators: an SMS: at most 160 characters in Latin script (' not ʻ ʼ), 134 in Cyrillic.
    return sms.gsm_safe(
        _("Ovoz: to report in confidence, send one message that starts with SECRET and says what happened.")
    )


def wordless_news_text(concern: Concern) -> str:
    """What a queued reply about a concern sealed after intake says instead, in the active language."""
    # Translators: an SMS: at most 160 characters in Latin script (' not ʻ ʼ), 134 in Cyrillic.
    return sms.gsm_safe(
        _("Ovoz: there is news about your concern no. %(number)s. Reply STATUS to hear its status.")
        % {"number": concern.pk}
    )


def status_text(concern: Concern | None, language: str, *, is_sms: bool = True) -> str:
    """The answer to STATUS. By SMS a long note is cut to fit one part (two in Cyrillic), with a pointer
    to the follow page; Telegram gets it whole."""
    with translation.override(language):
        if concern is None:
            # Translators: an SMS: at most 160 characters in Latin script (' not ʻ ʼ), 134 in Cyrillic.
            text = _("Ovoz: there is no concern from this number yet. Send a message that describes the problem.")
            return sms.gsm_safe(text) if is_sms else text
        followed = concern.duplicate_of or concern
        notes = followed.events.filter(audience=Audience.PUBLIC).exclude(text="").order_by("-at", "-id")
        # Translators: an SMS: at most 160 characters in Latin script (' not ʻ ʼ), 134 in Cyrillic.
        text = _("Ovoz: concern no. %(number)s is %(status)s.") % {
            "number": followed.pk,
            "status": followed.get_status_display(),
        }
        latest = notes.first()
        text = f"{text} {latest.text}" if latest else text
        return sms.reply_fit(text, suffix=follow_pointer(language)) if is_sms else text
