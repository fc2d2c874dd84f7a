"""Demo data for a local trial: seeded places and themes, working groups and one user per role.

Never for production: the demo passwords are printed for anyone to read.
"""

from __future__ import annotations

import json
import random
from base64 import b32encode
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ovoz.accounts import services as account_services
from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.keys import key_create
from ovoz.accounts.models import User, UserKey
from ovoz.concerns.choices import CLOSED_STATUSES, Channel, CloseReason, EventKind, Status, Visibility
from ovoz.concerns.models import Concern, ConcernEvent, Theme
from ovoz.concerns.services import (
    concern_change_status,
    concern_languages_detect,
    concern_publish,
    concern_submit,
    steps_recount,
    themes_seed,
)
from ovoz.groups import grants
from ovoz.groups.models import WorkingGroup
from ovoz.insights.alert_services import alerts_run
from ovoz.insights.proposals import duplicates_propose
from ovoz.operations.demo_groups import demo_groups_load
from ovoz.operations.demo_surveys import demo_surveys_load
from ovoz.places.models import Area
from ovoz.places.services import areas_seed
from ovoz.referrals.models import CaseWorker, ProviderKind, ServiceProvider

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
    DemoUser("facilitator", "facilitator of the demo working groups", grant=GrantRole.FACILITATOR),
    DemoUser("member", "community member of the demo working groups", grant=GrantRole.COMMUNITY),
    DemoUser("intake", "receives confidential concerns (and refers them, with consent)"),
    DemoUser("caseworker", "case worker of the demo shelter (reads what is referred to it)"),
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
        slug=DEMO_GROUP_SLUG,
        defaults={"name": "Jizzax viloyati jamoat xavfsizligi ishchi guruhi (demo)", "area": region},
    )
    logins = []
    facilitator: User | None = None
    member: User | None = None
    for demo_user in DEMO_USERS:
        user = User.objects.filter(username=demo_user.username).first()
        if user is None:
            user = User(username=demo_user.username, first_name=demo_user.username.title())
            user.set_password(DEMO_PASSWORD)
            user.save()
            account_services.user_set_role(actor=None, user=user, role=demo_user.role)
            if demo_user.grant:
                grants.grant_set(actor=None, user=user, working_group=group, role=demo_user.grant)
        if demo_user.username in ("intake", "caseworker") and not UserKey.objects.filter(user=user).exists():
            # Keys are made at a first sign-in; these two need theirs before the demo's confidential
            # concerns are sealed to them. (Their recovery keys are not needed for a demo.)
            key_create(user=user, password=DEMO_PASSWORD)
            UserKey.objects.filter(user=user).update(recovery_key_shown=True)
        if demo_user.username == "intake" and not user.receives_confidential:
            # The path an operator takes for a deployment's first recipient (``ovoz first-recipient``):
            # refused if anyone already receives them; every later change needs two people.
            account_services.recipient_first_add(user=user)
        if demo_user.username == "caseworker":
            shelter, created = ServiceProvider.objects.get_or_create(
                name="Jizzax ayollar boshpanasi (demo)",
                defaults={
                    "kind": ProviderKind.SHELTER,
                    "languages": ["uz", "ru"],
                    "how_to_reach": "+998 72 000 00 00 · Sharof Rashidov ko'chasi (demo)",
                },
            )
            if created:
                shelter.areas.add(region)
            CaseWorker.objects.get_or_create(provider=shelter, user=user)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=account_services.TOTP_DEVICE_NAME, confirmed=True)
        if demo_user.username == "facilitator":
            facilitator = user
        if demo_user.username == "member":
            member = user
        logins.append(
            DemoLogin(
                username=user.username,
                description=demo_user.description,
                password=DEMO_PASSWORD,
                totp_key=b32encode(device.bin_key).decode(),
            )
        )
    if facilitator is not None:
        demo_concerns_load(facilitator=facilitator)
        demo_duplicates_load()
        if member is not None:
            demo_groups_load(facilitator=facilitator, member=member)
    demo_surveys_load(area=region, group=group)
    if demo_surge_load():
        # Early warning as the nightly run would see it, so the staff alerts page has the surge.
        alerts_run(day=timezone.localdate())
    return logins


DEMO_CONCERNS = 300
DEMO_CONCERNS_FILE = Path(__file__).parent / "data" / "demo_concerns.json"
# How far the demo concerns got: the weights of their final statuses.
DEMO_FINAL_STATUSES = [
    (Status.RECEIVED, 35),
    (Status.ACCEPTED, 25),
    (Status.PRIORITISED, 12),
    (Status.IN_ACTION, 12),
    (Status.RESOLVED, 9),
    (Status.CLOSED, 7),
]
STATUS_PATH = [Status.ACCEPTED, Status.PRIORITISED, Status.IN_ACTION, Status.RESOLVED]


def demo_concerns_load(*, facilitator: User) -> int:
    """About 300 concerns over the last 90 days in six languages, in several statuses, some published.

    Deterministic and idempotent: each demo concern has a fixed submission token, so a second run
    finds them all and adds nothing. Returns how many were created.
    """
    corpus = json.loads(DEMO_CONCERNS_FILE.read_text(encoding="utf-8"))
    areas = {area.code: area for area in Area.objects.filter(code__isnull=False).defer("boundary")}
    themes = {theme.slug: theme for theme in Theme.objects.all()}
    now = timezone.now()
    created = 0
    for number in range(DEMO_CONCERNS):
        # One generator per concern: every run makes the same choices for it, whatever came before.
        rng = random.Random(f"ovoz-demo-{number}")  # noqa: S311 (demo data, not security)
        entry = corpus[number % len(corpus)]
        received_at = now - timedelta(days=rng.uniform(0.2, 90))
        final_status = rng.choices([s for s, _w in DEMO_FINAL_STATUSES], [w for _s, w in DEMO_FINAL_STATUSES])[0]
        submitted = concern_submit(
            text=entry["text"],
            channel=rng.choice([Channel.WEB, Channel.WEB, Channel.WEB, Channel.API, Channel.OPEN311]),
            area=areas.get(entry["region"]),
            themes=[themes[slug] for slug in entry["themes"] if slug in themes],
            visibility=Visibility(entry["visibility"]),
            visibility_confirmed=True,  # the demo reporter chose this on purpose (asked again and kept it)
            submission_token=f"ovoz-demo-concern-{number:06d}",
            received_at=received_at,
        )
        if submitted.is_repeat:
            continue
        created += 1
        concern = submitted.concern
        is_public = entry["visibility"] == Visibility.PUBLIC
        if final_status != Status.RECEIVED and is_public and entry["public_text"] and rng.random() < 0.7:
            concern_publish(actor=facilitator, concern=concern, public_text=entry["public_text"])
        if final_status == Status.CLOSED:
            reason = rng.choice([CloseReason.NOT_ACTIONABLE, CloseReason.OUT_OF_SCOPE])
            concern_change_status(actor=facilitator, concern=concern, status=Status.CLOSED, close_reason=reason)
        elif final_status != Status.RECEIVED:
            for step in STATUS_PATH[: STATUS_PATH.index(final_status) + 1]:
                note = entry["note"] if step == Status.ACCEPTED else ""
                concern_change_status(actor=facilitator, concern=concern, status=step, note=note)
        _spread_over_time(concern, received_at, now, rng)
    if created:
        steps_recount()  # the steps were re-dated above: count their durations again
        # Their language now, as the worker's follow-up would (the rest of it, suggestions and duplicate
        # proposals, the worker does when the demo runs).
        concern_languages_detect(concern_ids=list(Concern.objects.filter(language="").values_list("pk", flat=True)))
    return created


# One incident told twice, in Russian and in Uzbek, in the demo group's region: the staff page of the
# second shows "Possibly the same as No. N" (issue 15).
DEMO_DUPLICATES = (
    (
        "ru",
        "Джизак, махалля Навбахор, улица Ташкентская: с понедельника нет питьевой воды, уже четвёртый день. "
        "В доме 27 живут пожилые люди, воду носим из арыка. Водоканал не отвечает.",
    ),
    (
        "uz",
        "Jizzax shahri Navbahor mahallasi, Toshkent koʻchasi: dushanbadan beri ichimlik suvi yoʻq, toʻrtinchi kun. "
        "27-uyda keksalar yashaydi, suvni ariqdan tashiymiz. Suvoqova javob bermayapti.",
    ),
)


def demo_duplicates_load() -> int:
    """The demo's same incident in two languages, with its proposal computed here, not by the worker.
    Idempotent; returns how many concerns were created."""
    region = Area.objects.get(code="UZ-JI")
    water = Theme.objects.filter(slug="water").first()
    now = timezone.now()
    created = []
    for number, (language, text) in enumerate(DEMO_DUPLICATES):
        submitted = concern_submit(
            text=text,
            channel=Channel.WEB,
            language=language,
            area=region,
            themes=[water] if water is not None else [],
            visibility=Visibility.PUBLIC,
            submission_token=f"ovoz-demo-duplicate-{number:06d}",
            received_at=now - timedelta(days=2 - number),
        )
        if not submitted.is_repeat:
            created.append(submitted.concern.pk)
    if created:
        duplicates_propose(concern_id=created[-1])
    return len(created)


def _spread_over_time(concern: Concern, received_at: datetime, now: datetime, rng: random.Random) -> None:
    """Date the demo concern's steps a few days apart after it was received, never in the future."""
    moment = received_at
    for event in concern.events.order_by("id"):
        moment = min(now, moment + timedelta(days=rng.uniform(0.5, 6)))
        ConcernEvent.objects.filter(pk=event.pk).update(at=moment)
        if event.kind == EventKind.PUBLISHED:
            Concern.objects.filter(pk=concern.pk).update(published_at=moment)
        if event.to_status in CLOSED_STATUSES:
            Concern.objects.filter(pk=concern.pk).update(closed_at=moment)
    Concern.objects.filter(pk=concern.pk).update(updated_at=moment)


# A surge for early warning: complaints about fuel prices in Jizzakh region over the last six days,
# against a quiet past (docs/early-warning.md). Their texts are short and name nobody.
DEMO_SURGE_REGION = "UZ-JI"
DEMO_SURGE_TEXTS = (
    ("uz", "Yoqilg'i narxi bir haftada yana oshdi, benzin 10 000 so'mdan qimmat. Taksi haydovchilari ishlamay qoldi."),
    ("uz", "Zapravkada propan yo'q, borida ham narx ikki baravar. Qishda nima qilamiz?"),
    (
        "ru",
        "Цены на бензин выросли за неделю, на заправках очереди с утра. Водители маршруток подняли плату за проезд.",
    ),
    ("ru", "Газ для машин пропал на заправках района, а где есть — втрое дороже. Люди возмущены."),
    ("uz", "Dehqonlar traktorga solyarka topolmayapti, narxi juda baland. Ekish kechikmoqda."),
    ("ru", "Почему солярка подорожала снова? Фермеры не могут работать, все обсуждают это на базаре."),
)
DEMO_SURGE_CONCERNS = 14


def demo_surge_load() -> int:
    """Fourteen concerns about fuel prices in Jizzakh region in the last six days (idempotent, fixed
    submission tokens): the demo's early-warning alert. Returns how many were created."""
    area = Area.objects.filter(code=DEMO_SURGE_REGION).first()
    theme = Theme.objects.filter(slug="fuel-energy").first()
    if area is None or theme is None:
        return 0
    now = timezone.now()
    created = 0
    for number in range(DEMO_SURGE_CONCERNS):
        rng = random.Random(f"ovoz-demo-surge-{number}")  # noqa: S311 (demo data, not security)
        language, text = DEMO_SURGE_TEXTS[number % len(DEMO_SURGE_TEXTS)]
        submitted = concern_submit(
            text=text,
            language=language,
            channel=rng.choice([Channel.WEB, Channel.WEB, Channel.API]),
            area=area,
            themes=[theme],
            visibility=Visibility.RESTRICTED if number % 3 == 0 else Visibility.PUBLIC,
            submission_token=f"ovoz-demo-surge-concern-{number:03d}",
            received_at=now - timedelta(days=rng.uniform(0.1, 6)),
        )
        created += not submitted.is_repeat
    return created


def demo_current_code(*, username: str) -> str:
    """The current TOTP code of a demo user, so a trial needs no phone."""
    _refuse_in_production()
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return f"{code:0{device.digits}d}"
