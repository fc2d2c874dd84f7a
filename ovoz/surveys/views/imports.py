"""Importing KoboToolbox answers into a round from the staff workspace (a CSV or XLSX export)."""

from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import staff_user
from ovoz.surveys import selectors
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.imports import AnswersRefused, ImportProblem, survey_answers_import
from ovoz.surveys.kobo import KoboImportError, read_kobo_csv, read_kobo_xlsx
from ovoz.surveys.permissions import can_manage_surveys

MAX_PROBLEMS_SHOWN = 500


class AnswersImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("KoboToolbox data export (.csv or .xlsx)"),
        help_text=gettext_lazy("Exported with “XML values and headers”, not labels."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if PurePath(upload.name).suffix.lower() not in (".csv", ".xlsx"):
            raise forms.ValidationError(gettext_lazy("Choose a .csv or .xlsx export."), code="file_type")
        return upload


@staff_required(permission=can_manage_surveys)
@require_http_methods(["GET", "POST"])
def survey_answers_import_view(request: HttpRequest, survey_id: int, number: int) -> HttpResponse:
    """Upload a KoboToolbox export into an open round: all or nothing, every problem listed by row."""
    user = staff_user(request)
    survey = selectors.survey_get(user=user, survey_id=survey_id)
    survey_round = selectors.survey_round_get(user=user, survey=survey, number=number)
    form = AnswersImportForm(request.POST or None, request.FILES or None)
    problems: list[ImportProblem] = []
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        is_csv = PurePath(upload.name).suffix.lower() == ".csv"
        try:
            submissions = read_kobo_csv(upload) if is_csv else read_kobo_xlsx(upload)
            result = survey_answers_import(
                survey_round=survey_round, submissions=submissions, actor=user, source="csv" if is_csv else "xlsx"
            )
        except KoboImportError as error:
            messages.error(request, str(error))
            status = 400
        except AnswersRefused as refusal:
            problems = refusal.problems
            messages.error(request, str(refusal.message))
            status = 400
        except SurveyError as error:
            messages.error(request, str(error.message))
            status = 400
        else:
            messages.success(
                request,
                _("Imported %(stored)d responses; %(already)d were already in this round.")
                % {"stored": result.stored, "already": result.already},
            )
            return redirect("staff:survey", survey_id=survey.pk)
    return render(
        request,
        "surveys/staff_answers_import.html",
        {
            "survey": survey,
            "round": survey_round,
            "form": form,
            "problems": problems[:MAX_PROBLEMS_SHOWN],
            "problems_hidden": max(0, len(problems) - MAX_PROBLEMS_SHOWN),
        },
        status=status,
    )
