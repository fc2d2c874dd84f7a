from __future__ import annotations

from django.http import Http404, HttpResponse

from ovoz.concerns import confidential
from ovoz.concerns.models import Attachment


def photo_response(attachment: Attachment, opened: confidential.Opened | None) -> HttpResponse:
    """A concern's photo for staff, opened if sealed (404 without the key); never cached anywhere."""
    content = confidential.attachment_bytes(attachment, opened)
    if content is None:
        raise Http404
    response = HttpResponse(content, content_type=attachment.content_type)
    response["Cache-Control"] = "private, no-store"
    return response
