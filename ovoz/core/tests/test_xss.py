"""XSS payloads in every text a user writes are shown as text everywhere Ovoz shows them.

The world of ``hostile.build_hostile_world`` writes every field (names of areas, themes, groups,
institutions and people; concern texts, notes, questions and answers; SMS and Telegram texts;
meeting places, Markdown minutes and decisions; action titles, details, partners, updates, reasons)
as an XSS payload with its own marker. Every page of the URL resolver is then read as a browser
would: a marker may be text, never an element, an event handler, a script or a ``javascript:`` URL.
"""

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.mail import EmailMultiAlternatives
from openpyxl import load_workbook

from ovoz.core.tests.hostile import (
    MARKERS,
    Markup,
    assert_security_headers,
    shown_markers,
    shows_content,
    url_values,
    xss,
)
from ovoz.core.tests.urlwalk import concrete_urls

pytestmark = [pytest.mark.django_db, pytest.mark.walk]


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _check_html(url: str, html: str) -> set[str]:
    page = Markup.of(html, MARKERS)
    assert not page.live, f"{url}: live markup from user text: {page.live[:5]}"
    return shown_markers(page.plain, MARKERS)


def _check_response(url: str, response) -> set[str]:
    """Whatever the format, user text stays data; returns the markers the response shows as text."""
    content_type = response.get("Content-Type", "").split(";")[0]
    body = _body(response)
    if content_type == "text/html":
        return _check_html(url, body.decode())
    assert response.get("X-Content-Type-Options") == "nosniff", url
    if content_type in ("application/json", "application/geo+json"):
        return shown_markers(json.dumps(json.loads(body), ensure_ascii=False), MARKERS)
    if content_type == "text/csv":
        cells = [cell for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))) for cell in row]
        return shown_markers("\n".join(cells), MARKERS)
    if content_type == "application/atom+xml":
        feed = ET.fromstring(body)
        shown = set()
        for element in feed.iter():
            if element.get("type") == "html":  # read as HTML by feed readers
                shown |= _check_html(f"{url} <{element.tag}>", element.text or "")
            shown |= shown_markers(element.text or "", MARKERS)
        return shown
    if content_type in ("text/xml", "application/xml"):
        return shown_markers(" ".join(element.text or "" for element in ET.fromstring(body).iter()), MARKERS)
    if content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
        workbook = load_workbook(io.BytesIO(body))
        return shown_markers(
            " ".join(str(cell.value) for sheet in workbook for row in sheet.iter_rows() for cell in row), MARKERS
        )
    if content_type in ("text/javascript", "application/javascript", "text/css", "text/plain"):
        # text/plain: the health answers and the metrics, which never hold user text
        assert not shown_markers(body.decode(), MARKERS), f"{url}: user text inside a script, stylesheet or probe"
        return set()
    assert not content_type.startswith("text/"), f"{url}: unexpected {content_type}"
    return set()


def test_every_page_export_and_api_answer_shows_user_text_as_text(hostile_world):
    staff = hostile_world["staff"]
    shown: set[str] = set()
    walked = set()
    for _route, url in concrete_urls(url_values(hostile_world), include=shows_content):
        if url in walked:
            continue
        walked.add(url)
        try:
            response = staff.get(url)
        except Exception as error:
            raise AssertionError(f"GET {url} raised {error!r}") from error
        assert response.status_code < 500, url
        assert_security_headers(url, response)
        shown |= _check_response(url, response)
    # The reporter's follow page, and the API's, with the receipt.
    receipt = hostile_world["receipt"]
    shown |= _check_response("follow", staff.post("/en/follow/", {"receipt": receipt}, follow=True))
    shown |= _check_response(
        "api follow", staff.post("/api/v1/concerns/follow", {"receipt": receipt}, content_type="application/json")
    )
    assert len(walked) > 100
    assert set(MARKERS) - shown == set(), "some hostile texts were shown nowhere: the walk missed them"


def test_minutes_and_decisions_keep_their_markdown_and_lose_every_script_and_javascript_link(hostile_world):
    meeting = hostile_world["meeting"]
    html = hostile_world["staff"].get(f"/staff/groups/zomin/meetings/{meeting.pk}/print/").content.decode()
    page = Markup.of(html, MARKERS)
    assert not page.live
    assert "<h2>Agreed xss-minutes</h2>" in html and "<h2>Agreed xss-decisions</h2>" in html
    assert "javascript:" not in html.lower() and "<iframe" not in html and "<script" not in html


def test_e_mails_and_channel_replies_are_plain_text_with_the_hostile_text_as_written(hostile_world):
    outbox = hostile_world["outbox"]
    kinds = {message.subject.split(":")[0] for message in outbox}
    assert len(outbox) >= 3, kinds  # the reporter's news, the invitation, a member's daily digest
    seen = set()
    for message in outbox:
        assert message.content_subtype == "plain"
        assert not isinstance(message, EmailMultiAlternatives) or not message.alternatives
        assert "\n" not in message.subject and "\r" not in message.subject
        text = message.subject + "\n" + message.body
        assert "&lt;" not in text and "&quot;" not in text and "&#x27;" not in text, text  # not HTML-escaped
        for marker in shown_markers(text, MARKERS):
            assert xss(marker) in text
            seen.add(marker)
    assert {"xss-question", "xss-group", "xss-action-title"} <= seen
    # Telegram and SMS replies are plain text too: no parse mode, the text as written.
    calls = hostile_world["bot_api"].calls
    sent = [body for method, body in calls if method == "sendMessage"]
    assert sent and not any("parse_mode" in body for body in sent)
    assert not any("&lt;" in body["text"] or "&quot;" in body["text"] for body in sent)  # never HTML-escaped
    # The bot never echoes the reporter's words (issue 12 point 2: a queued echo outlived the choice).
    assert not any(xss("xss-telegram") in body["text"] for body in sent)
    assert all(set(body) <= {"chat_id", "text", "reply_markup"} for body in sent)
