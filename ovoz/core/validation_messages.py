"""Django's own validation messages, copied into Ovoz's catalogs.

Django ships no or incomplete translations of its form messages for some of Ovoz's languages (Tajik
and Kazakh leave "Enter a valid email address." in English; the Kyrgyz "at most" message lacks a
space). Catalogs under ``LOCALE_PATHS`` win over Django's, so marking these msgids here puts them into
``locale/*/LC_MESSAGES/django.po`` (``python -m ovoz catalogs update``), where Ovoz translates them.

Each msgid must stay exactly as Django writes it (a test compares them with Django's sources). Listed
are the messages of the fields that public forms use (text, e-mail, choices, numbers).
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_noop, ngettext_lazy

DJANGO_MESSAGES: tuple[str, ...] = (
    gettext_noop("This field is required."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("Select a valid choice. That choice is not one of the available choices."),
    gettext_noop("Enter a list of values."),
    gettext_noop("“%(pk)s” is not a valid value."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Ensure this value is less than or equal to %(limit_value)s."),
    gettext_noop("Ensure this value is greater than or equal to %(limit_value)s."),
)

DJANGO_PLURAL_MESSAGES: tuple[Promise, ...] = (
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)
