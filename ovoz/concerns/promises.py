"""What Ovoz tells reporters about who reads their concern: one source string per visibility, reused on
every surface (home page, report form, receipt and follow pages, the API, SMS and Telegram texts), so that
every language says the same true thing (issue 12, point 6; docs/security.md and ADR 0005 say why it is
true: a confidential concern is sealed to the intake recipients' keys and to the reporter's receipt)."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ovoz.concerns.choices import Visibility

# Translators: how a confidential report is protected. Shown on the home page, the report form, the
# receipt and follow pages and in Telegram; "the named staff" are listed next to it on the report form.
CONFIDENTIAL_EXPLAINED = _(
    "Confidential: sealed so that only the named staff who receive confidential reports, and you with "
    "your receipt code, can open it; a support service (a shelter, legal aid, counselling) can open it "
    "only if you agree to a referral. It is never published. Nobody else can open it, administrators "
    "included: they and the working group see only its area, theme, date and status."
)

# Translators: the same promise as the long one, in one sentence short enough for an SMS.
CONFIDENTIAL_SHORT = _(
    "Confidential: only the named staff who receive confidential reports can read it, and a service "
    "only if you agree; it is never published."
)

VISIBILITY_EXPLAINED: dict[Visibility, Promise] = {
    Visibility.PUBLIC: _(
        "Public after review: a facilitator may publish it without your name, contact or anything that "
        "identifies you, so others can see and support it."
    ),
    Visibility.RESTRICTED: _(
        "Restricted: never published. The facilitators for your area, coordinators and administrators read "
        "it; the working group sees only its area, theme, date and status. It is counted in statistics."
    ),
    Visibility.CONFIDENTIAL: CONFIDENTIAL_EXPLAINED,
}

# Translators: shown when a reporter chose public or restricted together with a theme such as violence
# at home (or public with a theme that is restricted by default); the form comes back with the
# theme's stricter choice selected.
LOOSER_THAN_THEME_WARNING = _(
    "You chose that more people may see this concern than is usual for what it is about (violence at "
    "home is kept confidential). We have not sent it yet, and the safer choice is now selected: to keep "
    "it, send the form again as it is. To keep your first choice, choose it again and tick the box below."
)
