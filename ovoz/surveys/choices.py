"""The surveys app's vocabulary: question types, marks, round states, answering channels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionType(models.TextChoices):
    """The XLSForm types Ovoz runs (issue 16); a form with any other type is refused."""

    TEXT = "text", _("text")
    INTEGER = "integer", _("whole number")
    DECIMAL = "decimal", _("decimal number")
    SELECT_ONE = "select_one", _("one choice")
    SELECT_MULTIPLE = "select_multiple", _("several choices")
    DATE = "date", _("date")
    GEOPOINT = "geopoint", _("location")
    NOTE = "note", _("note")
    CALCULATE = "calculate", _("calculation")
    BEGIN_GROUP = "begin_group", _("group starts")
    END_GROUP = "end_group", _("group ends")
    BEGIN_REPEAT = "begin_repeat", _("repeat starts")
    END_REPEAT = "end_repeat", _("repeat ends")


# Types that hold an answer (a note shows text; group and repeat markers only structure the form).
ANSWERED_TYPES = frozenset(
    {
        QuestionType.TEXT,
        QuestionType.INTEGER,
        QuestionType.DECIMAL,
        QuestionType.SELECT_ONE,
        QuestionType.SELECT_MULTIPLE,
        QuestionType.DATE,
        QuestionType.GEOPOINT,
        QuestionType.CALCULATE,
    }
)


class Mark(models.TextChoices):
    """What a question tells the results (the ``ovoz::mark`` column): the respondent's gender, age or
    area, for disaggregation, or that its answers are sensitive (only ever shown aggregated)."""

    GENDER = "gender", _("gender")
    AGE = "age", _("age")
    AREA = "area", _("area")
    SENSITIVE = "sensitive", _("sensitive")


class RoundState(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class ResponseChannel(models.TextChoices):
    WEB = "web", _("web")
    SMS = "sms", _("SMS")
    TELEGRAM = "telegram", _("Telegram")
    ENUMERATOR = "enumerator", _("enumerator")
    IMPORT = "import", _("imported")
