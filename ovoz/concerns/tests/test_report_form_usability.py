"""The snags a first resident hit on the web report form (issue 14): switching language, Enter, long
texts, error messages in every language, and what assistive technology reads."""

import html
import re
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.utils import translation

from ovoz.concerns.models import MAX_TEXT_LENGTH, Concern, Theme
from ovoz.places.models import Area
from ovoz.testing.web import form_token, receipt_in

pytestmark = pytest.mark.django_db

TRANSLATED = [code for code, _name in settings.LANGUAGES if code != "en"]


def _(language, text):
    with translation.override(language):
        return translation.gettext(text)


class _Buttons(HTMLParser):
    """Submit buttons belonging to the form with the given id, in page order."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id, self.inside, self.buttons = form_id, False, []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == self.form_id:
            self.inside = True
        is_submit = tag == "button" and attributes.get("type", "submit") == "submit"
        if is_submit and (attributes.get("form") == self.form_id or (self.inside and "form" not in attributes)):
            self.buttons.append(attributes)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def submit_buttons(page, form_id="report-form"):
    parser = _Buttons(form_id)
    parser.feed(page)
    return parser.buttons


def textarea_value(page):
    return html.unescape(re.search(r'<textarea name="text"[^>]*>\n?(.*?)</textarea>', page, re.DOTALL).group(1))


def error_summary(page):
    match = re.search(r'<div class="error-summary"(.*?)</div>', page, re.DOTALL)
    return match.group(0) if match else ""


# 1. Switching language keeps the work.


def test_the_language_switch_on_the_report_form_is_a_button_of_the_form(client, seeded):
    page = client.get("/ru/report/").content.decode()
    switches = [button for button in submit_buttons(page) if button.get("name") == "switch_language"]
    assert {button["value"]: button["formaction"] for button in switches} == {
        code: f"/{code}/report/" for code in TRANSLATED + ["en"] if code != "ru"
    }
    assert all("formnovalidate" in button for button in switches)
    assert 'href="/tg/report/"' not in page  # no plain link that would leave the text behind


def test_switching_language_shows_the_form_as_written_in_the_other_language_and_sends_nothing(client, seeded):
    violence = Theme.objects.get(slug="domestic-violence")
    region = Area.objects.get(code="UZ-JI")
    text = "Сосед бьёт жену каждую ночь.\r\nВторая строка <b>не тег</b>."
    response = client.post(
        "/tg/report/",
        {
            "text": text,
            "themes": [violence.pk],
            "region": region.pk,
            "visibility": "public",  # looser than the theme asks: still shown as chosen, not replaced
            "phone": "+998 90 123 45 67",
            "submission_token": form_token(client, "ru"),
            "switch_language": "tg",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="tg"' in page
    assert _("tg", "Send the concern") in page
    assert textarea_value(page) == text
    assert re.search(rf'<input type="checkbox" name="themes" value="{violence.pk}"[^>]*checked', page)
    assert re.search(rf'<option value="{region.pk}" selected>', page)
    assert re.search(r'<input type="radio" name="visibility" value="public"[^>]*checked', page)
    assert 'value="+998 90 123 45 67"' in page
    assert "error-summary" not in page and 'class="error"' not in page  # a draft is not judged
    assert Concern.objects.count() == 0


def test_the_receipt_page_switches_language_with_the_same_receipt(client, seeded):
    sent = client.post(
        "/ru/report/", {"text": "Нет воды третью неделю.", "submission_token": form_token(client, "ru")}, follow=True
    )
    receipt = receipt_in(sent)
    page = sent.content.decode()
    assert f'<input type="hidden" name="receipt" value="{receipt}">' in page
    assert re.search(r'<button type="submit" formaction="/kk/report/" name="show_receipt"', page)
    assert 'href="/kk/report/"' not in page  # the plain link to an empty form is gone

    again = client.post("/kk/report/", {"receipt": receipt, "show_receipt": "1"})
    assert again.status_code == 200
    assert '<html lang="kk"' in again.content.decode()
    assert _("kk", "Thank you. Your concern was received.") in again.content.decode()
    assert receipt_in(again) == receipt
    assert Concern.objects.count() == 1


def test_the_receipt_switch_shows_no_receipt_for_a_code_that_matches_nothing(client, seeded):
    response = client.post("/tg/report/", {"receipt": "ABCD-EFGH-JKMN-PQRS", "show_receipt": "1"})
    assert response.status_code == 404
    assert 'data-testid="receipt"' not in response.content.decode()
    assert _("tg", "No concern matches this receipt code. Check it and try again.") in response.content.decode()


# 2. Enter sends the concern.


def test_the_first_submit_button_of_the_report_form_sends_it(client, seeded):
    """Enter in any field presses the form's first submit button (HTML's implicit submission)."""
    for page in (
        client.get("/ru/report/").content.decode(),
        client.post("/ru/report/", {"text": "", "submission_token": "x"}).content.decode(),
    ):
        first = submit_buttons(page)[0]
        assert (first.get("name"), first.get("value")) == ("submit", "1")
        assert "formaction" not in first


# 3. Long texts are refused with a message, never cut; errors are summarised.


def test_a_text_over_the_limit_is_refused_with_its_length_and_kept_whole(client, seeded):
    text = ("Вода. " * 1025).strip() + "!"  # 6,150 characters, as pasted by the first resident
    response = client.post("/en/report/", {"text": text, "submission_token": form_token(client)})
    page = response.content.decode()
    assert response.status_code == 400
    assert "Your text has 6150 characters, more than the limit of 4000. Please shorten it: nothing was cut." in page
    assert textarea_value(page) == text  # everything comes back to be shortened by its writer
    assert Concern.objects.count() == 0


def test_the_text_box_has_no_maxlength_and_states_the_limit(client, seeded):
    page = client.get("/ru/report/").content.decode()
    textarea = re.search(r"<textarea[^>]*>", page).group(0)
    assert "maxlength" not in textarea
    with translation.override("ru"):
        limit = translation.ngettext(
            "Please keep the description under %(limit)s character.",
            "Please keep the description under %(limit)s characters.",
            MAX_TEXT_LENGTH,
        )
    assert limit % {"limit": MAX_TEXT_LENGTH} in page
    assert f'data-limit="{MAX_TEXT_LENGTH}"' in page


def test_line_breaks_count_once_as_the_counter_counts_them(client, seeded):
    text = ("x" * 99 + "\r\n") * 39 + "x" * 100  # 4,000 with one character per line break, 4,039 as sent
    receipt_in(client.post("/en/report/", {"text": text, "submission_token": form_token(client)}))
    assert len(Concern.objects.get().text) == MAX_TEXT_LENGTH


def test_errors_are_summarised_at_the_top_each_linking_to_its_field(client, seeded):
    response = client.post(
        "/en/report/",
        {"text": "", "email": "not-an-address", "phone": "+998 90 123 45 67", "submission_token": "x"},
    )
    page = response.content.decode()
    summary = error_summary(page)
    assert response.status_code == 400
    assert page.index("error-summary") < page.index('name="text"')  # above the first field
    assert 'tabindex="-1" autofocus' in summary
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary)
    assert [target for target, _message in links] == ["id_text", "id_email", "id_contact_consent"]
    assert links[0][1] == "Please describe your concern."
    for target, _message in links:
        assert f'id="{target}"' in page


# 4. No English left in the other languages.


def _invalid_post(client, language):
    return client.post(
        f"/{language}/report/",
        {
            "text": "x" * (MAX_TEXT_LENGTH + 1),
            "email": "not-an-address",
            "phone": "+998 " + "9" * 40,  # over the 32 characters a phone may have
            "contact_consent": "on",
            "region": "999999",
            "visibility": "9",
            "submission_token": form_token(client, language),
        },
    )


def _messages(page):
    return [html.unescape(message) for message in re.findall(r"<li>(?:<a [^>]*>)?([^<]+)", error_summary(page))]


@pytest.mark.parametrize("language", TRANSLATED)
def test_validation_messages_on_the_report_form_are_all_translated(client, seeded, language):
    english = _messages(_invalid_post(client, "en").content.decode())
    assert len(english) == 5 and "Enter a valid email address." in english
    translated = _messages(_invalid_post(client, language).content.decode())
    assert len(translated) == len(english)
    for message in english:
        assert message not in translated
    for message in translated:
        assert not re.search(r"[A-Za-z]{4,}", message.replace("%", "")) or language in ("uz", "kaa"), (
            message
        )  # Latin-script languages
        assert not re.search(r"\d[^\W\d_]", message), f"a number glued to a word: {message}"
    assert Concern.objects.count() == 0


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_follow_form_refuses_an_empty_code_in_the_visitors_language(client, seeded, language):
    page = client.post(f"/{language}/follow/", {"receipt": ""}).content.decode()
    assert "This field is required." not in page
    assert _(language, "This field is required.") in page


# 5. Accessibility.


def _missing_described_ids(page):
    ids = set(re.findall(r'\sid="([^"]+)"', page))
    described = [name for value in re.findall(r'aria-describedby="([^"]+)"', page) for name in value.split()]
    assert described
    return [name for name in described if name not in ids]


def test_every_aria_describedby_on_the_report_form_names_an_element_on_the_page(client, seeded):
    assert _missing_described_ids(client.get("/tg/report/").content.decode()) == []
    invalid = client.post("/tg/report/", {"text": "", "email": "x", "submission_token": "x"}).content.decode()
    assert _missing_described_ids(invalid) == []
    assert re.search(
        r'<input type="email" name="email"[^>]*aria-describedby="id_email_error"[^>]*aria-invalid', invalid
    )
