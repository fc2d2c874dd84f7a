import math
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.contacts import Contact
from ovoz.concerns.models import ConcernEvent
from ovoz.groups import selectors, services
from ovoz.groups.choices import RoundStatus
from ovoz.groups.models import Criterion, Meeting, PrioritisationRound, Score
from ovoz.groups.ranking import rank
from ovoz.groups.tests.factories import MemberFactory
from ovoz.testing.web import client_for, sign_in

pytestmark = pytest.mark.django_db


def test_the_ranking_is_the_mean_of_members_weighted_scores_with_their_spread():
    # Weights: criterion 1 counts twice, criterion 2 once, criterion 3 not at all.
    weights = {1: 2, 2: 1, 3: 0}
    scores = [
        # concern 10: member 100 gives (5, 2) -> (2*5 + 1*2) / 3 = 4; member 200 gives (3, 3) -> 3
        (100, 10, 1, 5),
        (100, 10, 2, 2),
        (100, 10, 3, 1),  # weight 0: ignored
        (200, 10, 1, 3),
        (200, 10, 2, 3),
        # concern 20: only member 100, only criterion 2 -> 4
        (100, 20, 2, 4),
        # concern 40: scored only on a weight-0 criterion -> no score
        (100, 40, 3, 5),
    ]
    ranked = rank(scores=scores, weights=weights, concern_ids=[10, 20, 30, 40])
    assert [item.concern_id for item in ranked] == [20, 10, 30, 40]
    by_id = {item.concern_id: item for item in ranked}
    assert by_id[10].score == pytest.approx(3.5) and by_id[10].spread == pytest.approx(0.5)
    assert by_id[10].scorers == 2 and by_id[10].criterion_means == {1: 4, 2: 2.5, 3: 1}
    assert (by_id[20].score, by_id[20].spread, by_id[20].scorers) == (4, 0, 1)
    assert (by_id[30].score, by_id[30].scorers) == (None, 0)
    assert (by_id[40].score, by_id[40].scorers) == (None, 0)


def test_ties_rank_by_more_scorers_then_by_number():
    scores = [(1, 5, 1, 4), (1, 6, 1, 4), (2, 6, 1, 4), (1, 7, 1, 4), (2, 7, 1, 4)]
    ranked = rank(scores=scores, weights={1: 1}, concern_ids=[5, 6, 7])
    assert [item.concern_id for item in ranked] == [6, 7, 5]
    assert math.isclose(ranked[0].spread, 0)


@pytest.fixture
def round_world(world, django_capture_on_commit_callbacks):
    facilitator = world["users"]["facilitator"]
    concerns = []
    for text, email in (("Canal blocked", "canal@example.org"), ("No street lights", ""), ("Bribes at checkpoint", "")):
        concern = concern_services.concern_submit(
            text=text,
            channel=Channel.WEB,
            area=world["zomin"],
            visibility=Visibility.RESTRICTED if "Bribes" in text else Visibility.PUBLIC,
            contact=Contact(email=email) if email else None,
        ).concern
        concern_services.concern_change_status(actor=facilitator, concern=concern, status=Status.ACCEPTED)
        concerns.append(concern)
    meeting = services.meeting_schedule(
        actor=facilitator, group=world["group"], starts_at=timezone.now() - timedelta(hours=1), place="Hall"
    )
    services.meeting_agenda_add(actor=facilitator, meeting=meeting, concerns=concerns)
    round_ = services.round_open(actor=facilitator, meeting=meeting)
    criteria = list(world["group"].criteria.all())
    second = MemberFactory(working_group=world["group"], role=GrantRole.COMMUNITY, user__username="zarina").user
    return {**world, "concerns": concerns, "meeting": meeting, "round": round_, "criteria": criteria, "second": second}


def _form(world, values):
    """Form data giving every criterion of each concern the value in ``values`` (by concern index)."""
    data = {}
    for index, concern in enumerate(world["concerns"]):
        for criterion in world["criteria"]:
            value = values.get(index)
            data[f"score_{concern.pk}_{criterion.pk}"] = "" if value is None else str(value)
    return data


def test_opening_a_round_gives_the_group_the_five_default_criteria(round_world):
    assert [criterion.slug for criterion in round_world["criteria"]] == [
        "severity",
        "people_affected",
        "urgency",
        "feasibility",
        "within_reach",
    ]
    assert all(criterion.weight == 1 for criterion in round_world["criteria"])


def test_scores_stay_hidden_until_the_round_closes(round_world):
    member = client_for(round_world, "member")
    url = f"/staff/groups/zomin/meetings/{round_world['meeting'].pk}/scores/"
    assert member.post(url, _form(round_world, {0: 5, 1: 2, 2: 4})).status_code == 302

    facilitator_page = client_for(round_world, "facilitator").get(
        f"/staff/groups/zomin/meetings/{round_world['meeting'].pk}/"
    )
    html = facilitator_page.content.decode()
    assert "1 of 3 members have scored" in html
    assert 'data-testid="ranking"' not in html
    second = client_for(round_world, "facilitator").get(url).content.decode()
    assert "selected>5</option>" not in second  # the facilitator's own form is empty


def test_scoring_again_replaces_the_members_own_scores(round_world):
    member = client_for(round_world, "member")
    url = f"/staff/groups/zomin/meetings/{round_world['meeting'].pk}/scores/"
    member.post(url, _form(round_world, {0: 5, 1: 2, 2: 4}))
    member.post(url, _form(round_world, {0: 5, 1: 2, 2: 4}))
    assert Score.objects.count() == 15
    member.post(url, _form(round_world, {0: 1, 1: 3, 2: None}))
    user = round_world["users"]["member"]
    assert Score.objects.filter(user=user).count() == 10
    assert set(Score.objects.filter(concern=round_world["concerns"][0]).values_list("value", flat=True)) == {1}
    own = member.get(url).content.decode()
    assert '<option value="3" selected>3</option>' in own


def test_the_database_refuses_a_second_score_for_the_same_cell(round_world):
    cell = {
        "round": round_world["round"],
        "user": round_world["users"]["member"],
        "concern": round_world["concerns"][0],
        "criterion": round_world["criteria"][0],
    }
    Score.objects.create(**cell, value=3)
    with pytest.raises(IntegrityError):
        Score.objects.create(**cell, value=4)


def test_observers_and_administrators_do_not_score_and_nothing_changes(round_world):
    url = f"/staff/groups/zomin/meetings/{round_world['meeting'].pk}/scores/"
    for kind in ("observer", "administrator"):
        response = client_for(round_world, kind).post(url, _form(round_world, {0: 5, 1: 5, 2: 5}))
        assert response.status_code == 403
    assert Score.objects.count() == 0


def test_scores_out_of_range_are_refused(round_world):
    member = client_for(round_world, "member")
    url = f"/staff/groups/zomin/meetings/{round_world['meeting'].pk}/scores/"
    response = member.post(url, _form(round_world, {0: 6}))
    assert response.status_code == 400
    assert Score.objects.count() == 0


def test_closing_shows_the_ranking_with_weighted_mean_spread_and_scorers(round_world):
    facilitator_user = round_world["users"]["facilitator"]
    severity = round_world["criteria"][0]
    services.criteria_set_weights(actor=facilitator_user, group=round_world["group"], weights={"severity": 3})
    url = f"/staff/groups/zomin/meetings/{round_world['meeting'].pk}/scores/"
    member, second = client_for(round_world, "member"), client_for(round_world, "facilitator")
    member.post(url, _form(round_world, {0: 5, 1: 2, 2: 4}))
    data = _form(round_world, {0: 3, 1: 2, 2: 4})
    data[f"score_{round_world['concerns'][0].pk}_{severity.pk}"] = "5"  # (3*5 + 4*3) / 7 = 27/7
    second.post(url, data)

    closed = client_for(round_world, "facilitator").post(
        f"/staff/groups/zomin/meetings/{round_world['meeting'].pk}/", {"action": "round_close"}
    )
    assert closed.status_code == 302
    round_ = PrioritisationRound.objects.get()
    assert round_.status == RoundStatus.CLOSED and round_.weights[str(severity.pk)] == 3

    html = (
        client_for(round_world, "member")
        .get(f"/staff/groups/zomin/meetings/{round_world['meeting'].pk}/")
        .content.decode()
    )
    ranking = html[html.index('data-testid="ranking"') :]
    first, second_row = (5 + 27 / 7) / 2, 4
    assert ranking.index(f"No. {round_world['concerns'][0].pk}") < ranking.index(f"No. {round_world['concerns'][2].pk}")
    assert ranking.index(f"No. {round_world['concerns'][2].pk}") < ranking.index(f"No. {round_world['concerns'][1].pk}")
    assert f"<td>{first:.2f}</td><td>{abs(5 - 27 / 7) / 2:.2f}</td><td>2</td>" in ranking
    assert f"<td>{second_row:.2f}</td><td>0.00</td><td>2</td>" in ranking
    # Scores cannot change after the round closed.
    assert member.post(url, _form(round_world, {0: 1})).status_code == 400
    assert not Score.objects.filter(value=1).exists()


def test_the_decision_prioritises_the_chosen_concerns_and_tells_their_reporters(
    round_world, django_capture_on_commit_callbacks, client
):
    facilitator = client_for(round_world, "facilitator")
    meeting_url = f"/staff/groups/zomin/meetings/{round_world['meeting'].pk}/"
    facilitator.post(meeting_url, {"action": "round_close"})
    chosen = [round_world["concerns"][0].pk, round_world["concerns"][2].pk]
    with django_capture_on_commit_callbacks(execute=True):
        response = facilitator.post(meeting_url, {"action": "round_decide", "chosen": chosen, "note": "Canal first."})
    assert response.status_code == 302
    statuses = {concern.pk: concern.status for concern in round_world["concerns"]}
    for concern in round_world["concerns"]:
        concern.refresh_from_db()
        statuses[concern.pk] = concern.status
    assert statuses == {chosen[0]: "prioritised", round_world["concerns"][1].pk: "accepted", chosen[1]: "prioritised"}
    assert ConcernEvent.objects.filter(to_status="prioritised").count() == 2
    assert [message.to for message in mail.outbox] == [["canal@example.org"]]
    assert "prioritised" in mail.outbox[0].body
    round_ = PrioritisationRound.objects.get()
    assert round_.status == RoundStatus.DECIDED and set(round_.chosen.values_list("pk", flat=True)) == set(chosen)

    Meeting.objects.filter(pk=round_world["meeting"].pk).update(status="held")
    public = client.get(f"/en/groups/zomin/meetings/{round_world['meeting'].pk}/").content.decode()
    assert "Priorities the group chose" in public and "Canal first." in public
    assert "Bribes" not in public and "Canal blocked" not in public


def test_a_decision_before_closing_is_refused_and_nothing_changes(round_world):
    facilitator = client_for(round_world, "facilitator")
    response = facilitator.post(
        f"/staff/groups/zomin/meetings/{round_world['meeting'].pk}/",
        {"action": "round_decide", "chosen": [round_world["concerns"][0].pk]},
    )
    assert response.status_code == 400
    round_world["concerns"][0].refresh_from_db()
    assert round_world["concerns"][0].status == "accepted"
    assert PrioritisationRound.objects.get().status == RoundStatus.OPEN


def test_a_facilitator_edits_the_weights_and_zero_everywhere_is_refused(round_world):
    facilitator = client_for(round_world, "facilitator")
    weights = {criterion.slug: 0 for criterion in round_world["criteria"]}
    assert facilitator.post("/staff/groups/zomin/criteria/", weights).status_code == 400
    assert set(Criterion.objects.values_list("weight", flat=True)) == {1}
    weights["urgency"] = 4
    assert facilitator.post("/staff/groups/zomin/criteria/", weights).status_code == 302
    assert dict(Criterion.objects.values_list("slug", "weight"))["urgency"] == 4
    assert client_for(round_world, "member").post("/staff/groups/zomin/criteria/", {"urgency": 9}).status_code == 403
    assert dict(Criterion.objects.values_list("slug", "weight"))["urgency"] == 4


def test_a_coordinator_manages_any_group(round_world):

    coordinator = UserFactory(username="coord", role=DeploymentRole.COORDINATOR)
    client = Client()
    sign_in(client, coordinator)
    response = client.post(f"/staff/groups/zomin/meetings/{round_world['meeting'].pk}/", {"action": "round_close"})
    assert response.status_code == 302
    assert PrioritisationRound.objects.get().status == RoundStatus.CLOSED


def test_the_ranking_selector_returns_nothing_while_the_round_is_open_even_when_called_directly(round_world):
    """Not only the pages: the selector itself hides the ranking of an open round (scores are secret
    until it closes), whatever code calls it."""
    round_ = round_world["round"]
    concerns, criteria = round_world["concerns"], round_world["criteria"]
    for user, value in ((round_world["users"]["member"], 5), (round_world["second"], 2)):
        services.scores_submit(
            user=user,
            round=round_,
            scores={(concern.pk, criterion.pk): value for concern in concerns for criterion in criteria},
        )
    assert Score.objects.filter(round=round_).count() == 2 * len(concerns) * len(criteria)

    assert selectors.round_ranking(round=round_) == []

    services.round_close(actor=round_world["users"]["facilitator"], round=round_)
    round_.refresh_from_db()
    ranking = selectors.round_ranking(round=round_)
    assert sorted(row.concern.pk for row in ranking) == sorted(concern.pk for concern in concerns)
    assert {row.scorers for row in ranking} == {2}
