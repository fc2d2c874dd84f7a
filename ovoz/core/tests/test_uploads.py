"""Hostile files on every upload path: the report form, the follow page, action updates, Telegram.

Each is refused with a message in the reporter's language and nothing of it is kept, or, when it
is a real image carrying something else (a page or an archive appended, a script in a text chunk),
kept only as the re-encoded image: the payload is gone. Whatever the person wrote stays.
"""

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.html import escape
from PIL import Image, PngImagePlugin

from ovoz.channels.choices import ChannelKind
from ovoz.channels.services import channel_create
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, EventKind
from ovoz.concerns.models import Attachment, Concern, ConcernEvent
from ovoz.concerns.services import themes_seed
from ovoz.core.images import MAX_UPLOAD_BYTES, image_clean
from ovoz.core.tests.hostile import telegram_report, telegram_update
from ovoz.groups.models import ActionPhoto, ActionUpdate
from ovoz.places.models import Area
from ovoz.places.services import areas_seed
from ovoz.testing.fakes import TOKEN, FakeBotApi
from ovoz.testing.media import jpeg_with_gps
from ovoz.testing.web import form_token, receipt_in

pytestmark = pytest.mark.django_db

PAYLOAD = b"<html><script>alert('hostile-upload')</script></html>"
UNREADABLE = "This file is not a photo Ovoz can read (JPEG, PNG or WebP)."
NOT_ACCEPTED = "Only JPEG, PNG or WebP photos can be attached."
TOO_LARGE = "A photo can be at most 5 MB."
TOO_MANY_PIXELS = "This photo is too large in pixels."


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes whose header declares ``width`` x ``height`` pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", pixels) + _png_chunk(b"IEND", b"")


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("Exploit.class", b"\xca\xfe\xba\xbe hostile-upload")
    return buffer.getvalue()


def _gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (16, 16)).save(buffer, format="GIF")
    return buffer.getvalue()


def _png_with_text_chunk() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PAYLOAD.decode())
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 120, 200)).save(buffer, format="PNG", pnginfo=info)
    return buffer.getvalue()


@dataclass(frozen=True)
class Hostile:
    label: str
    filename: str
    content_type: str
    content: bytes
    refusal: str = ""  # the message, or "" for an image that is kept re-encoded

    def upload(self) -> SimpleUploadedFile:
        return SimpleUploadedFile(self.filename, self.content, content_type=self.content_type)


JPEG = jpeg_with_gps()
FILES = [
    Hostile("empty", "empty.jpg", "image/jpeg", b"", UNREADABLE),
    Hostile("truncated JPEG", "cut.jpg", "image/jpeg", JPEG[: len(JPEG) // 2], UNREADABLE),
    Hostile("oversized", "big.jpg", "image/jpeg", JPEG + b"\x00" * MAX_UPLOAD_BYTES, TOO_LARGE),
    Hostile("decompression bomb", "bomb.png", "image/png", png_declaring(30_000, 30_000), TOO_MANY_PIXELS),
    Hostile("many pixels", "wide.png", "image/png", png_declaring(8_000, 6_000), TOO_MANY_PIXELS),
    Hostile(
        "SVG with a script",
        "map.svg",
        "image/svg+xml",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        UNREADABLE,
    ),
    Hostile("HTML named .jpg", "photo.jpg", "image/jpeg", PAYLOAD, UNREADABLE),
    Hostile("GIFAR", "photo.gif", "image/gif", _gif() + _zip(), NOT_ACCEPTED),
    Hostile("JPEG with a page appended", "page.jpg", "image/jpeg", JPEG + PAYLOAD),
    Hostile("JPEG with an archive appended", "zip.jpg", "image/jpeg", JPEG + _zip()),
    Hostile("PNG with a script in a text chunk", "text.png", "image/png", _png_with_text_chunk()),
]
REFUSED = [item for item in FILES if item.refusal]
POLYGLOTS = [item for item in FILES if not item.refusal]


def translated(message: str, language: str = "ru") -> str:
    with translation.override(language):
        text = translation.gettext(message)
    assert text != message, f"no {language} translation of {message!r}"
    return escape(text)


def assert_clean(content: bytes) -> None:
    """A stored photo is a plain re-encoded image: none of the payloads, no metadata."""
    assert b"hostile-upload" not in content and b"PK\x03\x04" not in content and b"<script" not in content
    image = Image.open(io.BytesIO(content))
    assert image.format in ("JPEG", "PNG") and not image.getexif() and "Comment" not in image.info


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    areas_seed()
    themes_seed()


def test_the_report_form_refuses_each_hostile_file_in_the_reporters_language_and_keeps_the_text(client, seeded):
    for item in REFUSED:
        token = form_token(client, "ru")
        text = f"Вода грязная ({item.label})"
        response = client.post("/ru/report/", {"text": text, "submission_token": token, "photos": [item.upload()]})
        html = response.content.decode()
        assert response.status_code == 400, item.label
        assert translated(item.refusal) in html, item.label
        assert escape(text) in html, item.label  # what was written is still in the form
    assert Concern.objects.count() == 0 and Attachment.objects.count() == 0
    # After a refusal, the same form (same token) goes through with a good photo, once.
    good = client.post(
        "/ru/report/",
        {"text": "Вода грязная", "submission_token": token, "photos": [SimpleUploadedFile("ok.jpg", JPEG)]},
    )
    receipt_in(good)
    assert Concern.objects.count() == 1 and Attachment.objects.count() == 1


def test_the_report_form_keeps_a_polyglot_only_as_its_re_encoded_image(client, seeded):
    for item in POLYGLOTS:
        response = client.post(
            "/en/report/", {"text": item.label, "submission_token": form_token(client), "photos": [item.upload()]}
        )
        receipt_in(response)
    attachments = list(Attachment.objects.all())
    assert len(attachments) == len(POLYGLOTS)
    for attachment in attachments:
        with attachment.file.open("rb") as handle:
            assert_clean(handle.read())
        assert attachment.content_type in ("image/jpeg", "image/png")


def test_the_follow_page_refuses_hostile_files_and_loses_nothing_already_there(client, seeded):
    submitted = concern_services.concern_submit(
        text="Broken pipe", channel=Channel.WEB, language="ru", photos=[image_clean(JPEG)]
    )
    client.post("/ru/follow/", {"receipt": submitted.receipt})
    for item in REFUSED:
        response = client.post(
            "/ru/follow/",
            {
                "action": "message",
                "text": f"Ещё ({item.label})",
                "photos": [item.upload()],
            },
        )
        html = response.content.decode()
        assert translated(item.refusal) in html, item.label
        assert escape(f"Ещё ({item.label})") in html, item.label
    assert not ConcernEvent.objects.filter(kind=EventKind.REPORTER_MESSAGE).exists()
    assert [attachment.event_id for attachment in Attachment.objects.all()] == [None]  # the original photo
    for item in POLYGLOTS:
        client.post(
            "/ru/follow/",
            {"action": "message", "text": item.label, "photos": [item.upload()]},
        )
    assert ConcernEvent.objects.filter(kind=EventKind.REPORTER_MESSAGE).count() == len(POLYGLOTS)
    for attachment in Attachment.objects.exclude(event=None):
        with attachment.file.open("rb") as handle:
            assert_clean(handle.read())


def test_action_updates_refuse_hostile_photos_and_keep_polyglots_re_encoded(hostile_world, settings, tmp_path):
    staff, action = hostile_world["staff"], hostile_world["action"]
    url = f"/staff/groups/zomin/actions/{action.pk}/"
    updates, photos = ActionUpdate.objects.count(), ActionPhoto.objects.count()
    for item in REFUSED:
        response = staff.post(
            url, {"action": "update", "text": f"Gravel ({item.label})", "progress": 30, "photos": [item.upload()]}
        )
        assert response.status_code == 400, item.label
        assert escape(item.refusal) in response.content.decode(), item.label
        assert escape(f"Gravel ({item.label})") in response.content.decode()
    assert (ActionUpdate.objects.count(), ActionPhoto.objects.count()) == (updates, photos)
    for item in POLYGLOTS:
        response = staff.post(url, {"action": "update", "text": item.label, "progress": 40, "photos": [item.upload()]})
        assert response.status_code == 302, item.label
    new_photos = ActionPhoto.objects.order_by("-pk")[: len(POLYGLOTS)]
    assert len(new_photos) == len(POLYGLOTS)
    for photo in new_photos:
        with photo.file.open("rb") as handle:
            assert_clean(handle.read())


def test_a_hostile_telegram_photo_is_refused_in_the_chat_language_and_the_message_still_counts(
    client, seeded, django_capture_on_commit_callbacks
):
    """Through a local fake of the Bot API serving each file as the photo of a message that adds to
    a concern already reported in Russian."""
    bot_api = FakeBotApi()
    try:
        channel, secret = channel_create(
            actor=None,
            kind=ChannelKind.TELEGRAM,
            name="Bot",
            options={"token": TOKEN, "api_base": bot_api.base},
            default_area=Area.objects.get(code="UZ"),
        )
        with django_capture_on_commit_callbacks(execute=True):
            telegram_report(client, channel.pk, secret, "Вода грязная", chat=77, language="ru")
        concern = Concern.objects.get()
        for number, item in enumerate(FILES):
            bot_api.photo = item.content
            update = {
                "update_id": 90_000 + number,
                "message": {
                    "message_id": 100 + number,
                    "chat": {"id": 77, "type": "private"},
                    "caption": f"Фото ({item.label})",
                    "photo": [{"file_id": f"file-{number}", "width": 90, "height": 90}],
                },
            }
            sent_before = len(bot_api.sent())
            with django_capture_on_commit_callbacks(execute=True):
                assert telegram_update(client, channel.pk, secret, update).status_code == 200, item.label
            told = [body["text"] for body in bot_api.sent()[sent_before:]]
            with translation.override("ru"):
                refusals = {
                    translation.gettext(message) for message in (UNREADABLE, NOT_ACCEPTED, TOO_LARGE, TOO_MANY_PIXELS)
                }
                expected = {translation.gettext(item.refusal)} if item.refusal else set()
            assert refusals & set(told) == expected, (item.label, told)
    finally:
        bot_api.close()
    # Every caption was added to the concern; only the polyglots' images were kept, re-encoded.
    messages = ConcernEvent.objects.filter(concern=concern, kind=EventKind.REPORTER_MESSAGE)
    assert messages.count() == len(FILES)
    attachments = list(Attachment.objects.filter(concern=concern))
    assert len(attachments) == len(POLYGLOTS)
    for attachment in attachments:
        with attachment.file.open("rb") as handle:
            assert_clean(handle.read())


def test_the_api_takes_no_files(client, seeded):
    response = client.post("/api/v1/concerns", {"text": "x", "photo": SimpleUploadedFile("p.jpg", JPEG)})
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert Concern.objects.count() == 0
