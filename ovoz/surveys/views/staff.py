"""Surveys in the staff workspace: import, list, preview in every language, open and close rounds."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import staff_user
from ovoz.surveys import indicators, publishing, results, selectors, services
from ovoz.surveys import render as results_html
from ovoz.surveys.errors import FormRefused, SurveyError
from ovoz.surveys.permissions import can_manage_surveys
from ovoz.surveys.staff_forms import IndicatorForm, RoundOpenForm, SurveyImportForm
from ovoz.surveys.views.results import export_response


@staff_required(permission=can_manage_surveys)
def survey_list_view(request: HttpRequest) -> HttpResponse:
    return render(request, "surveys/staff_list.html", {"surveys": selectors.survey_list(user=staff_user(request))})


@staff_required(permission=can_manage_surveys)
@require_http_methods(["GET", "POST"])
def survey_import_view(request: HttpRequest) -> HttpResponse:
    """Upload an XLSForm; a refused form is shown with every problem (sheet, row, column) and nothing stored."""
    problems = []
    form = SurveyImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            survey = services.survey_import(
                file=upload,
                file_name=upload.name,
                area=form.cleaned_data["area"],
                publish=form.cleaned_data["publish"],
                user=staff_user(request),
            )
        except FormRefused as refusal:
            problems = refusal.problems
            messages.error(request, str(refusal.message))
        else:
            messages.success(
                request,
                _("Imported “%(title)s” with %(count)d questions.")
                % {"title": survey.title(), "count": survey.question_count},
            )
            return redirect("staff:survey", survey_id=survey.pk)
    status = 400 if problems else 200
    return render(request, "surveys/staff_import.html", {"form": form, "problems": problems}, status=status)


@staff_required(permission=can_manage_surveys)
def survey_view(request: HttpRequest, survey_id: int) -> HttpResponse:
    """The survey question by question in one language (every deployment language can be chosen), and its rounds."""
    survey = selectors.survey_get(user=staff_user(request), survey_id=survey_id)
    offered = [code for code, _name in settings.LANGUAGES]
    language = request.GET.get("language", "")
    if language not in offered:
        language = survey.default_language if survey.default_language in offered else offered[0]
    return render(
        request,
        "surveys/staff_survey.html",
        {
            "survey": survey,
            "language": language,
            "languages": settings.LANGUAGES,
            "form_languages": survey.languages,
            "items": selectors.survey_preview(survey, language),
            "rounds": survey.rounds.order_by("-number"),
            "round_form": RoundOpenForm(),
            "indicator_form": IndicatorForm(survey=survey, language=language),
            "indicators": indicators.survey_indicators(survey, language=get_language() or language),
            "may_remove_indicators": True,  # the page's own permission: those who may add them
        },
    )


@staff_required(permission=can_manage_surveys)
@require_POST
def survey_round_open_view(request: HttpRequest, survey_id: int) -> HttpResponse:
    user = staff_user(request)
    survey = selectors.survey_get(user=user, survey_id=survey_id)
    form = RoundOpenForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("staff:survey", survey_id=survey.pk)
    try:
        survey_round = services.survey_round_open(
            survey=survey,
            actor=user,
            area=form.cleaned_data["area"],
            one_answer_per_respondent=form.cleaned_data["one_answer_per_respondent"],
        )
    except SurveyError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Round %(number)d is open.") % {"number": survey_round.number})
    return redirect("staff:survey", survey_id=survey.pk)


@staff_required(permission=can_manage_surveys)
@require_POST
def survey_round_close_view(request: HttpRequest, survey_id: int, number: int) -> HttpResponse:
    user = staff_user(request)
    survey = selectors.survey_get(user=user, survey_id=survey_id)
    survey_round = selectors.survey_round_get(user=user, survey=survey, number=number)
    try:
        services.survey_round_close(survey_round=survey_round, actor=user)
    except SurveyError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Round %(number)d is closed.") % {"number": survey_round.number})
    return redirect("staff:survey", survey_id=survey.pk)


@staff_required(permission=can_manage_surveys)
def survey_round_results_view(request: HttpRequest, survey_id: int, number: int) -> HttpResponse:
    """A round's results from the counts: shares with 95% intervals, overall, by gender, age band or area,
    or by two of them at once."""
    user = staff_user(request)
    survey = selectors.survey_get(user=user, survey_id=survey_id)
    survey_round = selectors.survey_round_get(user=user, survey=survey, number=number)
    context = results.results_context(
        survey_round,
        language=get_language() or survey.default_language,
        breakdown=request.GET.get("by", ""),
        area=request.GET.get("area", "")[:12],
    )
    items = [
        {
            "result": result,
            "table": results_html.results_table(
                result, [context["group_labels"].get(group, group) for group in result.groups[1:]]
            ),
        }
        for result in context["results"]
    ]
    return render(
        request, "surveys/staff_results.html", {"survey": survey, "round": survey_round, "items": items, **context}
    )


@staff_required(permission=can_manage_surveys)
@require_POST
def survey_results_publish_view(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Publish or withdraw the survey's results (audited)."""
    user = staff_user(request)
    survey = selectors.survey_get(user=user, survey_id=survey_id)
    published = request.POST.get("published") == "1"
    publishing.survey_results_publish(survey=survey, actor=user, published=published)
    if published:
        messages.success(request, _("The results are published."))
    else:
        messages.success(request, _("The results are no longer published."))
    return redirect("staff:survey", survey_id=survey.pk)


@staff_required(permission=can_manage_surveys)
def survey_round_export_view(request: HttpRequest, survey_id: int, number: int, file_format: str) -> HttpResponse:
    """Staff downloads of a round's aggregated results, published or not."""
    user = staff_user(request)
    survey = selectors.survey_get(user=user, survey_id=survey_id)
    survey_round = selectors.survey_round_get(user=user, survey=survey, number=number)
    return export_response(survey_round, file_format)


@staff_required(permission=can_manage_surveys)
@require_POST
def survey_indicator_add_view(request: HttpRequest, survey_id: int) -> HttpResponse:
    """Follow the share who gave one answer across the survey's rounds (audited)."""
    user = staff_user(request)
    survey = selectors.survey_get(user=user, survey_id=survey_id)
    form = IndicatorForm(request.POST, survey=survey, language=survey.default_language)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("staff:survey", survey_id=survey.pk)
    question, _sep, value = form.cleaned_data["answer"].partition("=")
    try:
        indicators.indicator_add(
            survey=survey, question=question, value=value, label=form.cleaned_data["label"], actor=user
        )
    except SurveyError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The indicator is followed across rounds."))
    return redirect("staff:survey", survey_id=survey.pk)


@staff_required(permission=can_manage_surveys)
@require_http_methods(["GET", "POST"])
def survey_indicator_remove_view(request: HttpRequest, survey_id: int, indicator_id: int) -> HttpResponse:
    """Stop following an indicator (audited), after a confirmation page."""
    user = staff_user(request)
    survey = selectors.survey_get(user=user, survey_id=survey_id)
    indicator = selectors.indicator_get(user=user, survey=survey, indicator_id=indicator_id)
    language = get_language() or survey.default_language
    if request.method == "POST":
        indicators.indicator_remove(indicator=indicator, actor=user)
        messages.success(request, _("The indicator is no longer followed."))
        return redirect("staff:survey", survey_id=survey.pk)
    label = indicators.indicator_label(survey, indicator, language)
    return render(
        request, "surveys/staff_indicator_remove.html", {"survey": survey, "indicator": indicator, "label": label}
    )
