"""A working group with something of everything, for tests that walk every URL."""

from ovoz.accounts.models import Grant
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, Status, Visibility


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
    return {
        **world,
        "public_concern": public,
        "restricted_concern": restricted,
        "observer_grant": Grant.objects.get(user=world["users"]["observer"]),
        "later_requests": [],
        "public_api": [],
    }
