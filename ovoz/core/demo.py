"""Demo data for a local trial: seeded places and themes, a working group and one user per role.

Never for production: the demo passwords are printed for anyone to read.
"""

from __future__ import annotations

from base64 import b32encode
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ovoz.accounts import services as account_services
from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.models import User
from ovoz.concerns.services import themes_seed
from ovoz.groups.models import WorkingGroup
from ovoz.places.models import Area
from ovoz.places.services import areas_seed

DEMO_PASSWORD = "ovoz-demo-password"  # noqa: S105 (printed on purpose; demo refuses production)
DEMO_GROUP_SLUG = "jizzakh-demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    description: str
    role: DeploymentRole = DeploymentRole.NONE
    grant: GrantRole | None = None


DEMO_USERS = (
    DemoUser("admin", "administrator", role=DeploymentRole.ADMINISTRATOR),
    DemoUser("coordinator", "coordinator", role=DeploymentRole.COORDINATOR),
    DemoUser("facilitator", "facilitator of the Jizzakh demo working group", grant=GrantRole.FACILITATOR),
    DemoUser("member", "member of the Jizzakh demo working group", grant=GrantRole.MEMBER),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    description: str
    password: str
    totp_key: str


def _refuse_in_production() -> None:
    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured("Demo data must never be loaded in production (OVOZ_ENV=production).")


@transaction.atomic
def demo_load() -> list[DemoLogin]:
    """Load the demo data; running it again changes nothing. Returns how to log in as each role."""
    _refuse_in_production()
    areas_seed()
    themes_seed()
    region = Area.objects.get(code="UZ-JI")
    group, _created = WorkingGroup.objects.get_or_create(
        slug=DEMO_GROUP_SLUG, defaults={"name": "Jizzakh community security working group (demo)", "area": region}
    )
    logins = []
    for demo_user in DEMO_USERS:
        user = User.objects.filter(username=demo_user.username).first()
        if user is None:
            user = User(username=demo_user.username, first_name=demo_user.username.title())
            user.set_password(DEMO_PASSWORD)
            user.save()
            account_services.user_set_role(actor=None, user=user, role=demo_user.role)
            if demo_user.grant:
                account_services.grant_set(actor=None, user=user, working_group=group, role=demo_user.grant)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=account_services.TOTP_DEVICE_NAME, confirmed=True)
        logins.append(
            DemoLogin(
                username=user.username,
                description=demo_user.description,
                password=DEMO_PASSWORD,
                totp_key=b32encode(device.bin_key).decode(),
            )
        )
    return logins


def demo_current_code(*, username: str) -> str:
    """The current TOTP code of a demo user, so a trial needs no phone."""
    _refuse_in_production()
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"
