"""A round's SMS and Telegram page in the staff workspace: its keyword, and invitations by message."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import staff_user
from ovoz.surveys import invitations, selectors
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.permissions import can_manage_surveys
from ovoz.surveys.staff_forms import InviteForm, RoundKeywordForm


@staff_required(permission=can_manage_surveys)
@require_http_methods(["GET", "POST"])
def survey_round_channels_view(request: HttpRequest, survey_id: int, number: int) -> HttpResponse:
    user = staff_user(request)
    survey = selectors.survey_get(user=user, survey_id=survey_id)
    survey_round = selectors.survey_round_get(user=user, survey=survey, number=number)
    keyword_form = RoundKeywordForm(initial={"keyword": survey_round.keyword})
    invite_form = InviteForm(initial={"language": survey.default_language})
    status = 200
    if request.method == "POST" and request.POST.get("action") == "keyword":
        keyword_form = RoundKeywordForm(request.POST)
        if keyword_form.is_valid():
            try:
                invitations.survey_round_keyword_set(
                    survey_round=survey_round, keyword=keyword_form.cleaned_data["keyword"], actor=user
                )
            except SurveyError as error:
                keyword_form.add_error("keyword", str(error.message))
            else:
                messages.success(request, _("The keyword is saved."))
                return redirect("staff:survey_round_channels", survey_id=survey.pk, number=survey_round.number)
        status = 400
    elif request.method == "POST" and request.POST.get("action") == "invite":
        invite_form = InviteForm(request.POST)
        if invite_form.is_valid():
            try:
                report = invitations.survey_invite(
                    survey_round=survey_round,
                    channel=invite_form.cleaned_data["channel"],
                    addresses=invite_form.cleaned_data["addresses"],
                    language=invite_form.cleaned_data["language"],
                    actor=user,
                )
            except SurveyError as error:
                invite_form.add_error(None, str(error.message))
            else:
                messages.success(
                    request,
                    _(
                        "Invited: %(invited)d. Not a number or chat id, or they said STOP: %(refused)d. "
                        "Already answered: %(answered)d."
                    )
                    % {"invited": report.invited, "refused": report.refused, "answered": report.already_answered},
                )
                return redirect("staff:survey_round_channels", survey_id=survey.pk, number=survey_round.number)
        status = 400
    return render(
        request,
        "surveys/staff_round_channels.html",
        {"survey": survey, "round": survey_round, "keyword_form": keyword_form, "invite_form": invite_form},
        status=status,
    )
