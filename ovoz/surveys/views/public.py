"""Answering a survey on the web (`/<lang>/surveys/<slug>/`), without JavaScript: a page per group,
the answers kept between pages in a draft sealed under a secret only the respondent's device holds
(``surveys.drafts``; an interrupted respondent resumes on the same device), skip logic, required and
constraint checks on the server, and one idempotent final submit. No session is written."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ovoz.core.ratelimit import is_limited
from ovoz.surveys import answering, drafts, publishing, selectors, services
from ovoz.surveys.choices import QuestionType, ResponseChannel
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.models import Survey
from ovoz.surveys.views import draft_cookies

DRAFT_COOKIE = "ovoz_survey_draft"


def _fresh_state() -> dict[str, Any]:
    return {"answers": {}, "page": 0, "key": secrets.token_hex(16), "started": timezone.now().isoformat()}


def draft_lost_notice() -> str:
    # Translators: shown once, above a survey's first page, to a respondent who comes back after the
    # answers they had saved on this device were deleted (the daily deletion of drafts untouched a day).
    return _("Your earlier answers were deleted a day after you last saved a page. Please start again.")


def _shown_pages(survey: Survey, stored: dict[str, Any]) -> list[answering.Page]:
    return answering.shown_pages(survey, stored)


def _items(
    survey: Survey, page: answering.Page, stored: dict[str, Any], language: str, errors: dict[str, str]
) -> list[dict[str, Any]]:
    asked = answering.relevant_names(survey, answering.typed_answers(survey, stored))
    default = survey.default_language
    items = []
    for question in page.questions:
        if question["name"] not in asked or question["type"] == QuestionType.CALCULATE:
            continue
        value = stored.get(question["name"])
        items.append(
            {
                "name": question["name"],
                "type": question["type"],
                "label": answering.text_in(question.get("labels", {}), language, default),
                "hint": answering.text_in(question.get("hints", {}), language, default),
                "required": bool(question.get("required")),
                "choices": [
                    {
                        "name": choice["name"],
                        "label": answering.text_in(choice.get("labels", {}), language, default) or choice["name"],
                        "checked": choice["name"] in value if isinstance(value, list) else choice["name"] == value,
                    }
                    for choice in question.get("choices", [])
                ],
                "value": value if isinstance(value, str) else "",
                "error": errors.get(question["name"], ""),
            }
        )
    return items


@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer_view(request: HttpRequest, survey_slug: str) -> HttpResponse:
    """One page of the survey; the answers so far are sealed in a draft that only this device's cookie
    opens (``surveys.drafts``), and no session is written."""
    survey, survey_round = selectors.public_survey_round(slug=survey_slug)
    language = get_language() or survey.default_language
    if survey_round is None:
        return render(request, "surveys/closed.html", {"survey": survey, "title": survey.title(language)}, status=200)
    name = draft_cookies.cookie_name(DRAFT_COOKIE, survey_round.pk)
    secret = draft_cookies.cookie_read(request, name)
    if secret == draft_cookies.SENT_MARK:
        return redirect("survey_thanks", survey_slug=survey.slug)
    found = drafts.draft_open(survey_round=survey_round, secret=secret)
    if found.is_lost and request.method == "POST":
        # A page posted after its draft went (or a second click racing the send): the page that
        # follows tells which.
        return redirect("survey_answer", survey_slug=survey.slug)
    if found.state is None:
        secret = drafts.secret_new()
    state = found.state or _fresh_state()
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
            if is_limited(request, scope="survey", limit=settings.OVOZ_SURVEY_LIMIT, window_seconds=600):
                errors = {
                    "": _("Too many answers from here in a short time. Please wait a few minutes and send again.")
                }
            else:
                try:
                    services.response_submit(
                        survey_round=survey_round,
                        channel=ResponseChannel.WEB,
                        submission_key=state["key"],
                        answers=answering.final_answers(survey, stored),
                        language=language,
                        started_at=datetime.datetime.fromisoformat(state["started"]),
                    )
                except SurveyError:
                    return render(request, "surveys/closed.html", {"survey": survey, "title": survey.title(language)})
                drafts.draft_forget(secret=secret)
                sent = redirect("survey_thanks", survey_slug=survey.slug)
                draft_cookies.cookie_write(sent, name, draft_cookies.SENT_MARK, max_age=settings.SESSION_COOKIE_AGE)
                return sent
        state["answers"], state["page"] = stored, index
        drafts.draft_save(survey_round=survey_round, secret=secret, state=state)
        response = (
            redirect("survey_answer", survey_slug=survey.slug)
            if not errors
            else _page(request, survey, shown, index, stored, language, errors)
        )
        draft_cookies.cookie_write(response, name, secret)
        return response
    response = _page(
        request, survey, shown, index, stored, language, errors, notice=draft_lost_notice() if found.is_lost else ""
    )
    if found.is_lost:
        draft_cookies.cookie_drop(response, name)
    return response


def _page(
    request: HttpRequest,
    survey: Survey,
    shown: list[answering.Page],
    index: int,
    stored: dict[str, Any],
    language: str,
    errors: dict[str, str],
    *,
    notice: str = "",
) -> HttpResponse:
    page = shown[index]
    context = {
        "survey": survey,
        "title": survey.title(language),
        "group_label": answering.text_in(page.group.get("labels", {}), language, survey.default_language)
        if page.group
        else "",
        "items": _items(survey, page, stored, language, errors),
        "errors": errors,
        "page_error": errors.get("", ""),
        "notice": notice,
        "page_number": index + 1,
        "page_count": len(shown),
        "is_last": index + 1 == len(shown),
    }
    status = 429 if "" in errors else 400 if errors else 200
    return render(request, "surveys/answer.html", context, status=status)


@never_cache
@require_GET
def survey_thanks_view(request: HttpRequest, survey_slug: str) -> HttpResponse:
    survey, _survey_round = selectors.public_survey_round(slug=survey_slug)
    return render(request, "surveys/thanks.html", {"survey": survey, "title": survey.title(get_language())})


@require_GET
def survey_index_view(request: HttpRequest) -> HttpResponse:
    """The surveys a resident can answer now, and those whose results are published."""
    language = get_language() or settings.LANGUAGE_CODE
    answering_now, with_results = publishing.public_survey_index()
    return render(
        request,
        "surveys/index.html",
        {
            "answering": [{"title": survey.title(language), "slug": survey.slug} for survey in answering_now],
            "with_results": [{"title": survey.title(language), "slug": survey.slug} for survey in with_results],
        },
    )
