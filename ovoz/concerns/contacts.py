"""Reporters' contact details: validated, normalised, encrypted, looked up by keyed hash."""

from __future__ import annotations

import json
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from ovoz.concerns.errors import ConcernError
from ovoz.core.crypto import decrypt, encrypt, keyed_hash

PURPOSE = "contact"


@dataclass(frozen=True)
class Contact:
    phone: str = ""
    email: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.phone or self.email)


def contact_parse(*, phone: str = "", email: str = "") -> Contact:
    """Check and normalise a phone number (E.164) and an e-mail address; either may be empty."""
    phone, email = (phone or "").strip(), (email or "").strip().lower()
    normalised_phone = ""
    if phone:
        try:
            parsed = phonenumbers.parse(phone, settings.OVOZ_PHONE_REGION)
        except phonenumbers.NumberParseException as error:
            raise ConcernError(_("This phone number cannot be read."), code="invalid_phone", field="phone") from error
        if not phonenumbers.is_valid_number(parsed):
            raise ConcernError(_("This phone number is not valid."), code="invalid_phone", field="phone")
        normalised_phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            raise ConcernError(_("This e-mail address is not valid."), code="invalid_email", field="email") from error
    return Contact(phone=normalised_phone, email=email)


def contact_encode(contact: Contact) -> bytes:
    """The plaintext that is encrypted (with the data key, or sealed to a confidential concern's key)."""
    return json.dumps({"phone": contact.phone, "email": contact.email}).encode()


def contact_decode(plaintext: bytes) -> Contact:
    data = json.loads(plaintext)
    return Contact(phone=data.get("phone", ""), email=data.get("email", ""))


def contact_seal(contact: Contact) -> tuple[bytes, str, str]:
    """Ciphertext plus the keyed hashes of phone and e-mail for lookups."""
    ciphertext = encrypt(contact_encode(contact), purpose=PURPOSE)
    phone_hash = keyed_hash(contact.phone, purpose="contact-phone") if contact.phone else ""
    email_hash = keyed_hash(contact.email, purpose="contact-email") if contact.email else ""
    return ciphertext, phone_hash, email_hash


def contact_open(ciphertext: bytes) -> Contact:
    return contact_decode(decrypt(bytes(ciphertext), purpose=PURPOSE))


def phone_masked(phone: str) -> str:
    """+998 90 *** ** 67: enough for a facilitator to tell numbers apart, not to call."""
    if not phone:
        return ""
    try:
        formatted = phonenumbers.format_number(
            phonenumbers.parse(phone, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return "***"
    groups = formatted.split(" ")
    if len(groups) <= 3:
        return groups[0] + " ***"
    return " ".join(
        [*groups[:2], *("*" * len(group) for group in groups[2:-1]), groups[-1][-2:].rjust(len(groups[-1]), "*")]
    )


def email_masked(email: str) -> str:
    name, _at, domain = email.partition("@")
    return f"{name[:1]}***@{domain}" if domain else ""
