"""Hostile input: XSS payloads, and a world whose every user-written text is an attack.

``xss(marker)`` is one string carrying three classic injections (a script element, an attribute
break-out into ``<img onerror>``, an ``<svg onload>``), all calling ``alert`` with ``marker``, so a
page can be searched for where each field's payload ended up. ``markdown_xss`` adds the Markdown
ways in (``javascript:`` links, raw HTML) for minutes and decisions.

``Markup`` parses a page the way a browser would and tells whether a marker became live markup
(an element, an event handler, a script, a ``javascript:`` URL) or stayed text.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

from django.test import Client
from django.utils import timezone

from ovoz.accounts.choices import DeploymentRole, GrantRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.channels.choices import ChannelKind
from ovoz.channels.services import channel_create
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, EventKind, Status, Visibility
from ovoz.concerns.contacts import contact_parse
from ovoz.concerns.models import Concern, Theme
from ovoz.core.images import image_clean
from ovoz.core.tests.urlwalk import Route
from ovoz.groups import services as group_services
from ovoz.groups.choices import ActionStatus, MeetingStatus
from ovoz.groups.tests.factories import InstitutionFactory, MemberFactory, WorkingGroupFactory
from ovoz.insights.alert_services import alert_mark
from ovoz.insights.models import Alert
from ovoz.places.models import Area
from ovoz.referrals.models import CaseWorker, ProviderKind, Referral, ServiceProvider
from ovoz.surveys.indicators import indicator_add
from ovoz.surveys.publishing import survey_results_publish
from ovoz.surveys.services import survey_import, survey_round_open
from ovoz.surveys.tests.workbooks import workbook_bytes
from ovoz.testing.media import jpeg_with_gps
from ovoz.testing.web import sign_in


def xss(marker: str) -> str:
    return (
        f'<script>alert("{marker}")</script>"><img src=x onerror=alert("{marker}")>\'><svg onload=alert(\'{marker}\')>'
    )


def markdown_xss(marker: str) -> str:
    return (
        f"## Agreed {marker}\n\n{xss(marker)}\n\n"
        f'[click](javascript:alert("{marker}")) <a href="javascript:alert(\'{marker}\')">x</a>\n\n'
        f"<iframe src=\"javascript:alert('{marker}')\"></iframe>"
    )


# Attributes whose value a browser runs: user text must never end up in one.
SCRIPT_ATTRIBUTES = {"style", "srcdoc"}


class Markup(HTMLParser):
    """A page as a browser reads it: its text, and every place a marker became markup."""

    def __init__(self, markers: tuple[str, ...]) -> None:
        super().__init__(convert_charrefs=True)
        self.markers = markers
        self.text: list[str] = []
        self.live: list[str] = []
        self._in_script = False

    @classmethod
    def of(cls, html: str, markers: tuple[str, ...]) -> Markup:
        parser = cls(markers)
        parser.feed(html)
        parser.close()
        return parser

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag in ("script", "style")
        for name, value in attrs:
            value = value or ""
            if value.strip().lower().startswith(("javascript:", "data:text/html", "vbscript:")):
                self.live.append(f"<{tag} {name}={value!r}>")
            runs = name.startswith("on") or name in SCRIPT_ATTRIBUTES
            for marker in self.markers:
                if marker in name or (marker in value and runs):
                    self.live.append(f"<{tag} {name}={value!r}>")
        if tag in ("img", "svg", "iframe", "object", "embed") and any(
            marker in str(value) for _name, value in attrs for marker in self.markers
        ):
            self.live.append(f"<{tag}> carrying a marker")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and any(marker in data for marker in self.markers):
            self.live.append(f"script or style content {data[:80]!r}")
        self.text.append(data)

    @property
    def plain(self) -> str:
        return "".join(self.text)


def assert_security_headers(url: str, headers: Any) -> None:
    """DESIGN §5: CSP without third-party origins, no referrer, nosniff, no framing."""
    policy = headers.get("Content-Security-Policy", "")
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )  # {"default-src": "'self'", ...}
    assert directives.get("default-src") == "'self'", (url, policy)
    assert directives.get("frame-ancestors") == "'none'", (url, policy)
    assert directives.get("object-src") == "'none'", (url, policy)
    # Nothing from a third-party origin: only Ovoz itself, inline images as data: and nothing else.
    sources = {source for value in directives.values() for source in value.split()}
    assert sources <= {"'self'", "'none'", "data:"}, (url, policy)
    assert headers.get("Referrer-Policy") == "no-referrer", url
    assert headers.get("X-Content-Type-Options") == "nosniff", url
    assert headers.get("X-Frame-Options") == "DENY", url


def shown_markers(text: str, markers: tuple[str, ...]) -> set[str]:
    return {marker for marker in markers if marker in text}


# --- A world written by an attacker --------------------------------------------------------------

TEXT_FIELDS = [
    "xss-region",
    "xss-district",
    "xss-theme",
    "xss-theme-description",
    "xss-group",
    "xss-group-description",
    "xss-institution",
    "xss-facilitator",
    "xss-member",
    "xss-concern-text",
    "xss-public-text",
    "xss-status-note",
    "xss-question",
    "xss-reporter-answer",
    "xss-restricted-text",
    "xss-sms",
    "xss-telegram",
    "xss-place",
    "xss-decision-note",
    "xss-action-title",
    "xss-action-description",
    "xss-partners",
    "xss-update",
    "xss-dropped-reason",
]
MARKDOWN_FIELDS = ["xss-minutes", "xss-decisions"]
MARKERS = tuple(TEXT_FIELDS + MARKDOWN_FIELDS)


def signed_sms(client: Client, channel_id: Any, secret: str, message_id: str, text: str) -> Any:
    body = json.dumps({"id": message_id, "from": "+998901234567", "text": text}).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return client.post(
        f"/channels/sms/{channel_id}/", body, content_type="application/json", HTTP_X_OVOZ_SIGNATURE=signature
    )


def telegram_update(client: Client, channel_id: Any, secret: str, update: dict[str, Any]) -> Any:
    return client.post(
        f"/channels/telegram/{channel_id}/",
        json.dumps(update),
        content_type="application/json",
        HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN=secret,
    )


def telegram_report(
    client: Client, channel_id: Any, secret: str, text: str, *, chat: int = 4242, language: str = "en"
) -> None:
    """The guided report in the bot, as Telegram delivers it."""
    steps: list[dict[str, Any]] = [
        {"text": "/start"},
        {"data": f"language:{language}"},
        {"text": text},
        {"data": "here:"},
        {"data": "visibility:public"},
        {"data": "send"},
    ]
    for number, step in enumerate(steps, start=1):
        chat_ref = {"id": chat, "type": "private"}
        if "data" in step:
            update = {
                "update_id": 5000 + number,
                "callback_query": {
                    "id": f"cb{number}",
                    "data": step["data"],
                    "message": {"message_id": 1, "chat": chat_ref},
                },
            }
        else:
            update = {
                "update_id": 5000 + number,
                "message": {"message_id": number, "chat": chat_ref, "text": step["text"]},
            }
        response = telegram_update(client, channel_id, secret, update)
        assert response.status_code == 200, response.content


def build_hostile_world(*, gateway_url: str, bot_api_base: str, bot_token: str) -> dict[str, Any]:
    """Every text a user can write, written as an XSS payload, through services and channels.

    Run inside ``django_capture_on_commit_callbacks(execute=True)`` so that e-mails and channel
    replies go out.
    """
    country = Area.objects.create(kind="country", code="UZ", name="Uzbekistan")
    region = Area.objects.create(kind="region", code="UZ-JI", name=xss("xss-region"), parent=country)
    district = Area.objects.create(
        kind="district", name="Zomin", names={"en": xss("xss-district")}, parent=region, latitude=39.9, longitude=68.4
    )
    theme = Theme.objects.create(
        slug="water", labels={"en": xss("xss-theme")}, descriptions={"en": xss("xss-theme-description")}
    )
    group = WorkingGroupFactory(
        name=xss("xss-group"), slug="zomin", area=district, description=xss("xss-group-description")
    )
    administrator = UserFactory(username="administrator", role=DeploymentRole.ADMINISTRATOR)
    facilitator = MemberFactory(
        working_group=group,
        role=GrantRole.FACILITATOR,
        user__username="dilnoza",
        user__first_name=xss("xss-facilitator"),
    ).user
    institution = group_services.institution_create(actor=facilitator, area=district, name=xss("xss-institution"))
    member = MemberFactory(
        working_group=group,
        role=GrantRole.AUTHORITY,
        institution=institution,
        is_named_publicly=True,
        user__username="rustam",
        user__first_name="Rustam",
        user__last_name=xss("xss-member"),
    ).user
    police = InstitutionFactory(name="Police", area=district)

    photo = image_clean(jpeg_with_gps())
    submitted = concern_services.concern_submit(
        text=xss("xss-concern-text"),
        channel=Channel.WEB,
        area=district,
        latitude=39.91,
        longitude=68.41,
        themes=[theme],
        visibility=Visibility.PUBLIC,
        contact=contact_parse(email="reporter@example.org"),
        photos=[photo],
    )
    public = submitted.concern
    concern_services.concern_publish(actor=facilitator, concern=public, public_text=xss("xss-public-text"))
    concern_services.concern_change_status(
        actor=facilitator, concern=public, status=Status.ACCEPTED, note=xss("xss-status-note")
    )
    concern_services.concern_message_reporter(
        actor=facilitator, concern=public, text=xss("xss-question"), kind=EventKind.QUESTION
    )
    concern_services.concern_reporter_message(concern=public, text=xss("xss-reporter-answer"))
    restricted = concern_services.concern_submit(
        text=xss("xss-restricted-text"), channel=Channel.WEB, area=district, visibility=Visibility.RESTRICTED
    ).concern
    concern_services.concern_change_status(actor=facilitator, concern=restricted, status=Status.ACCEPTED)

    # The channels, through their webhooks, replying to local fakes of the gateway and the Bot API.
    client = Client()
    sms, sms_secret = channel_create(
        actor=None, kind=ChannelKind.GENERIC, name="SMS", options={"reply_url": gateway_url}, default_area=district
    )
    assert signed_sms(client, sms.pk, sms_secret, "gw-1", xss("xss-sms")).status_code == 200
    telegram, telegram_secret = channel_create(
        actor=None,
        kind=ChannelKind.TELEGRAM,
        name="Bot",
        options={"token": bot_token, "api_base": bot_api_base},
        default_area=district,
    )
    telegram_report(client, telegram.pk, telegram_secret, xss("xss-telegram"))

    meeting = group_services.meeting_schedule(
        actor=facilitator, group=group, starts_at=timezone.now() - timedelta(days=2), place=xss("xss-place")
    )
    group_services.meeting_agenda_add(actor=facilitator, meeting=meeting, concerns=[public, restricted])
    group_services.meeting_record_attendance(actor=facilitator, meeting=meeting, counts={("women", "18_29"): 4})
    group_services.meeting_record_minutes(
        actor=facilitator, meeting=meeting, minutes=markdown_xss("xss-minutes"), decisions=markdown_xss("xss-decisions")
    )
    group_services.meeting_update(
        actor=facilitator,
        meeting=meeting,
        starts_at=meeting.starts_at,
        place=meeting.place,
        online_link="",
        status=MeetingStatus.HELD,
    )
    round_ = group_services.round_open(actor=facilitator, meeting=meeting)
    group_services.round_close(actor=facilitator, round=round_)
    group_services.round_decide(actor=facilitator, round=round_, concerns=[public], note=xss("xss-decision-note"))
    public.refresh_from_db()
    action = group_services.action_create(
        actor=facilitator,
        group=group,
        title=xss("xss-action-title"),
        description=xss("xss-action-description"),
        partners=xss("xss-partners"),
        concerns=[public],
        owner=institution,
        responsible=member,
        due_on=timezone.localdate() + timedelta(days=3),
    )
    update = group_services.action_post_update(
        actor=facilitator, action=action, text=xss("xss-update"), progress=20, photos=[image_clean(jpeg_with_gps())]
    )
    dropped = group_services.action_create(
        actor=facilitator,
        group=group,
        title="Second action",
        concerns=[public],
        owner=police,
        due_on=timezone.localdate() - timedelta(days=3),
    )
    group_services.action_set_status(
        actor=facilitator, action=dropped, status=ActionStatus.DROPPED, reason=xss("xss-dropped-reason")
    )
    _invitation, link = group_services.member_invite(
        actor=facilitator, group=group, email="invitee@example.org", role=GrantRole.COMMUNITY, institution=None
    )
    group_services.digest_send(user=member, day=timezone.localdate())

    # A service with a hostile name, a case worker, and a referral of a sealed concern to it.
    provider = ServiceProvider.objects.create(name=xss("provider-name"), kind=ProviderKind.SHELTER)
    provider.areas.add(region)
    CaseWorker.objects.create(provider=provider, user=member)
    sealed = concern_services.concern_submit(
        text=xss("sealed-text"), channel=Channel.WEB, area=district, visibility=Visibility.CONFIDENTIAL
    )
    referral = Referral.objects.create(concern=sealed.concern, provider=provider, referred_by=facilitator)

    # An early-warning alert of the district, dismissed with a hostile reason.
    alert = Alert.objects.create(
        area=district,
        theme=theme,
        first_day=timezone.localdate() - timedelta(days=2),
        last_day=timezone.localdate(),
        score=1.8,
        observed=9,
        expected=1.25,
        daily_counts=[0] * 50 + [1, 0, 2, 1, 3, 2],
        daily_expected=[0.25] * 56,
    )
    alert_mark(actor=facilitator, alert=alert, state="dismissed", reason=xss("alert-reason"))

    survey = survey_import(file=workbook_bytes(), file_name="community_safety.xlsx", user=administrator, publish=True)
    survey_round_open(survey=survey, actor=administrator)
    survey_results_publish(survey=survey, actor=administrator, published=True)
    indicator = indicator_add(
        survey=survey, question="gender", value="woman", label=xss("indicator"), actor=administrator
    )
    staff = Client()
    assert sign_in(staff, administrator)["Location"] == "/staff/"
    return {
        "alert": alert,
        "survey": survey,
        "indicator": indicator,
        "referral": referral,
        "staff": staff,
        "administrator": administrator,
        "facilitator": facilitator,
        "member": member,
        "group": group,
        "region": region,
        "district": district,
        "theme": theme,
        "public": public,
        "receipt": submitted.receipt,
        "restricted": restricted,
        "meeting": meeting,
        "action": action,
        "photo": update.photos.get(),
        "attachment": public.attachments.get(),
        "sms": sms,
        "telegram": telegram,
        "invitation_token": link.rstrip("/").rsplit("/", 1)[1],
        "concerns": Concern.objects.all(),
    }


def shows_content(route: Route) -> bool:
    """Routes whose pages show data: every route but the admin's history, delete and redirect pages."""
    return not route.is_admin or route.name == "index" or route.name.endswith(("_changelist", "_add", "_change"))


def url_values(world: dict[str, Any]) -> dict[str, list[str]]:
    """Values for every URL parameter (see ``urlwalk.concrete_urls``)."""
    return {
        "concern_id": [str(world["public"].pk)],
        "attachment_id": [str(world["attachment"].pk)],
        "area_id": [str(world["region"].pk)],
        "chart": ["themes", "areas", "steps", "promises", "channels"],
        "slug": [world["group"].slug],
        "meeting_id": [str(world["meeting"].pk)],
        "action_id": [str(world["action"].pk)],
        "photo_id": [str(world["photo"].pk)],
        "token": [world["invitation_token"]],
        "channel_id": [str(world["sms"].pk)],
        "fmt": ["csv", "geojson", "xlsx", "json", "xml"],
        "code": [world["theme"].slug],
        "request_id": [str(world["public"].pk)],
        "referral_id": [str(world["referral"].pk)],
        "alert_id": [str(world["alert"].pk)],
        "survey_id": [str(world["survey"].pk)],
        "survey_slug": [world["survey"].slug],
        "number": ["1"],
        "file_format": ["csv", "xlsx", "hxl.csv"],
        "round_id": [str(world["survey"].rounds.get().pk)],
        "indicator_id": [str(world["indicator"].pk)],
    }
