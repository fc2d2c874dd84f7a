"""Published results in public: ``/<lang>/surveys/<slug>/results/`` (issue 16). Counts and shares
from ``ResultCount`` only, small counts suppressed, sensitive questions overall only; an unpublished
survey is a 404. Works without JavaScript: the charts are SVG drawn by the server."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from ovoz.surveys import charts, exports, indicators, publishing, results
from ovoz.surveys import render as results_html
from ovoz.surveys.models import SurveyRound


def _round_number(request: HttpRequest) -> int | None:
    raw = request.GET.get("round", "")
    return int(raw) if raw.isdigit() and len(raw) < 6 else None


@require_GET
def survey_results_view(request: HttpRequest, survey_slug: str) -> HttpResponse:
    survey = publishing.published_survey_get(slug=survey_slug)
    survey_round = publishing.published_round(survey, _round_number(request))
    language = get_language() or survey.default_language
    context = results.results_context(
        survey_round, language=language, breakdown=request.GET.get("by", ""), area=request.GET.get("area", "")[:12]
    )
    rounds = list(publishing.published_rounds(survey).order_by("number").values_list("number", flat=True))
    return render(
        request,
        "surveys/public_results.html",
        {
            "survey": survey,
            "round": survey_round,
            "rounds": rounds,
            "indicators": indicators.survey_indicators(survey, language=language, closed_only=True),
            "items": [
                {
                    "result": result,
                    "chart": results_html.svg_bars(charts.bar_chart(result), f"r-{result.name}"),
                    "table": results_html.results_table(
                        result, [context["group_labels"].get(group, group) for group in result.groups[1:]]
                    ),
                }
                for result in context["results"]
            ],
            **context,
        },
    )


def export_response(survey_round: SurveyRound, file_format: str) -> HttpResponse:
    """A round's aggregated results as a download (CSV with Kobo column names, XLSX, HXL CSV)."""
    if file_format not in exports.FORMATS:
        raise Http404
    language = get_language() or survey_round.survey.default_language
    body = exports.export(survey_round, file_format=file_format, language=language)
    response = HttpResponse(body, content_type=exports.FORMATS[file_format])
    name = f"{survey_round.survey.slug}-round-{survey_round.number}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def survey_results_export_view(request: HttpRequest, survey_slug: str, number: int, file_format: str) -> HttpResponse:
    """Public downloads: only for a survey whose results are published."""
    survey = publishing.published_survey_get(slug=survey_slug)
    return export_response(publishing.published_round(survey, number), file_format)
