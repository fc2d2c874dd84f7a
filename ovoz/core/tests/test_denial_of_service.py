"""Denial of service through photos: refused from the header, decoded small, and counted before opened.

A 154 KB PNG declaring 6300 x 6300 pixels used to be decoded (1.8 s, 600 MB) before any rate limit.
"""

import functools
import io
import json
import os
import stat

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import RequestFactory
from PIL import Image, ImageFile

from ovoz.channels.choices import ChannelKind
from ovoz.channels.services import channel_create
from ovoz.concerns import services as concern_services
from ovoz.concerns.choices import Channel, EventKind
from ovoz.concerns.models import Attachment, Concern, ConcernEvent
from ovoz.concerns.services import themes_seed
from ovoz.core import images
from ovoz.core.images import ImageRejected, image_clean
from ovoz.core.tests.hostile import telegram_report, telegram_update
from ovoz.places.models import Area
from ovoz.places.services import areas_seed
from ovoz.testing.fakes import TOKEN, FakeBotApi
from ovoz.testing.web import form_token

TOO_MANY_PIXELS = "This photo is too large in pixels."
THROTTLED = "Too many concerns from here in a short time. Please wait a few minutes."


@functools.cache
def png(width: int, height: int) -> bytes:
    """A real PNG, one colour: a few hundred kilobytes that decode to width x height x 3 bytes."""
    output = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 60)).save(output, format="PNG")
    return output.getvalue()


@functools.cache
def jpeg(width: int, height: int) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(output, format="JPEG", quality=80)
    return output.getvalue()


@pytest.fixture
def decoded(monkeypatch) -> list[tuple[int, int]]:
    """The size of every image Pillow decodes (ImageFile.load is where pixels are decompressed)."""
    sizes: list[tuple[int, int]] = []
    load = ImageFile.ImageFile.load

    def spy(self):
        if self.tile:  # still to be decoded
            sizes.append(self.size)
        return load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    return sizes


@pytest.fixture
def opened(monkeypatch) -> list[int]:
    """Every Image.open of the photo code, by the size of what it was given."""
    calls: list[int] = []
    open_image = Image.open

    def spy(source, *args, **kwargs):
        calls.append(len(source.getvalue()) if isinstance(source, io.BytesIO) else -1)
        return open_image(source, *args, **kwargs)

    monkeypatch.setattr(images.Image, "open", spy)
    return calls


@pytest.fixture
def seeded(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    areas_seed()
    themes_seed()
    yield
    cache.clear()


def test_a_png_of_6300_by_6300_pixels_is_refused_from_its_header_without_being_decoded(decoded):
    data = png(6300, 6300)
    assert len(data) < 300_000  # small on the wire, 119 MB once decoded

    with pytest.raises(ImageRejected) as refusal:
        image_clean(data)

    assert str(refusal.value.message) == TOO_MANY_PIXELS
    assert decoded == []


def test_a_png_or_webp_above_twelve_megapixels_is_refused_undecoded_but_a_screenshot_is_kept(decoded):
    with pytest.raises(ImageRejected):
        image_clean(png(4100, 3000))
    assert decoded == []

    kept = image_clean(png(1290, 2796))  # a phone screenshot
    assert (kept.width, kept.height) == (945, 2048)
    assert decoded == [(1290, 2796)]


def test_a_24_megapixel_phone_jpeg_is_decoded_at_half_scale_and_kept(decoded):
    kept = image_clean(jpeg(6000, 4000))

    assert decoded == [(3000, 2000)]  # 18 MB decoded instead of 72 MB
    assert (kept.content_type, kept.width, kept.height) == ("image/jpeg", 2048, 1365)


def test_a_jpeg_above_24_megapixels_is_refused_without_being_decoded(decoded):
    with pytest.raises(ImageRejected) as refusal:
        image_clean(jpeg(6400, 4000))
    assert str(refusal.value.message) == TOO_MANY_PIXELS
    assert decoded == []


def test_a_rate_limited_reporter_sending_a_hostile_photo_gets_429_before_the_photo_is_opened(
    client, seeded, settings, opened, decoded
):
    settings.OVOZ_INTAKE_LIMIT = 1
    token = form_token(client)
    assert client.post("/en/report/", {"text": "", "submission_token": token}).status_code == 400  # counts

    bomb = SimpleUploadedFile("bomb.png", png(6300, 6300), content_type="image/png")
    response = client.post("/en/report/", {"text": "Flooded road", "submission_token": token, "photos": [bomb]})

    assert response.status_code == 429
    assert THROTTLED in response.content.decode()
    assert "Flooded road" in response.content.decode()  # what was written is still in the form
    assert opened == [] and decoded == []
    assert Concern.objects.count() == 0 and Attachment.objects.count() == 0


def test_showing_districts_opens_no_photo(client, seeded, opened):
    region = Area.objects.filter(code="UZ-JI").get()
    bomb = SimpleUploadedFile("bomb.png", png(6300, 6300), content_type="image/png")
    response = client.post(
        "/en/report/",
        {"text": "Road", "region": region.pk, "show_districts": "1", "submission_token": "x" * 30, "photos": [bomb]},
    )
    assert response.status_code == 200
    assert opened == []
    assert Concern.objects.count() == 0


def test_a_rate_limited_follow_page_message_opens_no_photo(client, seeded, settings, opened):
    settings.OVOZ_INTAKE_LIMIT = 1
    submitted = concern_services.concern_submit(text="Broken pipe", channel=Channel.WEB, language="en")
    assert client.post("/en/follow/", {"receipt": submitted.receipt}, follow=True).status_code == 200
    assert client.post("/en/follow/", {"action": "message", "text": "First"}).status_code == 303

    bomb = SimpleUploadedFile("bomb.png", png(6300, 6300), content_type="image/png")
    response = client.post("/en/follow/", {"action": "message", "text": "More", "photos": [bomb]})

    assert response.status_code == 429
    assert opened == []
    assert list(ConcernEvent.objects.filter(kind=EventKind.REPORTER_MESSAGE).values_list("text", flat=True)) == [
        "First"
    ]


def test_a_telegram_chat_over_the_photo_limit_has_its_photo_neither_fetched_nor_opened_and_its_text_counts(
    client, seeded, settings, opened, django_capture_on_commit_callbacks
):
    settings.OVOZ_INTAKE_LIMIT = 1
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
            telegram_report(client, channel.pk, secret, "Dirty water", chat=77)
        concern = Concern.objects.get()
        for number in range(2):
            update = {
                "update_id": 90_000 + number,
                "message": {
                    "message_id": 100 + number,
                    "chat": {"id": 77, "type": "private"},
                    "caption": f"Photo {number}",
                    "photo": [{"file_id": f"file-{number}", "width": 90, "height": 90}],
                },
            }
            with django_capture_on_commit_callbacks(execute=True):
                assert telegram_update(client, channel.pk, secret, update).status_code == 200
        fetched = [body["file_id"] for method, body in bot_api.calls if method == "getFile"]
        told = [body["text"] for body in bot_api.sent()]
    finally:
        bot_api.close()

    assert fetched == ["file-0"]  # the second photo was never asked for
    assert len(opened) == 2  # the first photo, probed then decoded; nothing of the second
    assert "Too many photos in a short time. Please wait a few minutes and send it again." in told
    assert ConcernEvent.objects.filter(concern=concern, kind=EventKind.REPORTER_MESSAGE).count() == 2
    assert Attachment.objects.filter(concern=concern).count() == 1


def test_uploads_above_one_megabyte_spill_to_owner_only_temporary_files(settings):
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 1024 * 1024
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 1024 * 1024
    upload = SimpleUploadedFile("photo.jpg", b"\xff\xd8" + b"\x00" * (2 * 1024 * 1024), content_type="image/jpeg")
    request = RequestFactory().post("/en/report/", {"photos": [upload]})

    spilled = request.FILES["photos"]

    assert isinstance(spilled, TemporaryUploadedFile)
    assert stat.S_IMODE(os.stat(spilled.temporary_file_path()).st_mode) == 0o600
    spilled.close()


def test_an_api_body_over_one_megabyte_is_refused_with_413_in_the_api_format(client, seeded):
    body = json.dumps({"text": "x" * (2 * 1024 * 1024)})
    response = client.post("/api/v1/concerns", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert Concern.objects.count() == 0
