from __future__ import annotations

from django.http import HttpResponse

from ovoz.concerns import confidential
from ovoz.concerns.models import Attachment
from ovoz.core.scoping import OutOfScope


def photo_response(attachment: Attachment, opened: confidential.Opened | None) -> HttpResponse:
    """A concern's photo for staff, opened if sealed (a 404 without the key, audited); never cached anywhere."""
    content = confidential.attachment_bytes(attachment, opened)
    if content is None:
        raise OutOfScope(attachment)
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    return response
