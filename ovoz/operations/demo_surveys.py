"""The demo's survey: a short community safety survey in Uzbek, Russian and English for the demo
group's area, with two closed rounds and an open third one, answered by synthetic respondents so
the results show change by gender and age (issue 16), in public too (the public sees closed rounds
only: two of them make a trend)."""

from __future__ import annotations

import random
from io import BytesIO

from openpyxl import Workbook

from ovoz.groups.models import WorkingGroup
from ovoz.places.models import Area
from ovoz.surveys.choices import ResponseChannel
from ovoz.surveys.indicators import indicator_add
from ovoz.surveys.models import Survey
from ovoz.surveys.services import response_submit, survey_import, survey_round_close, survey_round_open

DEMO_SURVEY_SLUG = "demo-community-safety"
LABELS = (
    "label::English (en)",
    "label::Russian (ru)",
    "label::Uzbek (uz)",
    "label::Tajik (tg)",
    "label::Kyrgyz (ky)",
    "label::Kazakh (kk)",
    "label::Karakalpak (kaa)",
)
SURVEY_ROWS = [
    (
        "begin_group",
        "respondent",
        "",
        ("About you", "О вас", "Siz haqingizda", "Дар бораи шумо", "Сиз жөнүндө", "Сіз туралы", "Siz haqqıńızda"),
    ),
    ("select_one gender", "gender", "gender", ("Are you…", "Вы…", "Siz…", "Шумо…", "Сиз…", "Сіз…", "Siz…")),
    (
        "integer",
        "age",
        "age",
        (
            "How old are you?",
            "Сколько вам лет?",
            "Yoshingiz nechada?",
            "Шумо чандсолаед?",
            "Канча жаштасыз?",
            "Жасыңыз нешеде?",
            "Jasıńız neshede?",
        ),
    ),
    ("end_group", "", "", ("",) * len(LABELS)),
    (
        "begin_group",
        "safety",
        "",
        ("Safety", "Безопасность", "Xavfsizlik", "Амният", "Коопсуздук", "Қауіпсіздік", "Qáwipsizlik"),
    ),
    (
        "select_one yes_no",
        "safe_night",
        "",
        (
            "Do you feel safe outside after dark?",
            "Чувствуете ли вы себя в безопасности на улице вечером?",
            "Qorong'ida ko'chada o'zingizni xavfsiz his qilasizmi?",
            "Оё шумо баъд аз торик шудан дар кӯча худро бехатар ҳис мекунед?",
            "Караңгы киргенде көчөдө өзүңүздү коопсуз сезесизби?",
            "Қараңғы түскенде көшеде өзіңізді қауіпсіз сезінесіз бе?",
            "Qarańǵı túskende kóshede ózińizdi qáwipsiz sezesiz be?",
        ),
    ),
    (
        "select_one yes_no",
        "violence_home",
        "sensitive",
        (
            "Has anyone in your household faced violence at home this year?",
            "Сталкивался ли кто-то в вашей семье с насилием дома в этом году?",
            "Bu yil oilangizda kimdir uyda zo'ravonlikka duch keldimi?",
            "Оё имсол касе аз аҳли хонаводаи шумо дар хона ба зӯроварӣ дучор шудааст?",
            "Быйыл үй-бүлөңүздөн кимдир үйдө зомбулукка кабылдыбы?",
            "Биыл отбасыңыздан біреу үйде зорлық-зомбылыққа тап болды ма?",
            "Bıyıl shańaraǵıńızdan birew úyde zorlıqqa ushıradı ma?",
        ),
    ),
    (
        "select_one yes_no",
        "trust_police",
        "",
        (
            "Would you report a crime to the police?",
            "Сообщили бы вы о преступлении в милицию?",
            "Jinoyat haqida militsiyaga xabar berarmidingiz?",
            "Оё шумо дар бораи ҷиноят ба милиса хабар медодед?",
            "Кылмыш жөнүндө милицияга кабарлайт белеңиз?",
            "Қылмыс туралы полицияға хабарлар ма едіңіз?",
            "Jinayat haqqında miliciyaǵa xabar berer me edińiz?",
        ),
    ),
    ("end_group", "", "", ("",) * len(LABELS)),
]
CHOICES = [
    ("gender", "female", ("a woman", "женщина", "ayol", "зан", "аял", "әйел", "hayal")),
    ("gender", "male", ("a man", "мужчина", "erkak", "мард", "эркек", "ер адам", "erkek")),
    ("yes_no", "yes", ("Yes", "Да", "Ha", "Ҳа", "Ооба", "Иә", "Awa")),
    ("yes_no", "no", ("No", "Нет", "Yo'q", "Не", "Жок", "Жоқ", "Yaq")),
]
# (round, respondents, chance of "yes" for safe_night, violence_home and trust_police): things improve.
ROUNDS = [(1, 120, (0.45, 0.38, 0.30)), (2, 140, (0.58, 0.29, 0.41)), (3, 50, (0.62, 0.26, 0.45))]


def demo_survey_workbook() -> bytes:
    book = Workbook()
    survey = book.create_sheet("survey")
    book.remove(book.worksheets[0])
    survey.append(["type", "name", *LABELS, "required", "ovoz::mark"])
    for kind, name, mark, labels in SURVEY_ROWS:
        asked = kind.startswith(("select", "integer"))
        survey.append(
            [kind, name or None, *(label or None for label in labels), "yes" if asked else None, mark or None]
        )
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", *LABELS])
    for list_name, name, labels in CHOICES:
        choices.append([list_name, name, *labels])
    settings = book.create_sheet("settings")
    titles = {
        "Uzbek (uz)": "Jizzax: jamoat xavfsizligi (demo)",
        "Russian (ru)": "Джизак: безопасность сообщества (демо)",
        "English (en)": "Jizzakh community safety (demo)",
        "Tajik (tg)": "Ҷиззах: амнияти ҷамоат (намуна)",
        "Kyrgyz (ky)": "Жизак: коомдук коопсуздук (демо)",
        "Kazakh (kk)": "Жызақ: қоғамдық қауіпсіздік (демо)",
        "Karakalpak (kaa)": "Jizzax: jámiyet qáwipsizligi (demo)",
    }
    settings.append([*(f"form_title::{language}" for language in titles), "form_id", "version", "default_language"])
    settings.append([*titles.values(), DEMO_SURVEY_SLUG, "1", "Uzbek (uz)"])
    output = BytesIO()
    book.save(output)
    return output.getvalue()


def demo_surveys_load(*, area: Area, group: WorkingGroup) -> int:
    """Import the demo survey and answer its rounds (the last one stays open); returns the responses made
    (0 when the demo survey is already there)."""
    if Survey.objects.filter(slug=DEMO_SURVEY_SLUG).exists():
        return 0
    survey = survey_import(file=demo_survey_workbook(), file_name="demo.xlsx", area=area, publish=True)
    # The demo publishes its results: /<lang>/surveys/<slug>/results/ shows them.
    Survey.objects.filter(pk=survey.pk).update(group=group, organisation=group.name, results_published=True)
    rng = random.Random(16)  # noqa: S311 (synthetic demo answers)
    made = 0
    for number, respondents, chances in ROUNDS:
        survey_round = survey_round_open(survey=survey, actor=None)
        for index in range(respondents):
            gender = rng.choice(["female", "male"])
            answers: dict[str, object] = {"gender": gender, "age": str(rng.randint(16, 75))}
            for question, chance in zip(("safe_night", "violence_home", "trust_police"), chances, strict=True):
                # Women answer the safety questions less often "yes" after dark.
                adjusted = chance - 0.1 if gender == "female" and question == "safe_night" else chance
                answers[question] = "yes" if rng.random() < adjusted else "no"
            response_submit(
                survey_round=survey_round,
                channel=rng.choice([ResponseChannel.WEB, ResponseChannel.ENUMERATOR]),
                submission_key=f"demo-{number}-{index}",
                answers=answers,
                language=rng.choice(["uz", "ru"]),
            )
            made += 1
        if number < len(ROUNDS):
            survey_round_close(survey_round=survey_round, actor=None)
    indicator_add(survey=survey, question="safe_night", value="yes", label="", actor=None)
    return made
