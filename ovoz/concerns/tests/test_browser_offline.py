"""Issue 14 in a real browser: the back button never makes a second concern, and a report written
without signal waits on the phone and is sent, once, when the signal returns."""

import pytest

from ovoz.concerns.models import Concern
from ovoz.concerns.receipts import receipt_hash
from ovoz.concerns.services import themes_seed
from ovoz.places.services import areas_seed

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

TEXT = "Третью неделю нет воды на улице Навои."


@pytest.fixture
def seeded_live(live_server):
    areas_seed()
    themes_seed()
    return live_server


def test_back_from_the_receipt_and_send_again_makes_no_second_concern(seeded_live, chromium):
    context = chromium.new_context(service_workers="block")
    page = context.new_page()
    page.goto(f"{seeded_live.url}/en/report/")
    page.get_by_label("What is the problem?").fill(TEXT)
    page.get_by_role("button", name="Send the concern").click()
    receipt = page.get_by_test_id("receipt").inner_text().strip()
    assert "/report/sent/" in page.url and receipt not in page.url

    page.go_back()
    page.get_by_label("What is the problem?").fill(TEXT)  # as the browser restores it
    page.get_by_role("button", name="Send the concern").click()

    assert page.get_by_test_id("already-sent").is_visible()
    assert receipt not in page.content()
    page.reload()  # a GET: nothing is sent again
    assert Concern.objects.count() == 1
    assert Concern.objects.get().receipt_hash == receipt_hash(receipt)
    context.close()


def test_a_report_written_offline_is_sent_once_when_the_signal_returns(seeded_live, chromium):
    context = chromium.new_context()
    page = context.new_page()
    # A visit with signal leaves the report page (of this language) on the phone.
    page.goto(f"{seeded_live.url}/ru/report/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)

    context.set_offline(True)
    page.goto(f"{seeded_live.url}/ru/report/")  # opened again without signal: from the phone
    page.locator("#id_text").fill(TEXT)
    page.locator("#report-form button[name=submit]").click()
    notice = page.locator("#offline-outbox")
    notice.wait_for(state="visible")
    assert "/ru/report/" in page.url
    assert Concern.objects.count() == 0

    context.set_offline(False)
    receipt = page.get_by_test_id("receipt").inner_text(timeout=30_000).strip()
    assert page.url.endswith("/ru/report/sent/")
    concern = Concern.objects.get()
    assert concern.text == TEXT and concern.receipt_hash == receipt_hash(receipt)

    # Nothing of the report stays on the phone once it was sent, and it is not sent again.
    page.goto(f"{seeded_live.url}/ru/report/")
    assert page.locator("#offline-outbox").is_hidden()
    kept = page.evaluate(
        """() => new Promise((resolve) => {
            const opening = indexedDB.open("ovoz-outbox");
            opening.onsuccess = () => {
                const request = opening.result.transaction("reports").objectStore("reports").count();
                request.onsuccess = () => resolve(request.result);
            };
        })"""
    )
    assert kept == 0
    cached = page.evaluate(
        """async () => {
            const texts = [];
            for (const name of await caches.keys()) {
                const cache = await caches.open(name);
                for (const request of await cache.keys()) { texts.push(await (await cache.match(request)).text()); }
            }
            return texts.join("\\n");
        }"""
    )
    assert TEXT not in cached and receipt not in cached
    assert Concern.objects.count() == 1
    context.close()


def test_a_report_kept_offline_that_the_server_refuses_comes_back_with_what_was_written(seeded_live, chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{seeded_live.url}/en/report/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)

    context.set_offline(True)
    page.goto(f"{seeded_live.url}/en/report/")
    page.get_by_label("What is the problem?").fill(TEXT)
    page.get_by_label("Phone (optional)").fill("+998 90 123 45 67")  # but the consent is not ticked
    page.get_by_role("button", name="Send the concern").click()
    page.locator("#offline-outbox").wait_for(state="visible")

    context.set_offline(False)
    page.locator("p.error", has_text="Please agree, or leave the contact fields empty.").wait_for(timeout=30_000)
    assert page.get_by_label("What is the problem?").input_value() == TEXT
    assert Concern.objects.count() == 0
    context.close()


def test_a_waiting_report_can_be_deleted_from_the_phone(seeded_live, chromium):
    context = chromium.new_context()
    page = context.new_page()
    page.goto(f"{seeded_live.url}/en/report/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=10_000)

    context.set_offline(True)
    page.goto(f"{seeded_live.url}/en/report/")
    page.get_by_label("What is the problem?").fill(TEXT)
    page.get_by_role("button", name="Send the concern").click()
    page.get_by_role("button", name="Delete the waiting report from this phone").click()
    page.locator("#offline-outbox").wait_for(state="hidden")

    context.set_offline(False)
    page.goto(f"{seeded_live.url}/en/report/")
    page.wait_for_timeout(1000)
    assert page.locator("#offline-outbox").is_hidden()
    assert Concern.objects.count() == 0
    context.close()
