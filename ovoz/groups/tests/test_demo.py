import pytest
from django.utils import timezone

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns.services import themes_seed
from ovoz.groups import models
from ovoz.groups.choices import ActionStatus, MeetingStatus, RoundStatus
from ovoz.operations.demo_groups import demo_groups_load
from ovoz.places.services import areas_seed

pytestmark = pytest.mark.django_db


def test_the_demo_loads_three_groups_with_meetings_a_decided_round_and_actions_in_every_state():
    areas_seed()
    themes_seed()
    facilitator = UserFactory(username="facilitator", role=DeploymentRole.NONE)
    member = UserFactory(username="member", role=DeploymentRole.NONE)

    assert demo_groups_load(facilitator=facilitator, member=member) == 3

    groups = models.WorkingGroup.objects.order_by("slug")
    assert [group.slug for group in groups] == ["dahana-jamoat", "uzgen-town", "zomin-district"]
    assert [group.area.parent.code or group.area.parent.parent.code for group in groups] == ["TJ-KT", "KG-O", "UZ-JI"]
    assert groups.get(slug="dahana-jamoat").area.kind == "community"
    today = timezone.localdate()
    for group in groups:
        assert group.grants.count() == 7 and group.grants.filter(is_named_publicly=True).count() >= 2
        statuses = list(group.meetings.order_by("starts_at").values_list("status", flat=True))
        assert statuses == [MeetingStatus.HELD, MeetingStatus.SCHEDULED, MeetingStatus.SCHEDULED]
        rounds = models.PrioritisationRound.objects.filter(meeting__working_group=group)
        assert [round_.status for round_ in rounds] == [RoundStatus.DECIDED] and rounds[0].chosen.count() == 3
        actions = list(group.actions.all())
        assert {action.status for action in actions} == set(ActionStatus.values)
        assert any(action.is_overdue(today) for action in actions)
        assert group.actions.filter(concerns__status="resolved").exists()
        assert group.actions.filter(concerns__status="in_action").exists()

    counts = {
        name: model.objects.count()
        for name, model in vars(models).items()
        if isinstance(model, type) and hasattr(model, "objects")
    }
    assert demo_groups_load(facilitator=facilitator, member=member) == 0
    assert counts == {
        name: model.objects.count()
        for name, model in vars(models).items()
        if isinstance(model, type) and hasattr(model, "objects")
    }


ENGLISH_DEMO_WORDS = (
    "working group",
    "khokimiyat",
    "Repair",
    "residents",
    "Opening",
    "priorities",
    "assembly",
    "office",
)


def test_the_demo_groups_write_in_the_language_of_their_place():
    from ovoz.concerns.language import language_detect
    from ovoz.concerns.models import Concern

    areas_seed()
    themes_seed()
    facilitator = UserFactory(username="facilitator", role=DeploymentRole.NONE)
    member = UserFactory(username="member", role=DeploymentRole.NONE)
    demo_groups_load(facilitator=facilitator, member=member)

    expected = {"zomin-district": "uz", "uzgen-town": "ky", "dahana-jamoat": "tg"}
    for group in models.WorkingGroup.objects.all():
        held = group.meetings.get(status=MeetingStatus.HELD)
        actions = list(group.actions.values_list("title", flat=True))
        published = [
            concern.public_text
            for concern in Concern.objects.filter(area=group.area, is_published=True)
            if concern.language != "ru"
        ]
        institutions = list(models.Institution.objects.filter(area=group.area).values_list("name", flat=True))
        texts = [group.name, group.description, held.minutes, held.decisions, held.place, *actions, *published]
        texts += [
            *institutions,
            *models.ActionUpdate.objects.filter(action__working_group=group).values_list("text", flat=True),
        ]
        assert language_detect(" ".join(texts)) == expected[group.slug], group.slug
        for text in texts:
            assert not any(word.lower() in text.lower() for word in ENGLISH_DEMO_WORDS), text
        assert len(published) >= 4
