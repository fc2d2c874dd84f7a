"""Enumerators collect answers on a phone: the same server-side pages and answering code as the public
form, on the ``enumerator`` channel, one respondent after another on the same device."""

from __future__ import annotations

import datetime
import secrets
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.models import User
from ovoz.accounts.permissions import staff_user
from ovoz.surveys import answering, collection, drafts, services
from ovoz.surveys.choices import ResponseChannel
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.models import Enumerator
from ovoz.surveys.permissions import can_manage_surveys
from ovoz.surveys.views import draft_cookies
from ovoz.surveys.views.public import _page, _shown_pages, draft_lost_notice

DRAFT_COOKIE = "ovoz_collect_draft"


def collect_url(round_id: int, language: str) -> str:
    return f"{reverse('staff:survey_collect', kwargs={'round_id': round_id})}?{urlencode({'language': language})}"


def _fresh(language: str) -> dict[str, Any]:
    return {
        "answers": {},
        "page": 0,
        "key": secrets.token_hex(16),
        "started": timezone.now().isoformat(),
        "language": language,
    }


@staff_required(workspace=False, permission=collection.can_collect_answers)
def collect_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/collect_list.html", {"rounds": collection.collectable_rounds()})


@never_cache
@staff_required(workspace=False, permission=collection.can_collect_answers)
@require_http_methods(["GET", "POST"])
def collect_view(request: HttpRequest, round_id: int) -> HttpResponse:
    """One respondent's answers, page by page; "Send" stores them and starts the next respondent.

    The answers so far are a draft sealed under this phone's cookie and bound to the signed-in user
    (``surveys.drafts``): another user on the same phone starts afresh, and the session holds none."""
    survey_round = get_object_or_404(collection.collectable_rounds(), pk=round_id)
    survey = survey_round.survey
    user = staff_user(request)
    name = draft_cookies.cookie_name(DRAFT_COOKIE, survey_round.pk)
    secret = draft_cookies.cookie_read(request, name)
    found = drafts.draft_open(survey_round=survey_round, secret=secret, user=user)
    if found.is_lost and request.method == "POST":
        return redirect("staff:survey_collect", round_id=survey_round.pk)
    state = found.state
    asked_language = request.GET.get("language", "")
    starts_over = state is not None and asked_language in survey.languages and asked_language != state["language"]
    if starts_over:
        drafts.draft_forget(secret=secret)
    if state is None or starts_over:
        secret = drafts.secret_new()
        state = _fresh(asked_language if asked_language in survey.languages else survey.default_language)
    language = state["language"]
    stored: dict[str, Any] = state["answers"]
    shown = _shown_pages(survey, stored)
    if not shown:
        raise Http404
    index = min(int(state.get("page", 0)), len(shown) - 1)
    errors: dict[str, str] = {}
    if request.method == "POST":
        step = answering.page_step(survey, shown, index, request.POST, stored, language)
        stored, errors, index = step.answers, step.errors, step.index
        if step.is_complete:
            try:
                services.response_submit(
                    survey_round=survey_round,
                    channel=ResponseChannel.ENUMERATOR,
                    submission_key=state["key"],
                    answers=answering.final_answers(survey, stored),
                    language=language,
                    started_at=datetime.datetime.fromisoformat(state["started"]),
                )
            except SurveyError as error:
                messages.error(request, str(error.message))
                return redirect("staff:survey_collect_list")
            drafts.draft_forget(secret=secret)
            messages.success(request, _("Saved. The form is ready for the next respondent."))
            saved = redirect(collect_url(survey_round.pk, language))
            draft_cookies.cookie_drop(saved, name)
            return saved
        state["answers"], state["page"] = stored, index
        drafts.draft_save(survey_round=survey_round, secret=secret, state=state, user=user)
        if not errors:
            moved = redirect("staff:survey_collect", round_id=survey_round.pk)
            draft_cookies.cookie_write(moved, name, secret)
            return moved
    notice = draft_lost_notice() if found.is_lost else ""
    response = _page(request, survey, shown, index, stored, language, errors, notice=notice)
    if request.method == "POST":
        draft_cookies.cookie_write(response, name, secret)
    elif found.is_lost or starts_over:
        draft_cookies.cookie_drop(response, name)
    return response


@staff_required(permission=can_manage_surveys)
@require_http_methods(["GET", "POST"])
def enumerators_view(request: HttpRequest) -> HttpResponse:
    """Name and remove enumerators by username."""
    actor = staff_user(request)
    if request.method == "POST":
        user = User.objects.filter(username=request.POST.get("username", "").strip(), is_active=True).first()
        if user is None:
            messages.error(request, _("No active staff user has this username."))
        elif request.POST.get("action") == "remove":
            collection.enumerator_remove(actor=actor, user=user)
            messages.success(request, _("%(name)s is no longer an enumerator.") % {"name": user.username})
        else:
            collection.enumerator_add(actor=actor, user=user)
            messages.success(request, _("%(name)s can now collect answers.") % {"name": user.username})
        return redirect("staff:survey_enumerators")
    enumerators = Enumerator.objects.select_related("user").order_by("user__username")
    return render(request, "surveys/staff_enumerators.html", {"enumerators": enumerators})
