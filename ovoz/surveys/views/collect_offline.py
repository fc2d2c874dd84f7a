"""Enumerators collect without signal: the offline page of a round, the key that encrypts what the phone
keeps, the sync of kept interviews, and the service worker that keeps the page (docs/surveys.md)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import staff_user
from ovoz.core.workers import worker_response
from ovoz.surveys import collection, offline

WORKER = "ovoz/collect-worker.js"


def _strings() -> dict[str, str]:
    """What the page's script says, translated here (the script holds no text of its own)."""
    return {
        "required": _("This question needs an answer."),
        "notAccepted": _("This answer is not accepted."),
        "choose": _("Choose from the list."),
        "whole": _("Enter a whole number."),
        "number": _("Enter a number."),
        "date": _("Enter a date as year-month-day, e.g. 2027-03-08."),
        "geopoint": _("Enter latitude and longitude, e.g. 39.65 66.96."),
        "geopointHint": _("Latitude and longitude, e.g. 39.65 66.96 (kept to about 1 km)."),
        "requiredMark": _("required"),
        "page": _("Page %(number)s of %(total)s"),
        "next": _("Next"),
        "save": _("Save this interview"),
        "saved": _("Saved on this phone. The form is ready for the next respondent."),
        # Translators: %(count)s is a number, on the enumerators' offline collect page.
        "count": _("Interviews kept on this phone: %(count)s"),
        # Translators: %(count)s is the number of interviews the server has just received.
        "sent": _("Sent: %(count)s."),
        "offline": _("No connection: the interviews stay on this phone and are sent when the signal returns."),
        "signIn": _("Sign in again with a connection, then send the kept interviews."),
        "locked": _("Open this page once with a connection to collect on this phone."),
        # Translators: %(reason)s is why the server refused an interview kept on the phone.
        "refused": _("Needs another look: %(reason)s"),
        "correct": _("Correct it"),
        "discard": _("Delete from this phone"),
    }


@staff_required(workspace=False, permission=collection.can_collect_answers)
def collect_offline_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's form for a phone without signal. The service worker keeps a copy of this page, so it
    holds the form only: no answer, no CSRF token, no message, nothing about who is signed in."""
    survey_round = get_object_or_404(collection.collectable_rounds(), pk=round_id)
    if request.method not in ("GET", "HEAD"):  # after the 404, as for every page of a round
        return HttpResponseNotAllowed(["GET", "HEAD"])
    survey = survey_round.survey
    language = request.GET.get("language", "")
    language = language if language in survey.languages else survey.default_language
    context = {
        "survey_round": survey_round,
        "title": survey.title(language),
        "form": offline.form_definition(survey),
        "language": language,
        "strings": _strings(),
        "messages": [],
    }
    response = render(request, "surveys/collect_offline.html", context)
    response["Cache-Control"] = "private, no-cache"
    return response


@never_cache
@staff_required(workspace=False, permission=collection.can_collect_answers)
@require_GET
def collect_key_view(request: HttpRequest) -> JsonResponse:
    """The signed-in user's key for the interviews kept on this phone, and a CSRF token for the sync.
    Asked while online; the page keeps it for the browser session only (sessionStorage)."""
    user = staff_user(request)
    return JsonResponse(
        {
            "key": offline.device_key(user=user),
            "key_id": offline.device_key_id(user=user),
            "csrf": get_token(request),
        }
    )


@never_cache
@staff_required(workspace=False, permission=collection.can_collect_answers)
@require_POST
def collect_sync_view(request: HttpRequest) -> JsonResponse:
    """Store a batch of interviews kept offline: ``{"interviews": [{"id": uuid, "round": id,
    "language": code, "started_at": iso, "answers": {name: text or [texts]}}]}``. Each is answered
    ``stored``, ``duplicate`` or ``refused`` (with the reasons, in the user's language)."""
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        body = None
    interviews = body.get("interviews") if isinstance(body, dict) else None
    if not isinstance(interviews, list) or len(interviews) > offline.MAX_BATCH:
        return JsonResponse({"error": _("This interview could not be read.")}, status=400)
    results = offline.interviews_sync(user=staff_user(request), interviews=interviews)
    return JsonResponse({"results": [result.as_json() for result in results]})


@staff_required(workspace=False, permission=collection.can_collect_answers)
@require_GET
def collect_worker_view(request: HttpRequest) -> HttpResponse:
    """The offline collection's service worker, served at /staff/surveys/collect/worker.js so that its
    scope is the collect pages. It holds no data; it is behind the sign-in like every collect page."""
    return worker_response(WORKER)
