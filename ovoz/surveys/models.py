"""Surveys from XLSForms, their rounds, the answers, and the counts results read (issue 16).

No phone number, chat id or other contact is stored with a survey's answers: respondents are
anonymous. Where an organisation asks for one answer per respondent, a keyed hash of the channel's
identity is kept on the response while the round is open, and dropped when it closes.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ovoz.core.models import TimeStampedModel
from ovoz.surveys.choices import ANSWERED_TYPES, Mark, QuestionType, ResponseChannel, RoundState

# ResultCount keys never hold NULL, so the unique key holds on every database: 0 is "no area given".
NO_AREA = 0
MAX_FORM_BYTES = 5 * 1024 * 1024
# The questions a respondent answers (a calculation is worked out, a note only read).
ASKED_TYPES = frozenset(str(question_type) for question_type in ANSWERED_TYPES - {QuestionType.CALCULATE})


class Survey(TimeStampedModel):
    """An imported XLSForm: the workbook as uploaded, and the definition Ovoz runs, made at import.

    ``definition`` is a JSON object (``ovoz.surveys.definition`` builds and reads it)::

        {"form_id": ..., "version": ..., "default_language": "ru", "languages": ["ru", "tg", ...],
         "questions": [{"name", "type", "labels": {lang: text}, "hints": {...}, "choices": [{"name",
         "labels"}], "list_name", "required": bool, "required_source", "required_messages",
         "relevant", "constraint", "constraint_messages": {lang: text}, "calculation",
         "group": ["section", ...], "in_repeat": bool, "mark": "gender"|"age"|"area"|"sensitive"|"",
         "appearance", "row": 7}, ...]}

    in the form's order, begin/end group and repeat rows included (their ``type`` says so).
    """

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    titles = models.JSONField(_("titles"), default=dict, help_text=_("The title by language code."))
    default_language = models.CharField(_("default language"), max_length=8)
    form_id = models.CharField(_("form id"), max_length=120, blank=True)
    version = models.CharField(_("form version"), max_length=120, blank=True)
    source_name = models.CharField(_("file name"), max_length=200, blank=True)
    source_xlsx = models.BinaryField(_("XLSForm workbook"), editable=False)
    definition = models.JSONField(_("form definition"), default=dict, editable=False)
    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
        help_text=_("Where it is asked; empty for the whole deployment."),
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    group = models.ForeignKey(
        "groups.WorkingGroup",
        verbose_name=_("working group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
        help_text=_("The working group that owns it, if any."),
    )
    is_published = models.BooleanField(
        _("published"), default=False, help_text=_("Open rounds can be answered and results shown in public.")
    )
    results_published = models.BooleanField(
        _("results published"),
        default=False,
        help_text=_("The results of its rounds are shown in public, on the web, in the API and as downloads."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title()

    def title(self, language: str | None = None) -> str:
        """The title in ``language`` (the active one by default), else the form's default language."""
        language = language or get_language() or self.default_language
        return str(self.titles.get(language) or self.titles.get(self.default_language) or self.slug)

    @property
    def languages(self) -> list[str]:
        return list(self.definition.get("languages", [self.default_language]))

    @property
    def questions(self) -> list[dict[str, Any]]:
        return list(self.definition.get("questions", []))

    @property
    def question_count(self) -> int:
        """Questions that take an answer from the respondent (calculations and notes left out)."""
        return sum(1 for question in self.questions if question["type"] in ASKED_TYPES)

    def question_named(self, mark: Mark) -> str | None:
        """The name of the question carrying ``mark`` (gender, age, area), if the form marks one."""
        return next((question["name"] for question in self.questions if question.get("mark") == mark), None)


class SurveyRound(TimeStampedModel):
    """One collection of answers to a survey, e.g. "Bokhtar, spring 2027": results are per round, and
    indicators compare rounds."""

    survey = models.ForeignKey(Survey, verbose_name=_("survey"), on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("number"))
    state = models.CharField(_("state"), max_length=16, choices=RoundState.choices, default=RoundState.DRAFT)
    opens_at = models.DateTimeField(_("opened"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closed"), null=True, blank=True)
    area = models.ForeignKey(
        "places.Area",
        verbose_name=_("area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_rounds",
        help_text=_("Where this round is asked; empty for the survey's own area."),
    )
    group = models.ForeignKey(
        "groups.WorkingGroup",
        verbose_name=_("working group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_rounds",
    )
    one_answer_per_respondent = models.BooleanField(
        _("one answer per respondent"),
        default=False,
        help_text=_("Keeps a keyed hash of each respondent's channel identity until the round closes."),
    )

    # The word a respondent texts (SMS) or writes (Telegram) to answer this round there: stored
    # casefolded, unique among open rounds (docs/surveys.md, "Answering by SMS and on Telegram").
    keyword = models.CharField(_("keyword"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")
        ordering = ["survey", "number"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "number"], name="survey_round_number_unique"),
            models.UniqueConstraint(
                fields=["keyword"],
                condition=models.Q(state=RoundState.OPEN) & ~models.Q(keyword=""),
                name="survey_round_keyword_open_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.state == RoundState.OPEN


class Response(models.Model):
    """One respondent's answers in a round, on one channel.

    ``submission_key`` makes every submission idempotent: a web form posted twice, an SMS redelivered
    or an enumerator's phone syncing again finds the response it already made. Gender, age band and
    area are copied from the marked questions when the response completes, for disaggregation.
    """

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="responses")
    channel = models.CharField(max_length=16, choices=ResponseChannel.choices)
    submission_key = models.CharField(max_length=64)
    respondent_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (NULLs never collide)
    language = models.CharField(max_length=8, blank=True)
    started_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    gender = models.CharField(max_length=16, blank=True)
    age_band = models.CharField(max_length=16, blank=True)
    area = models.ForeignKey("places.Area", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "submission_key"], name="survey_response_submission_unique"),
            models.UniqueConstraint(
                fields=["round", "respondent_hash"],
                condition=models.Q(respondent_hash__isnull=False),
                name="survey_response_one_per_respondent",
            ),
        ]
        indexes = [models.Index(fields=["round", "completed_at"], name="survey_response_completed")]

    def __str__(self) -> str:
        return f"response {self.pk} to {self.round_id}"


class Answer(models.Model):
    """The answer to one question: ``value`` is a string, a number (decimals as strings), an ISO date,
    a list of choice names (select_multiple), ``[lat, lon]`` rounded (geopoint), or for a question
    inside a repeat, a list with one such value per repetition."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.CharField(max_length=120)
    value = models.JSONField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="survey_answer_one_per_question")]

    def __str__(self) -> str:
        return f"{self.question}={self.value!r}"


class ResultCount(models.Model):
    """Completed responses per round, question, answer value and the respondent's gender, age band and
    area (empty / NO_AREA when not given): results and indicators read these, never the answers, so
    their cost does not grow with the number of responses (DESIGN §7). A select_multiple answer counts
    once under each choice; a question's respondents are counted under ``value`` "" (empty) as well,
    so shares have their denominator in the same table."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="result_counts")
    question = models.CharField(max_length=120)
    value = models.CharField(max_length=200, blank=True)
    gender = models.CharField(max_length=16, blank=True)
    age_band = models.CharField(max_length=16, blank=True)
    area_key = models.BigIntegerField(default=NO_AREA)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "question", "value", "gender", "age_band", "area_key"],
                name="survey_result_one_row_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id} {self.question}={self.value}: {self.count}"


class ChannelAnswering(models.Model):
    """A survey being answered one question per message on an SMS or Telegram conversation.

    The conversation holds the way back to the respondent (their number or chat id, encrypted); this
    row holds where they are and the answers so far (encrypted), and is deleted when the response is
    stored, when they say STOP, or by the daily retention run once untouched for a day. The response
    itself never links to the conversation.
    """

    conversation = models.OneToOneField("channels.Conversation", on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    # The index in the survey's definition of the question waiting for an answer.
    position = models.PositiveIntegerField(default=0)
    answers_ciphertext = models.BinaryField(null=True)
    submission_key = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"answering {self.pk} of {self.round_id}"


class SurveyDraft(models.Model):
    """A survey being answered page by page on the web form or by an enumerator online (issue 16).

    The answers so far are sealed (``core.crypto.seal_with_secret``) under a 256-bit secret that lives
    only in a cookie on the respondent's device; the row keeps a keyed hash of that secret to be found,
    so the database and the server's secrets together open nothing without the device. Deleted when the
    response is stored, when the round closes, and by the daily retention run once untouched for a day
    (``surveys.drafts``). ``user`` is the enumerator who keeps it (none on the public form).
    """

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="+")
    finder = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ciphertext = models.BinaryField()
    updated_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"draft {self.pk} of {self.round_id}"


__all__ = [
    "Answer",
    "ChannelAnswering",
    "Mark",
    "ResponseChannel",
    "ResultCount",
    "RoundState",
    "Survey",
    "SurveyDraft",
    "SurveyRound",
    "Response",
]

from ovoz.surveys.indicator_models import Indicator  # noqa: E402 (a model of this app, in its own module)

__all__ += ["Indicator"]


class MeetingResult(models.Model):
    """A survey result on a working group's meeting agenda, next to its concerns: the share of a round's
    respondents who chose ``value`` for ``question`` (read from ``ResultCount`` whenever it is shown)."""

    meeting = models.ForeignKey("groups.Meeting", on_delete=models.CASCADE, related_name="survey_results")
    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="meeting_results")
    question = models.CharField(max_length=120)
    value = models.CharField(max_length=200)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "round", "question", "value"], name="survey_meeting_result_once_per_meeting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.round_id} {self.question}={self.value}"


class Enumerator(models.Model):
    """A staff user who collects answers for surveys and may do nothing else in the staff workspace: no
    deployment role and no group grant is needed or implied (``permissions.can_collect_answers``)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enumerator")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"enumerator {self.user_id}"
