"""Demo working groups: three groups with members, meetings, a decided prioritisation round and an
action plan in every state, some of it overdue. Part of ``ovoz demo``; never for production.

Deterministic and idempotent: a group that exists already is left as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from ovoz.accounts.choices import GrantRole
from ovoz.accounts.models import User
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.models import Concern, Theme
from ovoz.concerns.services import concern_change_status, concern_publish, concern_submit
from ovoz.groups import grants
from ovoz.groups import services as group_services
from ovoz.groups.choices import ActionStatus, AgeBand, Gender, MeetingStatus
from ovoz.groups.models import Action, ActionUpdate, Institution, WorkingGroup
from ovoz.groups.selectors import concerns_ready_to_resolve, round_ranking
from ovoz.places.models import Area
from ovoz.referrals.services import consent_at_intake


@dataclass(frozen=True)
class DemoConcern:
    text: str
    language: str
    theme: str
    public_text: str = ""
    visibility: Visibility = Visibility.PUBLIC


@dataclass(frozen=True)
class DemoMember:
    username: str
    first_name: str
    last_name: str
    role: GrantRole
    institution: int | None = None  # index into the group's institutions
    is_named_publicly: bool = False


@dataclass(frozen=True)
class DemoGroup:
    slug: str
    name: str
    description: str
    region_code: str
    area_path: list[tuple[str, str, dict[str, str]]]  # (kind, English name, names) below the region
    institutions: list[str]
    members: list[DemoMember]
    concerns: list[DemoConcern]
    place: str
    actions: list[str] = field(default_factory=list)


DEMO_GROUPS = [
    DemoGroup(
        slug="zomin-district",
        name="Zomin district community security working group",
        description="Residents, the mahalla committees, the district khokimiyat and police of Zomin district.",
        region_code="UZ-JI",
        area_path=[
            ("district", "Zomin district", {"en": "Zomin district", "ru": "Зааминский район", "uz": "Zomin tumani"})
        ],
        institutions=[
            "Zomin district khokimiyat",
            "Zomin district police department",
            "Navruz mahalla committee",
            "Zomin water utility",
        ],
        members=[
            DemoMember("demo-zomin-1", "Nodira", "Yusupova", GrantRole.COMMUNITY, 2, True),
            DemoMember("demo-zomin-2", "Jasur", "Rakhimov", GrantRole.AUTHORITY, 0, True),
            DemoMember("demo-zomin-3", "Akmal", "Tursunov", GrantRole.AUTHORITY, 1),
            DemoMember("demo-zomin-4", "Gulnora", "Saidova", GrantRole.CIVIL_SOCIETY, None, True),
            DemoMember("demo-zomin-5", "Bekzod", "Ergashev", GrantRole.OBSERVER),
        ],
        concerns=[
            DemoConcern(
                "Ariqdagi suv uch haftadan beri kelmayapti, ekinlar quriyapti.",
                "uz",
                "water",
                "The irrigation canal has been dry for three weeks.",
            ),
            DemoConcern(
                "Maktab yonidagi yo'l chuqurlarga to'la, bolalar yiqilyapti.",
                "uz",
                "roads-transport",
                "The road by the school is full of potholes.",
            ),
            DemoConcern(
                "Кечки пайт кўчаларда чироқ йўқ, ёшлар тўпланиб ичишади.",
                "uz",
                "crime",
                "Streets are dark at night and young men gather to drink.",
            ),
            DemoConcern(
                "Bozorda un narxi ikki haftada ikki baravar oshdi.",
                "uz",
                "prices",
                "Flour prices at the bazaar doubled in two weeks.",
            ),
            DemoConcern(
                "Инспектор на посту требует деньги у водителей.",
                "ru",
                "police-conduct",
                visibility=Visibility.RESTRICTED,
            ),
            DemoConcern(
                "Qo'shnim xotinini har kuni uradi.", "uz", "domestic-violence", visibility=Visibility.CONFIDENTIAL
            ),
        ],
        place="Zomin district khokimiyat, assembly hall",
    ),
    DemoGroup(
        slug="uzgen-town",
        name="Uzgen town community security working group",
        description="Residents, the mayor's office, the police and civil society of Uzgen town.",
        region_code="KG-O",
        area_path=[("district", "Uzgen", {"en": "Uzgen", "ru": "Узген", "ky": "Өзгөн"})],
        institutions=["Uzgen mayor's office", "Uzgen police department", "Uzgen water utility", "Youth centre"],
        members=[
            DemoMember("demo-uzgen-1", "Aigul", "Mamatova", GrantRole.COMMUNITY, None, True),
            DemoMember("demo-uzgen-2", "Ulan", "Toktorov", GrantRole.AUTHORITY, 0, True),
            DemoMember("demo-uzgen-3", "Dilmurod", "Karimov", GrantRole.COMMUNITY),
            DemoMember("demo-uzgen-4", "Cholpon", "Asanova", GrantRole.CIVIL_SOCIETY, 3, True),
            DemoMember("demo-uzgen-5", "Nurlan", "Abdyraev", GrantRole.AUTHORITY, 1),
        ],
        concerns=[
            DemoConcern(
                "Ичүүчү суу күнүнө эки саат гана берилет.", "ky", "water", "Drinking water runs only two hours a day."
            ),
            DemoConcern(
                "Базардагы соодагерлер менен милициянын ортосунда чыр чыгууда.",
                "ky",
                "intercommunity-border",
                "Tension between bazaar traders and the police.",
            ),
            DemoConcern(
                "Жаштар жумуш таппай Россияга кетип жатышат.",
                "ky",
                "employment",
                "Young people leave for Russia for lack of jobs.",
            ),
            DemoConcern("Мектептин жылытуусу иштебейт.", "ky", "fuel-energy", "The school's heating does not work."),
            DemoConcern(
                "Уулумду бир топ адамдар чет өлкөгө чакырып жатат.",
                "ky",
                "youth-recruitment",
                visibility=Visibility.RESTRICTED,
            ),
            DemoConcern(
                "Дороги между махаллями не освещены.",
                "ru",
                "roads-transport",
                "The roads between neighbourhoods are not lit.",
            ),
        ],
        place="Uzgen town hall",
    ),
    DemoGroup(
        slug="dahana-jamoat",
        name="Dahana jamoat community security working group",
        description="Residents, the jamoat, the district hukumat, police and the women's committee of Dahana.",
        region_code="TJ-KT",
        area_path=[
            ("district", "Kulob district", {"en": "Kulob district", "ru": "Кулябский район", "tg": "ноҳияи Кӯлоб"}),
            ("community", "Dahana jamoat", {"en": "Dahana jamoat", "ru": "джамоат Дахана", "tg": "ҷамоати Даҳана"}),
        ],
        institutions=["Kulob district hukumat", "Kulob district police", "Dahana jamoat", "Women's committee"],
        members=[
            DemoMember("demo-dahana-1", "Zarina", "Rahimova", GrantRole.CIVIL_SOCIETY, 3, True),
            DemoMember("demo-dahana-2", "Firuz", "Nazarov", GrantRole.AUTHORITY, 2, True),
            DemoMember("demo-dahana-3", "Mehrangez", "Safarova", GrantRole.COMMUNITY),
            DemoMember("demo-dahana-4", "Sherali", "Odinaev", GrantRole.AUTHORITY, 1),
            DemoMember("demo-dahana-5", "Parviz", "Khodjaev", GrantRole.OBSERVER),
        ],
        concerns=[
            DemoConcern(
                "Барқ зимистон рӯзе ду соат аст.", "tg", "fuel-energy", "Electricity comes two hours a day in winter."
            ),
            DemoConcern(
                "Оби нӯшокӣ ифлос аст, кӯдакон бемор мешаванд.",
                "tg",
                "water",
                "Drinking water is dirty; children fall ill.",
            ),
            DemoConcern(
                "Сарҳади замин бо деҳаи ҳамсоя баҳс дорад.",
                "tg",
                "land-property",
                "A land boundary is disputed with the next village.",
            ),
            DemoConcern(
                "Ҷавонон кор надоранд ва ба муҳоҷират мераванд.",
                "tg",
                "employment",
                "Young people have no work and migrate.",
            ),
            DemoConcern(
                "Роҳ ба мактаб дар фасли борон вайрон мешавад.",
                "tg",
                "roads-transport",
                "The road to school breaks up in the rains.",
            ),
            DemoConcern("Шавҳарам маро мезанад.", "tg", "domestic-violence", visibility=Visibility.CONFIDENTIAL),
        ],
        place="Dahana jamoat office",
    ),
]

ACTION_PLAN = [
    # (title, concern rank, owner index, started days ago, due in days, final status, progress,
    #  days after the due date it was done: negative is early)
    ("Agree a repair schedule with the utility", 0, 3, 40, -10, ActionStatus.DONE, 100, 3),
    ("Repair the worst section", 0, 0, 30, -5, ActionStatus.IN_PROGRESS, 40, 0),
    ("Public hearing with residents", 1, 0, 20, -2, ActionStatus.DONE, 100, -1),
    ("Street patrols at night with the mahalla", 2, 1, 15, 12, ActionStatus.IN_PROGRESS, 60, 0),
    ("Survey the households affected", 2, 2, 0, 25, ActionStatus.PLANNED, 0, 0),
    ("Ask the region for a new budget line", 2, 0, 25, -3, ActionStatus.DROPPED, 10, 0),
]


def _area(group: DemoGroup) -> Area:
    area = Area.objects.get(code=group.region_code)
    for kind, name, names in group.area_path:
        area, _created = Area.objects.get_or_create(parent=area, name=name, defaults={"kind": kind, "names": names})
    return area


def _member(spec: DemoMember) -> User:
    user = User.objects.filter(username=spec.username).first()
    if user is None:
        user = User(username=spec.username, first_name=spec.first_name, last_name=spec.last_name)
        user.email = f"{spec.username}@example.org"
        user.set_unusable_password()  # demo members are shown, not signed in as
        user.save()
    return user


def demo_groups_load(*, facilitator: User, member: User) -> int:
    """Create the demo groups that do not exist yet; returns how many were created."""
    created = 0
    for spec in DEMO_GROUPS:
        if WorkingGroup.objects.filter(slug=spec.slug).exists():
            continue
        _load_group(spec, facilitator=facilitator, member=member)
        created += 1
    return created


def _load_group(spec: DemoGroup, *, facilitator: User, member: User) -> WorkingGroup:
    rng = random.Random(f"ovoz-demo-group-{spec.slug}")  # noqa: S311 (demo data)
    now = timezone.now()
    today = timezone.localdate()
    area = _area(spec)
    group = WorkingGroup.objects.create(slug=spec.slug, name=spec.name, description=spec.description, area=area)
    institutions = [Institution.objects.get_or_create(area=area, name=name)[0] for name in spec.institutions]
    grants.grant_set(actor=None, user=facilitator, working_group=group, role=GrantRole.FACILITATOR)
    grants.grant_set(actor=None, user=member, working_group=group, role=GrantRole.COMMUNITY)
    members = [facilitator, member]
    for member_spec in spec.members:
        user = _member(member_spec)
        grant = grants.grant_set(actor=None, user=user, working_group=group, role=member_spec.role)
        grant.institution = institutions[member_spec.institution] if member_spec.institution is not None else None
        grant.is_named_publicly = member_spec.is_named_publicly
        grant.save(update_fields=["institution", "is_named_publicly"])
        members.append(user)
    roles = [GrantRole.FACILITATOR, GrantRole.COMMUNITY, *(member_spec.role for member_spec in spec.members)]
    scorers = [user for user, role in zip(members, roles, strict=True) if role != GrantRole.OBSERVER]

    themes = {theme.slug: theme for theme in Theme.objects.all()}
    concerns: list[Concern] = []
    for number, entry in enumerate(spec.concerns):
        submitted = concern_submit(
            text=entry.text,
            channel=Channel.WEB,
            language=entry.language,
            area=area,
            themes=[themes[entry.theme]] if entry.theme in themes else [],
            visibility=entry.visibility,
            visibility_confirmed=True,  # the demo reporter chose this on purpose (asked again and kept it)
            submission_token=f"ovoz-demo-group-concern-{spec.slug}-{number:03d}",
            received_at=now - timedelta(days=70 - number),
        )
        concern = submitted.concern
        if concern.is_sealed:
            # As if the reporter had ticked "yes, what I wrote" on the form: the demo's intake user can refer it.
            consent_at_intake(concern=concern, share=True, share_contact=False)
        if entry.public_text:
            concern_publish(actor=facilitator, concern=concern, public_text=entry.public_text)
        concern_change_status(actor=facilitator, concern=concern, status=Status.ACCEPTED)
        concerns.append(concern)

    # The first meeting: held, with a decided prioritisation round.
    first = group_services.meeting_schedule(
        actor=facilitator, group=group, starts_at=now - timedelta(days=45), place=spec.place
    )
    group_services.meeting_agenda_add(actor=facilitator, meeting=first, concerns=concerns[:5])
    counts = {(gender.value, band.value): rng.randint(0, 6) for gender in Gender for band in AgeBand}
    counts[(Gender.WOMEN.value, AgeBand.FROM_30_TO_59.value)] += 4
    group_services.meeting_record_attendance(
        actor=facilitator, meeting=first, counts=counts, members_present=members[:6]
    )
    group_services.meeting_record_minutes(
        actor=facilitator,
        meeting=first,
        minutes=(
            "## Opening\n\nThe facilitator presented the concerns raised since the last meeting.\n\n"
            "## Discussion\n\n- Residents described each problem.\n- The authorities said what they can do.\n\n"
            "## Next steps\n\nThe group scored the concerns and agreed an action plan."
        ),
        decisions=(
            "- The three highest-ranked concerns are the group's priorities.\n- Actions are published on this page."
        ),
    )
    group_services.meeting_update(
        actor=facilitator,
        meeting=first,
        starts_at=first.starts_at,
        place=first.place,
        online_link="",
        status=MeetingStatus.HELD,
    )
    round_ = group_services.round_open(actor=facilitator, meeting=first)
    criteria = list(group.criteria.all())
    for user in scorers:
        scores = {
            (concern.pk, criterion.pk): max(1, min(5, 5 - index + rng.randint(-1, 1)))
            for index, concern in enumerate(concerns[:5])
            for criterion in criteria
        }
        group_services.scores_submit(user=user, round=round_, scores=scores)
    round_ = group_services.round_close(actor=facilitator, round=round_)
    top = [row.concern for row in round_ranking(round=round_)[:3]]
    group_services.round_decide(actor=facilitator, round=round_, concerns=top, note="These three come first.")

    # The second meeting: today, with the remaining accepted concerns on its agenda, so a facilitator
    # can hold it now (attendance, a round, scores, a decision, minutes) without changing its date.
    second = group_services.meeting_schedule(
        actor=facilitator,
        group=group,
        starts_at=timezone.make_aware(datetime.combine(today, time(17, 0))),
        place=spec.place,
    )
    remaining = [concern for concern in concerns if concern.pk not in {c.pk for c in top}]
    group_services.meeting_agenda_add(
        actor=facilitator,
        meeting=second,
        concerns=list(Concern.objects.filter(pk__in=[c.pk for c in remaining], status=Status.ACCEPTED)),
    )
    # The third: in four weeks, its agenda still to build; nothing can be recorded for it before that day.
    group_services.meeting_schedule(
        actor=facilitator, group=group, starts_at=now + timedelta(days=28), place=spec.place
    )

    # The action plan, in every state; some actions overdue.
    for title, rank, owner, started, due, status, progress, done_after_due in ACTION_PLAN:
        action = group_services.action_create(
            actor=facilitator,
            group=group,
            title=title,
            concerns=[top[rank]],
            owner=institutions[owner],
            responsible=members[2 + rank],
            partners="Mahalla committee" if rank == 1 else "",
            starts_on=today - timedelta(days=started),
            due_on=today + timedelta(days=due),
        )
        if status in (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DROPPED):
            group_services.action_set_status(actor=facilitator, action=action, status=ActionStatus.IN_PROGRESS)
        if progress and status != ActionStatus.DONE:
            group_services.action_post_update(
                actor=facilitator, action=action, text="Work started with the residents.", progress=progress
            )
        if status == ActionStatus.DONE:
            group_services.action_post_update(
                actor=facilitator, action=action, text="Finished and checked by the residents.", progress=100
            )
            group_services.action_set_status(actor=facilitator, action=action, status=ActionStatus.DONE)
            Action.objects.filter(pk=action.pk).update(completed_on=today + timedelta(days=due + done_after_due))
        if status == ActionStatus.DROPPED:
            group_services.action_set_status(
                actor=facilitator, action=action, status=ActionStatus.DROPPED, reason="The region refused the budget."
            )
    _date_updates(group)
    # The concern whose actions are all done is confirmed as resolved.
    for ready in concerns_ready_to_resolve(group=group):
        group_services.concern_resolve(actor=facilitator, group=group, concern=ready)
    return group


def _date_updates(group: WorkingGroup) -> None:
    """Spread the demo updates over the weeks the actions ran."""
    for number, update in enumerate(ActionUpdate.objects.filter(action__working_group=group).order_by("pk")):
        ActionUpdate.objects.filter(pk=update.pk).update(day=timezone.localdate() - timedelta(days=3 + 4 * number))
