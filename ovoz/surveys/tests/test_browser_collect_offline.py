"""An enumerator in a real browser: opens the round's offline page with signal, loses the signal, fills in
an interview (the form's checks run on the phone), keeps it encrypted, and sends it once the signal
returns: exactly one response, however often it is sent."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.surveys.models import Answer, Enumerator, Response
from ovoz.surveys.services import survey_import, survey_round_close, survey_round_open
from ovoz.surveys.tests.workbooks import workbook_bytes
from ovoz.testing.web import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

KEPT = """async () => {
  const cache = await caches.open("ovoz-collect-v1");
  return (await cache.match(location.pathname + location.search)) !== undefined;
}"""

STORED_RECORDS = """() => new Promise((resolve) => {
  const opening = indexedDB.open("ovoz-collect");
  opening.onsuccess = () => {
    const request = opening.result.transaction("interviews").objectStore("interviews").getAll();
    request.onsuccess = () => resolve(request.result.map((record) => ({
      state: record.state,
      isSealed: record.data instanceof ArrayBuffer,
      text: new TextDecoder("utf-8", {fatal: false}).decode(record.data),
    })));
  };
})"""


def test_an_interview_filled_in_offline_is_stored_once_when_the_signal_returns(live_server, chromium):
    survey = survey_import(file=workbook_bytes(), publish=True)
    survey_round = survey_round_open(survey=survey, actor=None)
    user = UserFactory(username="enumerator", role=DeploymentRole.NONE)
    Enumerator.objects.create(user=user)
    client = Client()
    assert sign_in(client, user).status_code == 302
    context = chromium.new_context()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = context.new_page()
    page.set_viewport_size({"width": 360, "height": 740})
    url = f"{live_server.url}/staff/surveys/collect/{survey_round.pk}/offline/"

    # With signal: the page unlocks (the key) and is kept on the phone by the service worker.
    page.goto(url)
    page.locator("#collect-form").wait_for(state="visible")
    page.locator("#collect-offline[data-kept=true]").wait_for(state="attached", timeout=15_000)
    assert page.evaluate(KEPT)

    context.set_offline(True)
    page.reload()  # opened again without signal: from the phone
    page.locator("#collect-form").wait_for(state="visible")
    page.get_by_label("a woman").check()
    page.get_by_label("How old are you?").fill("7")
    page.get_by_role("button", name="Next").click()
    # The form's own constraint message, checked on the phone.
    page.locator("#e-age", has_text="Between 16 and 110").wait_for()
    page.get_by_label("How old are you?").fill("19")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Street").check()  # asked because the answer before was "Yes"
    page.get_by_label("Anything else?").fill("Dark underpass near the school")
    page.get_by_role("button", name="Save this interview").click()

    page.get_by_test_id("collect-count").filter(has_text="Interviews kept on this phone: 1").wait_for()
    assert Response.objects.count() == 0
    records = page.evaluate(STORED_RECORDS)
    assert len(records) == 1 and records[0]["isSealed"] and records[0]["state"] == "waiting"
    assert "underpass" not in records[0]["text"] and "woman" not in records[0]["text"]

    context.set_offline(False)
    page.get_by_role("button", name="Send kept interviews").click()
    page.get_by_test_id("collect-count").filter(has_text="Interviews kept on this phone: 0").wait_for(timeout=15_000)
    page.get_by_role("button", name="Send kept interviews").click()  # nothing left to send twice

    response = Response.objects.get()
    assert (response.round_id, response.channel, response.gender) == (survey_round.pk, "enumerator", "woman")
    answers = dict(Answer.objects.filter(response=response).values_list("question", "value"))
    assert answers["age"] == "19" and answers["comment"] == "Dark underpass near the school"
    assert page.evaluate(STORED_RECORDS) == []
    context.close()


def test_an_interview_the_server_refuses_stays_on_the_phone_with_the_reason(live_server, chromium):
    survey = survey_import(file=workbook_bytes(), publish=True)
    survey_round = survey_round_open(survey=survey, actor=None)
    user = UserFactory(username="enumerator", role=DeploymentRole.NONE)
    Enumerator.objects.create(user=user)
    client = Client()
    assert sign_in(client, user).status_code == 302
    context = chromium.new_context()
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/surveys/collect/{survey_round.pk}/offline/")
    page.locator("#collect-form").wait_for(state="visible")

    context.set_offline(True)
    page.get_by_label("a man").check()
    page.get_by_label("How old are you?").fill("40")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Save this interview").click()
    page.get_by_test_id("collect-count").filter(has_text="Interviews kept on this phone: 1").wait_for()
    survey_round_close(survey_round=survey_round, actor=None)  # closed while the enumerator had no signal

    context.set_offline(False)
    page.get_by_role("button", name="Send kept interviews").click()
    page.locator("#collect-refused li", has_text="This survey is not open for answers at the moment.").wait_for()
    assert page.get_by_test_id("collect-count").inner_text() == "Interviews kept on this phone: 1"
    assert Response.objects.count() == 0

    page.get_by_role("button", name="Delete from this phone").click()
    page.get_by_test_id("collect-count").filter(has_text="Interviews kept on this phone: 0").wait_for()
    assert page.evaluate(STORED_RECORDS) == []
    context.close()
