"""Demo working groups: three groups with members, meetings, a decided prioritisation round and an
action plan in every state, some of it overdue. Part of ``ovoz demo``; never for production.

Deterministic and idempotent: a group that exists already is left as it is.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
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
from ovoz.groups.plan_selectors import concerns_ready_to_resolve
from ovoz.groups.selectors import round_ranking
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
    language: str  # what the group writes in: its name, places, published texts, minutes and actions
    name: str
    description: str
    region_code: str
    area_path: list[tuple[str, str, dict[str, str]]]  # (kind, English name, names) below the region
    institutions: list[str]
    members: list[DemoMember]
    concerns: list[DemoConcern]
    place: str


@dataclass(frozen=True)
class DemoTexts:
    """What a group writes at its meeting and in its action plan, in its own language."""

    minutes: str
    decisions: str
    decision_note: str
    action_titles: list[str]  # one per entry of ACTION_PLAN, in its order
    partners: str
    update_started: str
    update_done: str
    dropped_reason: str


DEMO_GROUPS = [
    DemoGroup(
        slug="zomin-district",
        language="uz",
        name="Zomin tumani jamoat xavfsizligi ishchi guruhi",
        description=("Zomin tumani aholisi, mahalla fuqarolar yigʻinlari, tuman hokimligi va ichki ishlar boʻlimi."),
        region_code="UZ-JI",
        area_path=[
            ("district", "Zomin district", {"en": "Zomin district", "ru": "Зааминский район", "uz": "Zomin tumani"})
        ],
        institutions=[
            "Zomin tumani hokimligi",
            "Zomin tumani ichki ishlar boʻlimi",
            "Navroʻz mahalla fuqarolar yigʻini",
            "Zomin tumani suv taʼminoti korxonasi",
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
                "Sugʻorish arigʻida uch haftadan beri suv yoʻq, ekinlar quriyapti.",
            ),
            DemoConcern(
                "Maktab yonidagi yo'l chuqurlarga to'la, bolalar yiqilyapti.",
                "uz",
                "roads-transport",
                "Maktab yonidagi yoʻl chuqurlarga toʻla.",
            ),
            DemoConcern(
                "Кечки пайт кўчаларда чироқ йўқ, ёшлар тўпланиб ичишади.",
                "uz",
                "crime",
                "Kechasi koʻchalar qorongʻi, yigitlar toʻplanib ichkilik ichishadi.",
            ),
            DemoConcern(
                "Bozorda un narxi ikki haftada ikki baravar oshdi.",
                "uz",
                "prices",
                "Bozorda un narxi ikki haftada ikki baravar oshdi.",
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
        place="Zomin tumani hokimligi, majlislar zali",
    ),
    DemoGroup(
        slug="uzgen-town",
        language="ky",
        name="Өзгөн шаарынын коомдук коопсуздук боюнча жумушчу тобу",
        description="Өзгөн шаарынын тургундары, мэриясы, милициясы жана жарандык коому.",
        region_code="KG-O",
        area_path=[("district", "Uzgen", {"en": "Uzgen", "ru": "Узген", "ky": "Өзгөн"})],
        institutions=[
            "Өзгөн шаарынын мэриясы",
            "Өзгөн районунун ички иштер бөлүмү",
            "Өзгөн суу чарба ишканасы",
            "Жаштар борбору",
        ],
        members=[
            DemoMember("demo-uzgen-1", "Aigul", "Mamatova", GrantRole.COMMUNITY, None, True),
            DemoMember("demo-uzgen-2", "Ulan", "Toktorov", GrantRole.AUTHORITY, 0, True),
            DemoMember("demo-uzgen-3", "Dilmurod", "Karimov", GrantRole.COMMUNITY),
            DemoMember("demo-uzgen-4", "Cholpon", "Asanova", GrantRole.CIVIL_SOCIETY, 3, True),
            DemoMember("demo-uzgen-5", "Nurlan", "Abdyraev", GrantRole.AUTHORITY, 1),
        ],
        concerns=[
            DemoConcern(
                "Ичүүчү суу күнүнө эки саат гана берилет.",
                "ky",
                "water",
                "Ичүүчү суу күнүнө эки саат гана берилет.",
            ),
            DemoConcern(
                "Базардагы соодагерлер менен милициянын ортосунда чыр чыгууда.",
                "ky",
                "intercommunity-border",
                "Базардагы соодагерлер менен милициянын ортосунда чыңалуу бар.",
            ),
            DemoConcern(
                "Жаштар жумуш таппай Россияга кетип жатышат.",
                "ky",
                "employment",
                "Жаштар жумуш таппай Россияга кетип жатышат.",
            ),
            DemoConcern("Мектептин жылытуусу иштебейт.", "ky", "fuel-energy", "Мектептин жылытуусу иштебейт."),
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
                "Дороги между махаллями ночью не освещены.",  # written in Russian, published in Russian
            ),
        ],
        place="Өзгөн шаарынын мэриясы, жыйындар залы",
    ),
    DemoGroup(
        slug="dahana-jamoat",
        language="tg",
        name="Гурӯҳи кории амнияти ҷамъиятии ҷамоати Даҳана",
        description="Сокинон, ҷамоат, ҳукумати ноҳия, милиса ва кумитаи занони Даҳана.",
        region_code="TJ-KT",
        area_path=[
            ("district", "Kulob district", {"en": "Kulob district", "ru": "Кулябский район", "tg": "ноҳияи Кӯлоб"}),
            ("community", "Dahana jamoat", {"en": "Dahana jamoat", "ru": "джамоат Дахана", "tg": "ҷамоати Даҳана"}),
        ],
        institutions=[
            "Ҳукумати ноҳияи Кӯлоб",
            "Шуъбаи корҳои дохилии ноҳияи Кӯлоб",
            "Ҷамоати Даҳана",
            "Кумитаи занон",
        ],
        members=[
            DemoMember("demo-dahana-1", "Zarina", "Rahimova", GrantRole.CIVIL_SOCIETY, 3, True),
            DemoMember("demo-dahana-2", "Firuz", "Nazarov", GrantRole.AUTHORITY, 2, True),
            DemoMember("demo-dahana-3", "Mehrangez", "Safarova", GrantRole.COMMUNITY),
            DemoMember("demo-dahana-4", "Sherali", "Odinaev", GrantRole.AUTHORITY, 1),
            DemoMember("demo-dahana-5", "Parviz", "Khodjaev", GrantRole.OBSERVER),
        ],
        concerns=[
            DemoConcern(
                "Барқ зимистон рӯзе ду соат аст.",
                "tg",
                "fuel-energy",
                "Дар зимистон барқ рӯзе ҳамагӣ ду соат аст.",
            ),
            DemoConcern(
                "Оби нӯшокӣ ифлос аст, кӯдакон бемор мешаванд.",
                "tg",
                "water",
                "Оби нӯшокӣ ифлос аст, кӯдакон бемор мешаванд.",
            ),
            DemoConcern(
                "Сарҳади замин бо деҳаи ҳамсоя баҳс дорад.",
                "tg",
                "land-property",
                "Сарҳади замин бо деҳаи ҳамсоя баҳсталаб аст.",
            ),
            DemoConcern(
                "Ҷавонон кор надоранд ва ба муҳоҷират мераванд.",
                "tg",
                "employment",
                "Ҷавонон кор надоранд ва ба муҳоҷират мераванд.",
            ),
            DemoConcern(
                "Роҳ ба мактаб дар фасли борон вайрон мешавад.",
                "tg",
                "roads-transport",
                "Роҳ ба мактаб дар фасли борон вайрон мешавад.",
            ),
            DemoConcern("Шавҳарам маро мезанад.", "tg", "domestic-violence", visibility=Visibility.CONFIDENTIAL),
        ],
        place="Бинои ҷамоати Даҳана",
    ),
]

ACTION_PLAN = [
    # (concern rank, owner index, started days ago, due in days, final status, progress,
    #  days after the due date it was done: negative is early); the titles are in DEMO_TEXTS
    (0, 3, 40, -10, ActionStatus.DONE, 100, 3),
    (0, 0, 30, -5, ActionStatus.IN_PROGRESS, 40, 0),
    (1, 0, 20, -2, ActionStatus.DONE, 100, -1),
    (2, 1, 15, 12, ActionStatus.IN_PROGRESS, 60, 0),
    (2, 2, 0, 25, ActionStatus.PLANNED, 0, 0),
    (2, 0, 25, -3, ActionStatus.DROPPED, 10, 0),
]

DEMO_TEXTS = {
    "uz": DemoTexts(
        minutes=(
            "## Ochilish\n\nFasilitator oxirgi yigʻilishdan beri kelib tushgan murojaatlarni taqdim etdi.\n\n"
            "## Muhokama\n\n- Aholi har bir muammoni tushuntirib berdi.\n"
            "- Hokimiyat vakillari nima qila olishlarini aytdi.\n\n"
            "## Keyingi qadamlar\n\nGuruh murojaatlarni baholadi va harakatlar rejasini kelishib oldi."
        ),
        decisions=(
            "- Eng yuqori baholangan uchta murojaat guruhning ustuvor vazifalaridir.\n"
            "- Harakatlar shu sahifada eʼlon qilinadi."
        ),
        decision_note="Shu uchtasi birinchi navbatda.",
        action_titles=[
            "Suv taʼminoti korxonasi bilan taʼmirlash jadvalini kelishish",
            "Eng yomon qismini taʼmirlash",
            "Aholi bilan ochiq tinglov oʻtkazish",
            "Mahalla bilan birga kechki navbatchilik",
            "Zarar koʻrgan xonadonlarni oʻrganib chiqish",
            "Viloyatdan yangi byudjet moddasini soʻrash",
        ],
        partners="Mahalla fuqarolar yigʻini",
        update_started="Ish aholi bilan birga boshlandi.",
        update_done="Ish tugadi, aholi tekshirib koʻrdi.",
        dropped_reason="Viloyat byudjet ajratishni rad etdi.",
    ),
    "ky": DemoTexts(
        minutes=(
            "## Ачылыш\n\nФасилитатор акыркы жыйындан бери келип түшкөн кайрылууларды тааныштырды.\n\n"
            "## Талкуу\n\n- Тургундар ар бир көйгөйдү айтып беришти.\n"
            "- Бийлик өкүлдөрү эмне кыла аларын айтышты.\n\n"
            "## Кийинки кадамдар\n\nТоп кайрылууларды баалап, иш-аракет планын макулдашты."
        ),
        decisions=("- Эң жогору бааланган үч кайрылуу — топтун артыкчылыктары.\n- Иш-аракеттер ушул бетте жарыяланат."),
        decision_note="Ушул үчөө биринчи кезекте.",
        action_titles=[
            "Суу ишканасы менен оңдоо графигин макулдашуу",
            "Эң начар бөлүгүн оңдоо",
            "Тургундар менен ачык угуу өткөрүү",
            "Махалла менен түнкү кайтарууну уюштуруу",
            "Жабыркаган үй-бүлөлөрдү сурамжылоо",
            "Облустан жаңы бюджет беренесин суроо",
        ],
        partners="Махалла комитети",
        update_started="Иш тургундар менен бирге башталды.",
        update_done="Иш бүттү, тургундар текшерип көрүштү.",
        dropped_reason="Облус бюджет бөлүүдөн баш тартты.",
    ),
    "tg": DemoTexts(
        minutes=(
            "## Кушодашавӣ\n\nФасилитатор муроҷиатҳоеро, ки аз ҷаласаи гузашта ворид шудаанд, муаррифӣ кард.\n\n"
            "## Муҳокима\n\n- Сокинон ҳар як мушкилро шарҳ доданд.\n"
            "- Намояндагони мақомот гуфтанд, ки чӣ кор карда метавонанд.\n\n"
            "## Қадамҳои навбатӣ\n\nГурӯҳ муроҷиатҳоро арзёбӣ карда, нақшаи амалро мувофиқа кард."
        ),
        decisions=(
            "- Се муроҷиате, ки баҳои баландтарин гирифтанд, афзалиятҳои гурӯҳ мебошанд.\n"
            "- Амалҳо дар ҳамин саҳифа нашр мешаванд."
        ),
        decision_note="Аввал ҳамин се.",
        action_titles=[
            "Бо корхонаи обтаъминкунӣ ҷадвали таъмирро мувофиқа кардан",
            "Қисми аз ҳама вайроншударо таъмир кардан",
            "Бо сокинон шунавоии умумӣ гузарондан",
            "Бо маҳалла посбонии шабона ташкил кардан",
            "Хонаводаҳои зарардидаро пурсиш кардан",
            "Аз вилоят моддаи нави буҷет талаб кардан",
        ],
        partners="Кумитаи маҳалла",
        update_started="Кор якҷоя бо сокинон оғоз шуд.",
        update_done="Кор анҷом ёфт, сокинон онро санҷиданд.",
        dropped_reason="Вилоят аз ҷудо кардани буҷет даст кашид.",
    ),
}


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
    texts = DEMO_TEXTS[spec.language]
    group_services.meeting_record_minutes(
        actor=facilitator, meeting=first, minutes=texts.minutes, decisions=texts.decisions
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
    group_services.round_decide(actor=facilitator, round=round_, concerns=top, note=texts.decision_note)

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
    for title, (rank, owner, started, due, status, progress, done_after_due) in zip(
        texts.action_titles, ACTION_PLAN, strict=True
    ):
        action = group_services.action_create(
            actor=facilitator,
            group=group,
            title=title,
            concerns=[top[rank]],
            owner=institutions[owner],
            responsible=members[2 + rank],
            partners=texts.partners if rank == 1 else "",
            starts_on=today - timedelta(days=started),
            due_on=today + timedelta(days=due),
        )
        if status in (ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.DROPPED):
            group_services.action_set_status(actor=facilitator, action=action, status=ActionStatus.IN_PROGRESS)
        if progress and status != ActionStatus.DONE:
            group_services.action_post_update(
                actor=facilitator, action=action, text=texts.update_started, progress=progress
            )
        if status == ActionStatus.DONE:
            group_services.action_post_update(actor=facilitator, action=action, text=texts.update_done, progress=100)
            group_services.action_set_status(actor=facilitator, action=action, status=ActionStatus.DONE)
            Action.objects.filter(pk=action.pk).update(completed_on=today + timedelta(days=due + done_after_due))
        if status == ActionStatus.DROPPED:
            group_services.action_set_status(
                actor=facilitator, action=action, status=ActionStatus.DROPPED, reason=texts.dropped_reason
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
