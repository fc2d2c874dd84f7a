"""A working group with something of everything, for tests that walk every URL."""

from datetime import timedelta

from django.utils import timezone

from ovoz.accounts.models import Grant
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.core.images import image_clean
from ovoz.groups import services
from ovoz.groups.choices import MeetingStatus
from ovoz.testing.media import jpeg_with_gps


def zomin_group_people(zomin):
    """The Zomin working group on ``zomin``, its khokimiyat, and one facilitator, authority member and
    observer of it (the people every group scenario uses): (group, khokimiyat, users by kind)."""
    from ovoz.accounts.choices import GrantRole
    from ovoz.groups.tests.factories import InstitutionFactory, MemberFactory, WorkingGroupFactory

    group = WorkingGroupFactory(name="Zomin working group", slug="zomin", area=zomin)
    khokimiyat = InstitutionFactory(name="Zomin district khokimiyat", area=zomin)
    users = {
        "facilitator": MemberFactory(
            working_group=group, role=GrantRole.FACILITATOR, user__username="dilnoza", user__first_name="Dilnoza"
        ).user,
        "member": MemberFactory(
            working_group=group,
            role=GrantRole.AUTHORITY,
            institution=khokimiyat,
            user__username="rustam",
            user__first_name="Rustam",
            user__last_name="Karimov",
        ).user,
        "observer": MemberFactory(
            working_group=group, role=GrantRole.OBSERVER, user__username="olim", user__first_name="Olim"
        ).user,
    }
    return group, khokimiyat, users


def build_scenario(world):
    facilitator = world["users"]["facilitator"]
    public = concern_services.concern_submit(
        text="The canal in Zomin is blocked", channel=Channel.WEB, area=world["zomin"], themes=[world["water"]]
    ).concern
    concern_services.concern_publish(actor=facilitator, concern=public, public_text="A canal is blocked")
    restricted = concern_services.concern_submit(
        text="Police take money at the checkpoint",
        channel=Channel.WEB,
        area=world["zomin"],
        visibility=Visibility.RESTRICTED,
    ).concern
    for concern in (public, restricted):
        concern_services.concern_change_status(actor=facilitator, concern=concern, status=Status.ACCEPTED)
    meeting = services.meeting_schedule(
        actor=facilitator, group=world["group"], starts_at=timezone.now() - timedelta(days=2), place="Mahalla centre"
    )
    services.meeting_agenda_add(actor=facilitator, meeting=meeting, concerns=[public, restricted])
    services.meeting_record_attendance(
        actor=facilitator, meeting=meeting, counts={("women", "18_29"): 4, ("men", "30_59"): 3}
    )
    services.meeting_update(
        actor=facilitator,
        meeting=meeting,
        starts_at=meeting.starts_at,
        place=meeting.place,
        online_link="",
        status=MeetingStatus.HELD,
    )
    round_ = services.round_open(actor=facilitator, meeting=meeting)
    prioritised = concern_services.concern_submit(
        text="Road to the school is broken", channel=Channel.WEB, area=world["zomin"]
    ).concern
    for status in (Status.ACCEPTED, Status.PRIORITISED):
        concern_services.concern_change_status(actor=facilitator, concern=prioritised, status=status)
    action = services.action_create(
        actor=facilitator,
        group=world["group"],
        title="Repair the road",
        concerns=[prioritised],
        owner=world["khokimiyat"],
        responsible=world["users"]["member"],
        due_on=timezone.localdate() + timedelta(days=14),
    )
    update = services.action_post_update(
        actor=facilitator, action=action, text="Gravel delivered", progress=20, photos=[image_clean(jpeg_with_gps())]
    )
    return {
        **world,
        "meeting": meeting,
        "round": round_,
        "prioritised_concern": prioritised,
        "action": action,
        "photo": update.photos.get(),
        "criteria": list(world["group"].criteria.all()),
        "public_concern": public,
        "restricted_concern": restricted,
        "observer_grant": Grant.objects.get(user=world["users"]["observer"]),
        "later_requests": [],
        "public_api": ["/api/v1/groups/zomin/meetings", "/api/v1/groups/zomin/actions"],
    }
