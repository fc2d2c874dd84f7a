"""Telling the recipients of confidential concerns when the list of recipients changes.

The message says only that a change was proposed or made and where to see it: no name, no concern,
nothing confidential. Who was added or removed, and by whom, is shown on the recipients page of the
staff workspace, behind a password and a second factor.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from ovoz.accounts.models import RecipientChange, RecipientChangeState, User


def recipient_change_notify(*, change_id: int) -> int:
    """E-mail every current recipient (and the person the change is about) that the list of recipients
    changed, or that a change waits for confirmation. Returns how many e-mails were sent."""
    change = RecipientChange.objects.filter(pk=change_id).first()
    if change is None or change.state not in (RecipientChangeState.PENDING, RecipientChangeState.CONFIRMED):
        return 0
    people = User.objects.filter(Q(receives_confidential=True) | Q(pk=change.user_id), is_active=True).exclude(email="")
    link = f"{settings.OVOZ_PUBLIC_URL}/staff/recipients/"
    sent = 0
    for person in people.only("email", "language"):
        with translation.override(person.message_language):  # each in the language they chose
            subject, body = _recipient_change_message(change, link)
        send_mail(subject, body, None, [person.email])
        sent += 1
    return sent


def _recipient_change_message(change: RecipientChange, link: str) -> tuple[str, str]:
    if change.state == RecipientChangeState.PENDING:
        subject = _("Ovoz: a change to who receives confidential concerns waits for confirmation")
        body = _(
            "An administrator proposed to change who receives new confidential concerns. Nothing changes "
            "until another administrator or a current recipient confirms it.\n\n"
            "See the proposal in the staff workspace: %(link)s\n\n"
            "If you did not expect it, do not confirm it: withdraw it there and tell your administrators."
        ) % {"link": link}
    else:
        subject = _("Ovoz: who receives confidential concerns has changed")
        body = _(
            "The list of people who receive new confidential concerns has changed.\n\n"
            "See who was added or removed, and by whom, in the staff workspace: %(link)s\n\n"
            "If you did not expect this change, tell your administrators at once."
        ) % {"link": link}
    return subject, body
