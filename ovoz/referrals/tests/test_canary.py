"""Canaries in a confidential concern: its text, photo, contact, answers and the request that carried them
are found nowhere but in front of the people they are for (issue 7's proof)."""

from __future__ import annotations

import io
import re
import secrets
import tempfile
import time

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.concerns.models import Concern
from ovoz.places.models import Area
from ovoz.testing.canary import canary, captured_logs, database_dump_text, files_containing
from ovoz.testing.web import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.walk]


def _photo_carrying(marker: str) -> bytes:
    """A JPEG whose EXIF description carries the canary (re-encoding must drop it, sealing must hide it)."""
    exif = Image.Exif()
    exif[0x010E] = marker  # ImageDescription
    output = io.BytesIO()
    Image.new("RGB", (48, 32), (120, 10, 60)).save(output, format="JPEG", exif=exif)
    return output.getvalue()


def test_canaries_in_a_confidential_concern_reach_its_recipient_and_nothing_else(seeded, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    recipient = UserFactory(username="intake", role=DeploymentRole.NONE, receives_confidential=True)
    staff = Client()
    assert sign_in(staff, recipient)["Location"] == "/staff/"
    story, photo, email, agent, answer, question = (
        canary(label) for label in ("story", "photo", "mail", "agent", "answer", "question")
    )
    address = f"10.{secrets.randbelow(200) + 20}.{secrets.randbelow(200) + 20}.{secrets.randbelow(200) + 20}"
    photo_bytes = _photo_carrying(photo)  # made before the logs are captured: Pillow's own lines quote it
    started = time.time()
    reporter = Client(REMOTE_ADDR=address, HTTP_X_FORWARDED_FOR=address, HTTP_USER_AGENT=agent)
    with captured_logs() as logs:
        html = reporter.get("/en/report/").content.decode()
        token = re.search(r'name="submission_token" value="([^"]+)"', html).group(1)
        receipt_page = reporter.post(
            "/en/report/",
            {
                "text": f"{story} he threatens me",
                "region": Area.objects.get(code="UZ-JI").pk,
                "visibility": "confidential",
                "email": f"{email}@example.org",
                "contact_consent": "on",
                "photos": SimpleUploadedFile(f"{photo}.jpg", photo_bytes, content_type="image/jpeg"),
                "submission_token": token,
            },
            follow=True,
        ).content.decode()
        receipt = re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt_page).group(0)
        concern = Concern.objects.get()
        staff.post(f"/staff/concerns/{concern.pk}/", {"action": "message", "kind": "question", "text": question})
        reporter.post("/en/follow/", {"receipt": receipt})
        reporter.post("/en/follow/", {"action": "message", "text": answer})
        read = staff.get(f"/staff/concerns/{concern.pk}/").content.decode()

    # The recipient reads every part (the only place they are meant to be)...
    assert all(marker in read for marker in (story, f"{email}@example.org", question, answer))
    # ...and they are nowhere else: not in any row of any table, the media or temp folders, the logs,
    # or any message that left.
    dump = database_dump_text()
    for marker in (story, photo, email, answer, question, agent, address):
        assert marker not in dump, marker
        assert marker not in logs.text, marker
        assert not files_containing(settings.MEDIA_ROOT, marker), marker
        assert not files_containing(tempfile.gettempdir(), marker, modified_since=started), marker
        assert all(marker not in f"{message.subject} {message.body} {message.to}" for message in mail.outbox)
    assert mail.outbox == []  # nothing goes to a sealed contact by itself
