import io
import json
import logging
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns import services
from ovoz.concerns.choices import Channel, Visibility
from ovoz.concerns.models import Concern, Theme
from ovoz.concerns.services import themes_seed
from ovoz.groups.grants import grant_set
from ovoz.groups.models import WorkingGroup
from ovoz.insights import embedding, suggestions, tasks
from ovoz.insights.models import LabelledExample, ThemeSuggestion
from ovoz.places.models import Area
from ovoz.places.services import areas_seed
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db

# Words no theme, lexicon or labelled text contains: if they appear anywhere, the sealed words leaked.
MARKER = "Zarafshonqizil Dilnozaxon"
SECRET = f"Эрим мени ҳар куни уради, {MARKER}, қайнонам ҳам индамайди"


@pytest.fixture
def seeded(db):
    areas_seed()
    themes_seed()


def _submit(django_capture_on_commit_callbacks, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        return services.concern_submit(channel=Channel.WEB, **fields).concern


def test_a_new_concern_gets_three_ranked_suggestions_after_commit_and_none_is_applied(
    seeded, django_capture_on_commit_callbacks
):
    concern = _submit(django_capture_on_commit_callbacks, text="Mahallamizda uch kundan beri suv yoʻq, kran quruq")

    rows = list(ThemeSuggestion.objects.filter(concern=concern).order_by("rank"))
    assert [row.rank for row in rows] == [1, 2, 3]
    assert rows[0].theme.slug == "water"
    scores = [row.score or 0.0 for row in rows]
    assert scores[0] > scores[1] >= scores[2] > 0
    assert not concern.themes.exists()


def test_the_follow_up_task_takes_no_words_and_finds_the_new_concern_pending(
    seeded, django_capture_on_commit_callbacks
):
    with mock.patch.object(tasks, "follow_up_received") as task:
        task.get_backend.return_value.supports_defer = False
        concern = _submit(django_capture_on_commit_callbacks, text="Bread and flour are too expensive")
    task.enqueue.assert_called_once_with()  # not even an id: it takes every concern still pending
    concern.refresh_from_db()
    assert concern.is_followup_pending
    assert not ThemeSuggestion.objects.filter(concern=concern).exists()

    assert tasks.follow_up_received.enqueue().return_value == 1

    concern.refresh_from_db()
    assert not concern.is_followup_pending
    assert ThemeSuggestion.objects.filter(concern=concern).exists()


def test_a_confidential_concern_keeps_only_suggested_theme_ids_and_nothing_of_its_words(
    seeded, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.DEBUG)
    with mock.patch.object(tasks, "follow_up_received") as task:
        concern = _submit(django_capture_on_commit_callbacks, text=SECRET, visibility=Visibility.CONFIDENTIAL)

    concern.refresh_from_db()
    assert concern.is_sealed and concern.text == ""
    rows = list(ThemeSuggestion.objects.filter(concern=concern).order_by("rank"))
    assert rows and rows[0].theme.slug == "domestic-violence"
    assert all(row.score is None for row in rows)
    # No task was given the words (nor even the sealed concern: there is nothing it could read).
    task.enqueue.assert_not_called()
    task.using.assert_not_called()
    assert not concern.is_followup_pending
    assert suggestions.concern_themes_suggest(concern_id=concern.pk) == []
    # Nothing in the database or the logs holds any of the words.
    dump = io.StringIO()
    call_command("dumpdata", stdout=dump)
    for word in MARKER.split():
        assert word.lower() not in dump.getvalue().lower()
        assert word.lower() not in caplog.text.lower()
    assert not LabelledExample.objects.filter(concern=concern).exists()


def test_a_failing_suggestion_never_costs_the_confidential_concern(seeded, django_capture_on_commit_callbacks, caplog):
    with mock.patch.object(suggestions, "suggester_for", side_effect=RuntimeError(SECRET)):
        concern = _submit(django_capture_on_commit_callbacks, text=SECRET, visibility=Visibility.CONFIDENTIAL)
    assert Concern.objects.filter(pk=concern.pk).exists()
    assert not ThemeSuggestion.objects.filter(concern=concern).exists()
    assert "sealed_suggestion_failed" in caplog.text and MARKER.split()[0] not in caplog.text


def test_the_model_is_not_loaded_by_intake_or_the_staff_page(seeded, django_capture_on_commit_callbacks):
    with mock.patch.object(embedding, "_model", None):
        _submit(django_capture_on_commit_callbacks, text="Свет отключают каждый вечер")
        _submit(django_capture_on_commit_callbacks, text=SECRET, visibility=Visibility.CONFIDENTIAL)
        assert embedding._model is None


@pytest.fixture
def triage(seeded, django_capture_on_commit_callbacks):
    area = Area.objects.get(code="UZ-JI")
    group = WorkingGroup.objects.create(name="Jizzakh", slug="jizzakh", area=area)
    concern = _submit(
        django_capture_on_commit_callbacks, text="Militsiya akamni kaltakladi, bo'limda ushlab turishdi", area=area
    )
    facilitator = UserFactory(username="facilitator", role=DeploymentRole.NONE)
    grant_set(actor=None, user=facilitator, working_group=group, role=GrantRole.FACILITATOR)
    member = UserFactory(username="member", role=DeploymentRole.NONE)
    grant_set(actor=None, user=member, working_group=group, role=GrantRole.COMMUNITY)
    return {"concern": concern, "facilitator": facilitator, "member": member}


def _client(user):
    client = Client()
    assert sign_in(client, user)["Location"] == "/staff/"
    return client


def test_triage_shows_the_suggestions_and_one_click_adds_the_theme(triage):
    concern = triage["concern"]
    client = _client(triage["facilitator"])
    best = ThemeSuggestion.objects.get(concern=concern, rank=1)
    assert best.theme.slug == "police-conduct"

    page = client.get(f"/staff/concerns/{concern.pk}/").content.decode()
    assert 'data-testid="theme-suggestions"' in page
    assert f'name="theme" value="{best.theme_id}"' in page

    response = client.post(f"/staff/concerns/{concern.pk}/suggested-theme/", {"theme": best.theme_id})
    assert response.status_code == 302
    assert list(concern.themes.values_list("slug", flat=True)) == ["police-conduct"]
    # The facilitator's choice is a labelled example now, and the accepted suggestion is no longer offered.
    example = LabelledExample.objects.get(concern=concern)
    assert list(example.themes.values_list("slug", flat=True)) == ["police-conduct"]
    page = client.get(f"/staff/concerns/{concern.pk}/").content.decode()
    assert f'name="theme" value="{best.theme_id}"' not in page


@pytest.mark.parametrize("theme", ["", "abc", "-1", "999999", "not-suggested"])
def test_accepting_anything_but_a_suggested_theme_is_refused_and_changes_nothing(triage, theme):
    concern = triage["concern"]
    if theme == "not-suggested":
        suggested = set(ThemeSuggestion.objects.filter(concern=concern).values_list("theme_id", flat=True))
        theme = str(Theme.objects.exclude(pk__in=suggested).first().pk)
    client = _client(triage["facilitator"])
    response = client.post(f"/staff/concerns/{concern.pk}/suggested-theme/", {"theme": theme}, follow=True)
    assert response.status_code == 200
    assert not concern.themes.exists()
    assert not LabelledExample.objects.exists()


def test_a_member_cannot_accept_and_get_is_not_allowed(triage):
    concern = triage["concern"]
    best = ThemeSuggestion.objects.get(concern=concern, rank=1)
    response = _client(triage["member"]).post(
        f"/staff/concerns/{concern.pk}/suggested-theme/", {"theme": best.theme_id}
    )
    assert response.status_code == 403
    assert _client(triage["facilitator"]).get(f"/staff/concerns/{concern.pk}/suggested-theme/").status_code == 405
    assert not concern.themes.exists()


def test_later_suggestions_learn_from_a_facilitators_choice(seeded, django_capture_on_commit_callbacks):
    """A word no lexicon knows, labelled once by a facilitator, is recognised in the next concern."""
    admin = UserFactory(username="admin", role=DeploymentRole.ADMINISTRATOR)
    text = "Qorovulxona yonida zumbaqorlar yana paydo bo'ldi"
    first = _submit(django_capture_on_commit_callbacks, text=text)
    services.concern_triage(
        actor=admin,
        concern=first,
        area=None,
        themes=[Theme.objects.get(slug="youth-recruitment")],
        visibility=Visibility.PUBLIC,
        language=first.language,
    )
    second = _submit(django_capture_on_commit_callbacks, text="zumbaqorlar zumbaqorlar")
    assert ThemeSuggestion.objects.get(concern=second, rank=1).theme.slug == "youth-recruitment"


def test_a_concern_made_confidential_stops_being_an_example_and_loses_its_scores(
    seeded, django_capture_on_commit_callbacks
):
    admin = UserFactory(username="admin", role=DeploymentRole.ADMINISTRATOR)
    concern = _submit(django_capture_on_commit_callbacks, text="Husband beats me every night")
    services.concern_triage(
        actor=admin,
        concern=concern,
        area=None,
        themes=[Theme.objects.get(slug="domestic-violence")],
        visibility=Visibility.RESTRICTED,
        language=concern.language,
    )
    assert LabelledExample.objects.filter(concern=concern).exists()
    services.concern_triage(
        actor=admin,
        concern=concern,
        area=None,
        themes=[Theme.objects.get(slug="domestic-violence")],
        visibility=Visibility.CONFIDENTIAL,
        language=concern.language,
    )
    assert not LabelledExample.objects.filter(concern=concern).exists()
    assert ThemeSuggestion.objects.filter(concern=concern).exists()
    assert not ThemeSuggestion.objects.filter(concern=concern, score__isnull=False).exists()


def test_every_theme_has_at_least_40_labelled_texts_in_all_seven_languages_with_a_held_out_split():
    from ovoz.insights.suggester import SEEDED_THEMES_FILE, labelled_set

    slugs = {entry["slug"] for entry in json.loads(SEEDED_THEMES_FILE.read_text())}
    rows = labelled_set()
    assert {row.theme for row in rows} == slugs
    for slug in slugs:
        mine = [row for row in rows if row.theme == slug]
        assert len(mine) >= 40
        assert {row.language for row in mine} == {"en", "ru", "uz", "tg", "ky", "kk", "kaa"}
        assert {row.language for row in mine if row.split == "test"} == {"en", "ru", "uz", "tg", "ky", "kk", "kaa"}
    assert len({row.id for row in rows}) == len(rows)
