"""Region and district selects list areas in the alphabetical order of the reader's language."""

from html.parser import HTMLParser

import pytest
from django.test import Client

from ovoz.accounts.choices import DeploymentRole
from ovoz.accounts.tests.factories import UserFactory
from ovoz.places.models import Area
from ovoz.testing.web import sign_in

pytestmark = pytest.mark.django_db


class _SelectParser(HTMLParser):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name, self.inside, self.group = name, False, ""
        self.text: str | None = None
        self.groups: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "select":
            self.inside = attributes.get("name") == self.name
        elif self.inside and tag == "optgroup":
            self.group = attributes.get("label") or ""
        elif self.inside and tag == "option" and attributes.get("value"):
            self.text = ""

    def handle_data(self, data):
        if self.text is not None:
            self.text += data

    def handle_endtag(self, tag):
        if tag == "option" and self.text is not None:
            self.groups.setdefault(self.group, []).append(self.text.strip())
            self.text = None
        elif tag == "optgroup":
            self.group = ""
        elif tag == "select":
            self.inside = False


def select_options(html: str, name: str) -> dict[str, list[str]]:
    """The options of the select ``name`` by optgroup label, in page order ("" for those outside a group)."""
    parser = _SelectParser(name)
    parser.feed(html)
    return parser.groups


def test_kazakh_lists_қ_after_к_and_ө_ұ_ү_after_о_у(client, seeded):
    groups = select_options(client.get("/kk/report/").content.decode(), "region")
    assert list(groups) == ["Қазақстан", "Қырғызстан", "Өзбекстан", "Тәжікстан", "Түрікменстан"]
    assert groups["Қазақстан"] == [
        "Абай облысы",
        "Ақмола облысы",
        "Ақтөбе облысы",
        "Алматы қаласы",
        "Алматы облысы",
        "Астана қаласы",
        "Атырау облысы",
        "Батыс Қазақстан облысы",
        "Жамбыл облысы",
        "Жетісу облысы",
        "Қарағанды облысы",
        "Қостанай облысы",
        "Қызылорда облысы",
        "Маңғыстау облысы",
        "Павлодар облысы",
        "Солтүстік Қазақстан облысы",
        "Түркістан облысы",
        "Ұлытау облысы",
        "Шығыс Қазақстан облысы",
        "Шымкент қаласы",
    ]
    assert groups["Өзбекстан"] == [
        "Әндіжан облысы",
        "Бұхара облысы",
        "Жизақ облысы",
        "Қарақалпақстан Республикасы",
        "Қашқадария облысы",
        "Наманган облысы",
        "Науаи облысы",
        "Самарқанд облысы",
        "Сурхандария облысы",
        "Сырдария облысы",
        "Ташкент қаласы",
        "Ташкент облысы",
        "Ферғана облысы",
        "Хорезм облысы",
    ]


def test_kyrgyz_lists_ө_after_о_and_ү_after_у(client, seeded):
    groups = select_options(client.get("/ky/report/").content.decode(), "region")
    assert list(groups) == ["Казакстан", "Кыргызстан", "Өзбекстан", "Тажикстан", "Түркмөнстан"]
    assert groups["Казакстан"] == [
        "Абай облусу",
        "Акмола облусу",
        "Актөбө облусу",
        "Алматы облусу",
        "Алматы шаары",
        "Астана шаары",
        "Атырау облусу",
        "Батыш Казакстан облусу",
        "Жамбыл облусу",
        "Жетисуу облусу",
        "Караганды облусу",
        "Костанай облусу",
        "Кызылорда облусу",
        "Маңгыстау облусу",
        "Павлодар облусу",
        "Түндүк Казакстан облусу",
        "Түркстан облусу",
        "Улытау облусу",
        "Чыгыш Казакстан облусу",
        "Шымкент шаары",
    ]
    assert groups["Кыргызстан"] == [
        "Баткен облусу",
        "Бишкек шаары",
        "Жалал-Абад облусу",
        "Нарын облусу",
        "Ош облусу",
        "Ош шаары",
        "Талас облусу",
        "Чүй облусу",
        "Ысык-Көл облусу",
    ]


def test_tajik_lists_қ_after_к_ӯ_after_у_and_ҷ_after_ч(client, seeded):
    groups = select_options(client.get("/tg/report/").content.decode(), "region")
    assert list(groups) == ["Қазоқистон", "Қирғизистон", "Тоҷикистон", "Туркманистон", "Ӯзбекистон"]
    assert groups["Ӯзбекистон"] == [
        "Вилояти Андиҷон",
        "Вилояти Бухоро",
        "Вилояти Қашқадарё",
        "Вилояти Навоӣ",
        "Вилояти Намангон",
        "Вилояти Самарқанд",
        "Вилояти Сирдарё",
        "Вилояти Сурхондарё",
        "Вилояти Тошкент",
        "Вилояти Фарғона",
        "Вилояти Хоразм",
        "Вилояти Ҷиззах",
        "Ҷумҳурии Қарақалпоқистон",
        "Шаҳри Тошкент",
    ]
    assert groups["Тоҷикистон"] == [
        "Вилояти Мухтори Кӯҳистони Бадахшон",
        "Вилояти Суғд",
        "Вилояти Хатлон",
        "Ноҳияҳои тобеи ҷумҳурӣ",
        "Шаҳри Душанбе",
    ]


def test_uzbek_lists_oʻ_gʻ_sh_ch_after_z(client, seeded):
    groups = select_options(client.get("/uz/report/").content.decode(), "region")
    assert list(groups) == ["Qirgʻiziston", "Qozogʻiston", "Tojikiston", "Turkmaniston", "Oʻzbekiston"]
    assert groups["Qirgʻiziston"] == [
        "Bishkek shahri",
        "Botken viloyati",
        "Issiqkoʻl viloyati",
        "Jalolobod viloyati",
        "Norin viloyati",
        "Talas viloyati",
        "Oʻsh viloyati",
        "Oʻsh shahri",  # v before sh
        "Chuy viloyati",
    ]
    assert groups["Qozogʻiston"] == [
        "Abay viloyati",
        "Aqmola viloyati",
        "Aqtoʻbe viloyati",
        "Astana shahri",
        "Atirau viloyati",
        "Jambil viloyati",
        "Mangʻistau viloyati",
        "Olmaota viloyati",
        "Olmaota shahri",  # v before sh
        "Pavlodar viloyati",
        "Qaragʻandi viloyati",
        "Qiziloʻrda viloyati",
        "Qostanay viloyati",
        "Turkiston viloyati",
        "Ulitau viloyati",
        "Yettisuv viloyati",
        "Gʻarbiy Qozogʻiston viloyati",
        "Sharqiy Qozogʻiston viloyati",
        "Shimoliy Qozogʻiston viloyati",
        "Chimkent shahri",
    ]
    assert groups["Oʻzbekiston"][-3:] == ["Toshkent viloyati", "Toshkent shahri", "Xorazm viloyati"]


def test_district_select_follows_the_alphabet_of_the_reader(client, seeded):
    jizzakh = Area.objects.get(code="UZ-JI")
    for uz, ru in [
        ("Zomin tumani", "Зааминский район"),
        ("Gʻallaorol tumani", "Галляаральский район"),
        ("Sharof Rashidov tumani", "Шараф-Рашидовский район"),
        ("Arnasoy tumani", "Арнасайский район"),
        ("Jizzax shahri", "город Джизак"),
    ]:
        Area.objects.create(parent=jizzakh, kind="district", name=uz, names={"uz": uz, "ru": ru})
    html = client.post("/uz/report/", {"region": jizzakh.pk, "show_districts": "1"}).content.decode()
    assert select_options(html, "district")[""] == [
        "Arnasoy tumani",
        "Jizzax shahri",
        "Zomin tumani",
        "Gʻallaorol tumani",
        "Sharof Rashidov tumani",
    ]


def test_public_and_staff_region_filters_use_the_same_order(client, seeded):
    public = select_options(client.get("/kk/concerns/").content.decode(), "region")
    assert list(public) == ["Қазақстан", "Қырғызстан", "Өзбекстан", "Тәжікстан", "Түрікменстан"]
    staff = Client()
    sign_in(staff, UserFactory(username="coordinator", role=DeploymentRole.COORDINATOR))
    staff.cookies["ovoz_language"] = "kk"
    groups = select_options(staff.get("/staff/concerns/").content.decode(), "region")
    assert groups == public
