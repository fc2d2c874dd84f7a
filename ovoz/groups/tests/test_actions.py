import io
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, Status, Visibility
from ovoz.concerns.contacts import Contact
from ovoz.groups import services
from ovoz.groups.choices import ActionStatus
from ovoz.groups.models import Action, ActionPhoto, ActionUpdate, Institution
from ovoz.testing.media import jpeg_with_gps
from ovoz.testing.web import client_for

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def plan(world):
    """Three concerns: two prioritised (one public and published, one restricted), one only accepted."""
    facilitator = world["users"]["facilitator"]

    def concern(text, status, visibility=Visibility.PUBLIC, public_text="", email=""):
        created = concern_services.concern_submit(
            text=text,
            channel=Channel.WEB,
            area=world["zomin"],
            visibility=visibility,
            themes=[world["water"]],
            contact=Contact(email=email) if email else None,
        ).concern
        if public_text:
            concern_services.concern_publish(actor=facilitator, concern=created, public_text=public_text)
        for step in (Status.ACCEPTED, Status.PRIORITISED):
            concern_services.concern_change_status(actor=facilitator, concern=created, status=step)
            if step == status:
                break
        return created

    return {
        **world,
        "canal": concern(
            "Canal near school 4 is blocked",
            Status.PRIORITISED,
            public_text="A canal is blocked",
            email="canal@example.org",
        ),
        "bribes": concern("Bribes at the checkpoint", Status.PRIORITISED, visibility=Visibility.RESTRICTED),
        "lights": concern("No street lights", Status.ACCEPTED),
    }


def _create(plan, **overrides):
    data = {
        "action": "create",
        "title": "Clear the canal",
        "description": "With the water utility",
        "concerns": [plan["canal"].pk, plan["bribes"].pk],
        "owner": plan["khokimiyat"].pk,
        "responsible": plan["users"]["member"].pk,
        "partners": "Mahalla committee",
        "starts_on": "",
        "due_on": str(timezone.localdate() + timedelta(days=10)),
        "is_public": "on",
        **overrides,
    }
    return client_for(plan, "facilitator").post("/staff/groups/zomin/actions/", data)


def test_a_facilitator_adds_an_action_for_prioritised_concerns(plan):
    response = _create(plan)
    action = Action.objects.get()
    assert response["Location"] == f"/staff/groups/zomin/actions/{action.pk}/"
    assert (action.owner, action.responsible, action.status, action.progress) == (
        plan["khokimiyat"],
        plan["users"]["member"],
        "planned",
        0,
    )
    assert set(action.concerns.all()) == {plan["canal"], plan["bribes"]}


def test_an_action_for_a_concern_that_is_not_prioritised_is_refused(plan):
    response = _create(plan, concerns=[plan["lights"].pk])
    assert response.status_code == 400
    assert Action.objects.count() == 0


def test_an_owner_institution_from_another_area_is_refused(plan):
    elsewhere = Institution.objects.create(name="Samarkand police", area=plan["samarkand"])
    assert _create(plan, owner=elsewhere.pk).status_code == 400
    assert Action.objects.count() == 0


def test_starting_an_action_puts_its_concerns_in_action_and_tells_the_reporters(
    plan, django_capture_on_commit_callbacks
):
    _create(plan)
    action = Action.objects.get()
    member = client_for(plan, "member")  # the responsible member
    with django_capture_on_commit_callbacks(execute=True):
        response = member.post(
            f"/staff/groups/zomin/actions/{action.pk}/", {"action": "status", "status": "in_progress"}
        )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress" and action.starts_on == timezone.localdate()
    for name in ("canal", "bribes"):
        plan[name].refresh_from_db()
        assert plan[name].status == Status.IN_ACTION
    assert [message.to for message in mail.outbox] == [["canal@example.org"]]
    assert "in action" in mail.outbox[0].body


def test_when_every_action_is_done_the_concern_is_proposed_and_the_facilitator_confirms_it_resolved(
    plan, django_capture_on_commit_callbacks
):
    _create(plan)
    _create(plan, title="Talk to the police", concerns=[plan["canal"].pk])
    first, second = Action.objects.order_by("pk")
    user = plan["users"]["facilitator"]
    for action in (first, second):
        services.action_set_status(actor=user, action=action, status=ActionStatus.IN_PROGRESS)
    services.action_set_status(actor=user, action=first, status=ActionStatus.DONE)
    facilitator = client_for(plan, "facilitator")
    assert (
        f"Confirm no. {plan['bribes'].pk} is resolved"
        in facilitator.get("/staff/groups/zomin/actions/").content.decode()
    )
    early = facilitator.post("/staff/groups/zomin/actions/", {"action": "resolve", "concern": plan["canal"].pk})
    assert early.status_code == 400
    plan["canal"].refresh_from_db()
    assert plan["canal"].status == Status.IN_ACTION

    services.action_set_status(actor=user, action=second, status=ActionStatus.DONE)
    with django_capture_on_commit_callbacks(execute=True):
        response = facilitator.post("/staff/groups/zomin/actions/", {"action": "resolve", "concern": plan["canal"].pk})
    assert response.status_code == 302
    plan["canal"].refresh_from_db()
    assert plan["canal"].status == Status.RESOLVED
    assert "resolved" in mail.outbox[-1].body and mail.outbox[-1].to == ["canal@example.org"]
    second.refresh_from_db()
    assert (second.progress, second.completed_on) == (100, timezone.localdate())


def test_dropping_an_action_needs_a_reason_and_an_impossible_step_is_refused(plan):
    _create(plan)
    action = Action.objects.get()
    facilitator = client_for(plan, "facilitator")
    url = f"/staff/groups/zomin/actions/{action.pk}/"
    assert facilitator.post(url, {"action": "status", "status": "dropped"}).status_code == 400
    assert facilitator.post(url, {"action": "status", "status": "done"}).status_code == 400
    action.refresh_from_db()
    assert action.status == "planned"
    assert facilitator.post(url, {"action": "status", "status": "dropped", "reason": "No budget"}).status_code == 302
    action.refresh_from_db()
    assert (action.status, action.dropped_reason) == ("dropped", "No budget")


def test_the_responsible_member_posts_an_update_with_a_photo_re_encoded_without_metadata(plan):
    _create(plan)
    action = Action.objects.get()
    photo = SimpleUploadedFile("canal.jpg", jpeg_with_gps(), content_type="image/jpeg")
    response = client_for(plan, "member").post(
        f"/staff/groups/zomin/actions/{action.pk}/",
        {"action": "update", "text": "Half of the canal is clear", "progress": 50, "photos": [photo]},
    )
    assert response.status_code == 302
    update = ActionUpdate.objects.get()
    assert (update.text, update.progress, update.day, update.author) == (
        "Half of the canal is clear",
        50,
        timezone.localdate(),
        plan["users"]["member"],
    )
    action.refresh_from_db()
    assert action.progress == 50
    stored = ActionPhoto.objects.get()
    with stored.file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        assert not image.getexif()


def test_an_observer_cannot_post_updates_and_nothing_changes(plan):
    _create(plan)
    action = Action.objects.get()
    response = client_for(plan, "observer").post(
        f"/staff/groups/zomin/actions/{action.pk}/", {"action": "update", "text": "Done!", "progress": 100}
    )
    assert response.status_code == 403
    assert ActionUpdate.objects.count() == 0
    action.refresh_from_db()
    assert action.progress == 0


def test_the_public_plan_shows_progress_overdue_actions_and_promises_kept_by_institution(plan, client):
    user = plan["users"]["facilitator"]
    today = timezone.localdate()
    owners = {"khokimiyat": plan["khokimiyat"], "police": plan["police"]}

    def action(title, owner, due_in_days, status=None, completed_days_ago=None):
        created = services.action_create(
            actor=user,
            group=plan["group"],
            title=title,
            concerns=[plan["canal"]],
            owner=owners[owner],
            due_on=today + timedelta(days=due_in_days),
            starts_on=today - timedelta(days=30),
        )
        if status:
            services.action_set_status(actor=user, action=created, status=ActionStatus.IN_PROGRESS)
        if status == ActionStatus.DONE:
            services.action_set_status(actor=user, action=created, status=ActionStatus.DONE)
            Action.objects.filter(pk=created.pk).update(completed_on=today - timedelta(days=completed_days_ago))
        return created

    action("Clean the canal", "khokimiyat", -5, ActionStatus.DONE, completed_days_ago=7)  # on time
    action("Fix the pump", "khokimiyat", -10, ActionStatus.DONE, completed_days_ago=2)  # late
    late = action("Repair the road", "police", -3, ActionStatus.IN_PROGRESS)  # overdue
    action("Meet the residents", "police", 20)  # not due yet
    hidden = action("Internal review", "police", -1)
    Action.objects.filter(pk=hidden.pk).update(is_public=False)

    html = client.get("/en/groups/zomin/").content.decode()
    assert "Clean the canal" in html and "Internal review" not in html
    assert f'<article class="action overdue" id="action-{late.pk}"' in html
    assert html.count('class="action overdue"') == 1
    table = html[html.index('data-testid="institutions"') :]
    assert "<td>Zomin district khokimiyat</td><td>1 of 2 (50 %)</td><td>0</td>" in table
    assert "<td>Zomin district police department</td><td>0 of 1 (0 %)</td><td>2</td>" in table
    assert "A canal is blocked" in html and "Canal near school" not in html


def test_the_public_plan_names_no_protected_concern_an_action_answers(plan, client):
    """An action for a restricted concern shows in public, but not the concern, not even by its theme."""
    services.action_create(
        actor=plan["users"]["facilitator"],
        group=plan["group"],
        title="Talk to the checkpoint's chief",
        concerns=[plan["bribes"]],
        owner=plan["police"],
        due_on=timezone.localdate() + timedelta(days=10),
    )

    html = client.get("/en/groups/zomin/").content.decode()

    article = html[html.index("Talk to the checkpoint") :]
    article = article[: article.index("</article>")]
    assert "Water" not in article and "Bribes" not in article


def test_photos_are_served_only_for_updates_of_public_actions(plan, client):
    _create(plan)
    action = Action.objects.get()
    image = SimpleUploadedFile("canal.jpg", jpeg_with_gps(), content_type="image/jpeg")
    client_for(plan, "member").post(
        f"/staff/groups/zomin/actions/{action.pk}/",
        {"action": "update", "text": "Cleared", "progress": 80, "photos": [image]},
    )
    photo = ActionPhoto.objects.get()
    response = client.get(f"/en/groups/zomin/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert client.get(f"/en/groups/samarkand/photos/{photo.pk}/").status_code == 404
    Action.objects.update(is_public=False)
    assert client.get(f"/en/groups/zomin/photos/{photo.pk}/").status_code == 404
    assert (
        client_for(plan, "observer").get(f"/staff/groups/zomin/actions/{action.pk}/photos/{photo.pk}/").status_code
        == 200
    )
    assert (
        client_for(plan, "member of another group")
        .get(f"/staff/groups/zomin/actions/{action.pk}/photos/{photo.pk}/")
        .status_code
        == 404
    )


def test_the_feed_carries_public_updates_only(plan, client):
    user = plan["users"]["facilitator"]
    due = timezone.localdate() + timedelta(days=5)
    public = services.action_create(
        actor=user,
        group=plan["group"],
        title="Clear the canal",
        concerns=[plan["canal"]],
        owner=plan["khokimiyat"],
        due_on=due,
    )
    private = services.action_create(
        actor=user,
        group=plan["group"],
        title="Secret plan",
        concerns=[plan["canal"]],
        owner=plan["police"],
        due_on=due,
        is_public=False,
    )
    services.action_post_update(actor=user, action=public, text="Half of the canal is clear", progress=50)
    services.action_post_update(actor=user, action=private, text="Confidential talks", progress=10)

    response = client.get("/en/groups/zomin/feed/")

    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    assert feed.find(f"{ATOM}title").text == "Zomin working group: action plan updates"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    entry = entries[0]
    assert entry.find(f"{ATOM}title").text == "Clear the canal: 50 %"
    assert entry.find(f"{ATOM}summary").text == "Half of the canal is clear"
    assert entry.find(f"{ATOM}link").get("href") == f"http://testserver/en/groups/zomin/#action-{public.pk}"
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Zomin district khokimiyat"
    assert "Confidential talks" not in response.content.decode() and "Secret plan" not in response.content.decode()


def test_api_lists_public_actions_with_status_due_progress_and_public_concern_ids(plan, client):
    user = plan["users"]["facilitator"]
    due = timezone.localdate() - timedelta(days=1)
    action = services.action_create(
        actor=user,
        group=plan["group"],
        title="Clear the canal",
        concerns=[plan["canal"], plan["bribes"]],
        owner=plan["khokimiyat"],
        due_on=due,
    )
    services.action_set_status(actor=user, action=action, status=ActionStatus.IN_PROGRESS)
    services.action_post_update(actor=user, action=action, text="Started", progress=30)
    services.action_create(
        actor=user,
        group=plan["group"],
        title="Hidden",
        concerns=[plan["canal"]],
        owner=plan["khokimiyat"],
        due_on=due,
        is_public=False,
    )

    body = client.get("/api/v1/groups/zomin/actions").json()

    assert body["count"] == 1
    item = body["items"][0]
    assert item["status"] == "in_progress" and item["due"] == due.isoformat() and item["progress"] == 30
    assert item["overdue"] is True and item["owner"] == "Zomin district khokimiyat"
    assert item["concerns"] == [plan["canal"].pk]
    assert client.get("/api/v1/groups/zomin/actions?status=done").json()["count"] == 0
    assert client.get("/api/v1/groups/zomin/actions?status=in_progress").json()["count"] == 1
    assert client.get("/api/v1/groups/zomin/actions?status=late").status_code == 422


def _edit(plan, action, **overrides):
    data = {
        "action": "edit",
        "edit-title": "Clear the canal and the drains",
        "edit-description": "",
        "edit-concerns": [plan["canal"].pk],
        "edit-owner": plan["police"].pk,
        "edit-responsible": "",
        "edit-partners": "",
        "edit-starts_on": "",
        "edit-due_on": str(timezone.localdate() + timedelta(days=40)),
        **overrides,
    }
    return data


def test_a_facilitator_changes_an_actions_details_and_the_responsible_member_cannot(plan):
    _create(plan)
    action = Action.objects.get()
    url = f"/staff/groups/zomin/actions/{action.pk}/"
    refused = client_for(plan, "member").post(url, _edit(plan, action))
    assert refused.status_code == 403
    action.refresh_from_db()
    assert (action.title, action.owner, action.is_public) == ("Clear the canal", plan["khokimiyat"], True)

    response = client_for(plan, "facilitator").post(url, _edit(plan, action))

    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.owner, action.responsible, action.is_public) == (
        "Clear the canal and the drains",
        plan["police"],
        None,
        False,
    )
    assert action.due_on == timezone.localdate() + timedelta(days=40)
    assert list(action.concerns.all()) == [plan["canal"]]


def test_an_action_cannot_be_due_before_it_starts(plan):
    _create(plan)
    action = Action.objects.get()
    data = _edit(
        plan,
        action,
        **{"edit-starts_on": str(timezone.localdate()), "edit-due_on": str(timezone.localdate() - timedelta(days=1))},
    )
    response = client_for(plan, "facilitator").post(f"/staff/groups/zomin/actions/{action.pk}/", data)
    assert response.status_code == 400
    action.refresh_from_db()
    assert action.title == "Clear the canal"
