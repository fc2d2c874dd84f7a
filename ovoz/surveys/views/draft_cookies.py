"""The per-round cookie that holds a survey draft's secret on the respondent's device (``surveys.drafts``).

``ovoz_survey_draft_<round id>`` on the public form, ``ovoz_collect_draft_<round id>`` on the
enumerators' online form; HttpOnly, SameSite=Lax, and in production Secure with the ``__Host-`` prefix
(only this exact host, over https, can set it: no sibling subdomain can plant a draft). The cookie is set
when the first page is saved, never for a visitor who only looks, so a cookie whose draft is gone means
the draft was deleted (the retention run) and the respondent can be told.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Longer than a draft lives (DRAFT_HOURS untouched, then the next daily run), so that a respondent who
# comes back within a week is told their answers were deleted rather than finding a blank form.
DRAFT_COOKIE_SECONDS = 7 * 24 * 60 * 60
# The public form's "already sent" mark, in place of the secret once the response is stored: as long as
# the session that held it before (SESSION_COOKIE_AGE).
SENT_MARK = "sent"


def cookie_name(prefix: str, round_id: int) -> str:
    name = f"{prefix}_{round_id}"
    return f"__Host-{name}" if settings.IS_PRODUCTION else name


def cookie_read(request: HttpRequest, name: str) -> str:
    return request.COOKIES.get(name, "")


def cookie_write(response: HttpResponse, name: str, value: str, *, max_age: int = DRAFT_COOKIE_SECONDS) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="Lax", secure=settings.IS_PRODUCTION
    )


def cookie_drop(response: HttpResponse, name: str) -> None:
    response.delete_cookie(name, path="/", samesite="Lax")
