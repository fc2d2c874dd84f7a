"""A working group's surveys: open a round for its area, put a round's result on a meeting's agenda."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ovoz.accounts.decorators import staff_required
from ovoz.accounts.permissions import staff_user
from ovoz.groups.models import Meeting
from ovoz.groups.views.staff import group_refuse, staff_group
from ovoz.surveys import agenda
from ovoz.surveys.answering import text_in
from ovoz.surveys.errors import SurveyError
from ovoz.surveys.models import SurveyRound


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def _round_choices(rounds: list[SurveyRound], language: str) -> list[tuple[str, str]]:
    """(value "round:question:choice", label) for every choice of every select question of the rounds."""
    options = []
    for survey_round in rounds:
        survey = survey_round.survey
        for question in survey.questions:
            if question["type"] not in agenda._SELECT_TYPES:
                continue
            label = text_in(question.get("labels", {}), language, survey.default_language) or question["name"]
            for choice in question.get("choices", []):
                choice_label = text_in(choice.get("labels", {}), language, survey.default_language) or choice["name"]
                options.append(
                    (
                        f"{survey_round.pk}:{question['name']}:{choice['name']}",
                        f"{survey.title(language)} #{survey_round.number} · {label} — {choice_label}",
                    )
                )
    return options


@staff_required
@require_http_methods(["GET", "POST"])
def survey_group_view(request: HttpRequest, slug: str) -> HttpResponse:
    user = staff_user(request)
    group = staff_group(request, slug)
    if not agenda.can_use_surveys_for(user, group):
        return group_refuse(request, group)
    language = get_language() or "en"
    meetings = list(Meeting.objects.filter(working_group=group).order_by("-starts_at")[:20])
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "round_open":
                survey = agenda.surveys_openable(group).filter(pk=_int(request.POST.get("survey"))).first()
                if survey is None:
                    raise SurveyError(_("This survey cannot be opened by this group."), code="survey_not_openable")
                opened = agenda.survey_round_open_for_group(actor=user, survey=survey, group=group)
                messages.success(request, _("Round %(number)d is open.") % {"number": opened.number})
                return redirect("staff:survey_group", slug=group.slug)
            if action == "agenda_add":
                meeting = next((m for m in meetings if m.pk == _int(request.POST.get("meeting"))), None)
                round_id, _sep, rest = request.POST.get("result", "").partition(":")
                question, _sep, value = rest.partition(":")
                survey_round = agenda.group_rounds(group).filter(pk=_int(round_id)).first()
                if meeting is None or survey_round is None:
                    raise SurveyError(_("Choose a meeting and a result."), code="result_unknown")
                agenda.meeting_result_add(
                    actor=user, meeting=meeting, survey_round=survey_round, question=question, value=value
                )
                messages.success(request, _("Added to the agenda."))
                return redirect("staff:group_meeting", slug=group.slug, meeting_id=meeting.pk)
            messages.error(request, _("This cannot be done here."))
        except SurveyError as error:
            messages.error(request, str(error.message))
    rounds = list(agenda.group_rounds(group)[:20])
    context = {
        "group": group,
        "surveys": agenda.surveys_openable(group),
        "rounds": rounds,
        "meetings": meetings,
        "chosen_meeting": _int(request.GET.get("meeting")),
        "results": _round_choices(rounds, language),
    }
    return render(request, "surveys/staff_group.html", context, status=400 if request.method == "POST" else 200)
