from __future__ import annotations

import factory
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.models import User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda number: f"staff{number}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    role = DeploymentRole.COORDINATOR
    # As accounts.services.user_set_role does: administrators are the Django admin's superusers.
    is_staff = factory.LazyAttribute(lambda user: user.role == DeploymentRole.ADMINISTRATOR)
    is_superuser = factory.LazyAttribute(lambda user: user.role == DeploymentRole.ADMINISTRATOR)
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def with_totp(user, create, extracted, **kwargs):
        """A confirmed authenticator unless ``with_totp=False``."""
        if create and extracted is not False:
            TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=True)


def current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def previous_code(user: User) -> str:
    """A code from the previous 30-second window (still accepted once, for clock drift)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=-1):06d}"
