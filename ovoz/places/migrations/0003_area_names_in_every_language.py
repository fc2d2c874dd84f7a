"""Names of the seeded countries and regions in every interface language (issue 14).

Until now only a region's own country's language had names (uz 14, kk 20, ky 9, tg 5 of 54 regions),
so every other interface fell back to Russian, and four names were not in the usual form. This fills
the missing names and replaces those four where a database still has them as Ovoz shipped them;
names an administrator set are kept. A new database gets the same names from ``ovoz seed``
(``places/data/areas.json``); the names are copied here so the migration never changes with that file.
"""

from django.db import migrations

# fmt: off
NAMES = {
    "KZ": {"en": "Kazakhstan", "ru": "Казахстан", "uz": "Qozogʻiston", "kaa": "Qazaqstan", "tg": "Қазоқистон", "ky": "Казакстан", "kk": "Қазақстан"},
    "KG": {"en": "Kyrgyzstan", "ru": "Кыргызстан", "uz": "Qirgʻiziston", "kaa": "Qırǵızstan", "tg": "Қирғизистон", "ky": "Кыргызстан", "kk": "Қырғызстан"},
    "TJ": {"en": "Tajikistan", "ru": "Таджикистан", "uz": "Tojikiston", "kaa": "Tájikstan", "tg": "Тоҷикистон", "ky": "Тажикстан", "kk": "Тәжікстан"},
    "TM": {"en": "Turkmenistan", "ru": "Туркменистан", "uz": "Turkmaniston", "kaa": "Túrkmenstan", "tg": "Туркманистон", "ky": "Түркмөнстан", "kk": "Түрікменстан"},
    "UZ": {"en": "Uzbekistan", "ru": "Узбекистан", "uz": "Oʻzbekiston", "kaa": "Ózbekstan", "tg": "Ӯзбекистон", "ky": "Өзбекстан", "kk": "Өзбекстан"},
    "KZ-10": {"en": "Abai Region", "ru": "Абайская область", "uz": "Abay viloyati", "kaa": "Abay wálayatı", "tg": "Вилояти Абай", "ky": "Абай облусу", "kk": "Абай облысы"},
    "KZ-11": {"en": "Akmola Region", "ru": "Акмолинская область", "uz": "Aqmola viloyati", "kaa": "Aqmola wálayatı", "tg": "Вилояти Ақмола", "ky": "Акмола облусу", "kk": "Ақмола облысы"},
    "KZ-15": {"en": "Aktobe Region", "ru": "Актюбинская область", "uz": "Aqtoʻbe viloyati", "kaa": "Aqtóbe wálayatı", "tg": "Вилояти Ақтӯбе", "ky": "Актөбө облусу", "kk": "Ақтөбе облысы"},
    "KZ-19": {"en": "Almaty Region", "ru": "Алматинская область", "uz": "Olmaota viloyati", "kaa": "Almatı wálayatı", "tg": "Вилояти Алмаато", "ky": "Алматы облусу", "kk": "Алматы облысы"},
    "KZ-23": {"en": "Atyrau Region", "ru": "Атырауская область", "uz": "Atirau viloyati", "kaa": "Atıraw wálayatı", "tg": "Вилояти Атирау", "ky": "Атырау облусу", "kk": "Атырау облысы"},
    "KZ-27": {"en": "West Kazakhstan Region", "ru": "Западно-Казахстанская область", "uz": "Gʻarbiy Qozogʻiston viloyati", "kaa": "Batıs Qazaqstan wálayatı", "tg": "Вилояти Қазоқистони Ғарбӣ", "ky": "Батыш Казакстан облусу", "kk": "Батыс Қазақстан облысы"},
    "KZ-31": {"en": "Zhambyl Region", "ru": "Жамбылская область", "uz": "Jambil viloyati", "kaa": "Jambıl wálayatı", "tg": "Вилояти Ҷамбул", "ky": "Жамбыл облусу", "kk": "Жамбыл облысы"},
    "KZ-33": {"en": "Jetisu Region", "ru": "Жетысуская область", "uz": "Yettisuv viloyati", "kaa": "Jetisuw wálayatı", "tg": "Вилояти Ҷетису", "ky": "Жетисуу облусу", "kk": "Жетісу облысы"},
    "KZ-35": {"en": "Karaganda Region", "ru": "Карагандинская область", "uz": "Qaragʻandi viloyati", "kaa": "Qaraǵandı wálayatı", "tg": "Вилояти Қарағанда", "ky": "Караганды облусу", "kk": "Қарағанды облысы"},
    "KZ-39": {"en": "Kostanay Region", "ru": "Костанайская область", "uz": "Qostanay viloyati", "kaa": "Qostanay wálayatı", "tg": "Вилояти Қостанай", "ky": "Костанай облусу", "kk": "Қостанай облысы"},
    "KZ-43": {"en": "Kyzylorda Region", "ru": "Кызылординская область", "uz": "Qiziloʻrda viloyati", "kaa": "Qızılorda wálayatı", "tg": "Вилояти Қизилӯрда", "ky": "Кызылорда облусу", "kk": "Қызылорда облысы"},
    "KZ-47": {"en": "Mangystau Region", "ru": "Мангистауская область", "uz": "Mangʻistau viloyati", "kaa": "Mańǵıstaw wálayatı", "tg": "Вилояти Манғистау", "ky": "Маңгыстау облусу", "kk": "Маңғыстау облысы"},
    "KZ-55": {"en": "Pavlodar Region", "ru": "Павлодарская область", "uz": "Pavlodar viloyati", "kaa": "Pavlodar wálayatı", "tg": "Вилояти Павлодар", "ky": "Павлодар облусу", "kk": "Павлодар облысы"},
    "KZ-59": {"en": "North Kazakhstan Region", "ru": "Северо-Казахстанская область", "uz": "Shimoliy Qozogʻiston viloyati", "kaa": "Arqa Qazaqstan wálayatı", "tg": "Вилояти Қазоқистони Шимолӣ", "ky": "Түндүк Казакстан облусу", "kk": "Солтүстік Қазақстан облысы"},
    "KZ-61": {"en": "Turkistan Region", "ru": "Туркестанская область", "uz": "Turkiston viloyati", "kaa": "Túrkistan wálayatı", "tg": "Вилояти Туркистон", "ky": "Түркстан облусу", "kk": "Түркістан облысы"},
    "KZ-62": {"en": "Ulytau Region", "ru": "Улытауская область", "uz": "Ulitau viloyati", "kaa": "Ulıtaw wálayatı", "tg": "Вилояти Улитау", "ky": "Улытау облусу", "kk": "Ұлытау облысы"},
    "KZ-63": {"en": "East Kazakhstan Region", "ru": "Восточно-Казахстанская область", "uz": "Sharqiy Qozogʻiston viloyati", "kaa": "Shıǵıs Qazaqstan wálayatı", "tg": "Вилояти Қазоқистони Шарқӣ", "ky": "Чыгыш Казакстан облусу", "kk": "Шығыс Қазақстан облысы"},
    "KZ-71": {"en": "Astana", "ru": "город Астана", "uz": "Astana shahri", "kaa": "Astana qalası", "tg": "Шаҳри Астана", "ky": "Астана шаары", "kk": "Астана қаласы"},
    "KZ-75": {"en": "Almaty", "ru": "город Алматы", "uz": "Olmaota shahri", "kaa": "Almatı qalası", "tg": "Шаҳри Алмаато", "ky": "Алматы шаары", "kk": "Алматы қаласы"},
    "KZ-79": {"en": "Shymkent", "ru": "город Шымкент", "uz": "Chimkent shahri", "kaa": "Shımkent qalası", "tg": "Шаҳри Чимкент", "ky": "Шымкент шаары", "kk": "Шымкент қаласы"},
    "KG-B": {"en": "Batken Region", "ru": "Баткенская область", "uz": "Botken viloyati", "kaa": "Batken wálayatı", "tg": "Вилояти Баткен", "ky": "Баткен облусу", "kk": "Баткен облысы"},
    "KG-C": {"en": "Chuy Region", "ru": "Чуйская область", "uz": "Chuy viloyati", "kaa": "Shu wálayatı", "tg": "Вилояти Чуй", "ky": "Чүй облусу", "kk": "Шу облысы"},
    "KG-GB": {"en": "Bishkek", "ru": "город Бишкек", "uz": "Bishkek shahri", "kaa": "Bishkek qalası", "tg": "Шаҳри Бишкек", "ky": "Бишкек шаары", "kk": "Бішкек қаласы"},
    "KG-GO": {"en": "Osh", "ru": "город Ош", "uz": "Oʻsh shahri", "kaa": "Osh qalası", "tg": "Шаҳри Ӯш", "ky": "Ош шаары", "kk": "Ош қаласы"},
    "KG-J": {"en": "Jalal-Abad Region", "ru": "Джалал-Абадская область", "uz": "Jalolobod viloyati", "kaa": "Jalalabad wálayatı", "tg": "Вилояти Ҷалолобод", "ky": "Жалал-Абад облусу", "kk": "Жалалабад облысы"},
    "KG-N": {"en": "Naryn Region", "ru": "Нарынская область", "uz": "Norin viloyati", "kaa": "Narın wálayatı", "tg": "Вилояти Норин", "ky": "Нарын облусу", "kk": "Нарын облысы"},
    "KG-O": {"en": "Osh Region", "ru": "Ошская область", "uz": "Oʻsh viloyati", "kaa": "Osh wálayatı", "tg": "Вилояти Ӯш", "ky": "Ош облусу", "kk": "Ош облысы"},
    "KG-T": {"en": "Talas Region", "ru": "Таласская область", "uz": "Talas viloyati", "kaa": "Talas wálayatı", "tg": "Вилояти Талас", "ky": "Талас облусу", "kk": "Талас облысы"},
    "KG-Y": {"en": "Issyk-Kul Region", "ru": "Иссык-Кульская область", "uz": "Issiqkoʻl viloyati", "kaa": "Íssıqkól wálayatı", "tg": "Вилояти Иссиқкӯл", "ky": "Ысык-Көл облусу", "kk": "Ыстықкөл облысы"},
    "TJ-DU": {"en": "Dushanbe", "ru": "город Душанбе", "uz": "Dushanbe shahri", "kaa": "Dushanbe qalası", "tg": "Шаҳри Душанбе", "ky": "Душанбе шаары", "kk": "Душанбе қаласы"},
    "TJ-GB": {"en": "Gorno-Badakhshan Autonomous Region", "ru": "Горно-Бадахшанская автономная область", "uz": "Togʻli Badaxshon muxtor viloyati", "kaa": "Tawlı Badaxshan avtonomiyalı wálayatı", "tg": "Вилояти Мухтори Кӯҳистони Бадахшон", "ky": "Тоолуу Бадахшан автономиялуу облусу", "kk": "Таулы Бадахшан автономиялық облысы"},
    "TJ-KT": {"en": "Khatlon Region", "ru": "Хатлонская область", "uz": "Xatlon viloyati", "kaa": "Xatlon wálayatı", "tg": "Вилояти Хатлон", "ky": "Хатлон облусу", "kk": "Хатлон облысы"},
    "TJ-RA": {"en": "Districts of Republican Subordination", "ru": "Районы республиканского подчинения", "uz": "Respublikaga boʻysunuvchi tumanlar", "kaa": "Respublikaǵa baǵınıshlı rayonlar", "tg": "Ноҳияҳои тобеи ҷумҳурӣ", "ky": "Республикага баш ийген райондор", "kk": "Республикаға бағынысты аудандар"},
    "TJ-SU": {"en": "Sughd Region", "ru": "Согдийская область", "uz": "Sugʻd viloyati", "kaa": "Soǵd wálayatı", "tg": "Вилояти Суғд", "ky": "Согд облусу", "kk": "Соғды облысы"},
    "TM-A": {"en": "Ahal Region", "ru": "Ахалский велаят", "uz": "Ahal viloyati", "kaa": "Ahal wálayatı", "tg": "Вилояти Аҳал", "ky": "Ахал велаяты", "kk": "Ахал уәлаяты"},
    "TM-B": {"en": "Balkan Region", "ru": "Балканский велаят", "uz": "Balkan viloyati", "kaa": "Balkan wálayatı", "tg": "Вилояти Балкан", "ky": "Балкан велаяты", "kk": "Балқан уәлаяты"},
    "TM-D": {"en": "Dashoguz Region", "ru": "Дашогузский велаят", "uz": "Dashoguz viloyati", "kaa": "Dashoguz wálayatı", "tg": "Вилояти Дашогуз", "ky": "Дашогуз велаяты", "kk": "Дашоғыз уәлаяты"},
    "TM-L": {"en": "Lebap Region", "ru": "Лебапский велаят", "uz": "Lebap viloyati", "kaa": "Lebap wálayatı", "tg": "Вилояти Лебоб", "ky": "Лебап велаяты", "kk": "Лебап уәлаяты"},
    "TM-M": {"en": "Mary Region", "ru": "Марыйский велаят", "uz": "Mari viloyati", "kaa": "Marı wálayatı", "tg": "Вилояти Мари", "ky": "Мары велаяты", "kk": "Мары уәлаяты"},
    "TM-S": {"en": "Ashgabat", "ru": "город Ашхабад", "uz": "Ashxobod shahri", "kaa": "Ashxabad qalası", "tg": "Шаҳри Ашқобод", "ky": "Ашхабад шаары", "kk": "Ашхабад қаласы"},
    "UZ-AN": {"en": "Andijan Region", "ru": "Андижанская область", "uz": "Andijon viloyati", "kaa": "Ándijan wálayatı", "tg": "Вилояти Андиҷон", "ky": "Анжиян облусу", "kk": "Әндіжан облысы"},
    "UZ-BU": {"en": "Bukhara Region", "ru": "Бухарская область", "uz": "Buxoro viloyati", "kaa": "Buxara wálayatı", "tg": "Вилояти Бухоро", "ky": "Бухара облусу", "kk": "Бұхара облысы"},
    "UZ-FA": {"en": "Fergana Region", "ru": "Ферганская область", "uz": "Fargʻona viloyati", "kaa": "Ferǵana wálayatı", "tg": "Вилояти Фарғона", "ky": "Фергана облусу", "kk": "Ферғана облысы"},
    "UZ-JI": {"en": "Jizzakh Region", "ru": "Джизакская область", "uz": "Jizzax viloyati", "kaa": "Jizzax wálayatı", "tg": "Вилояти Ҷиззах", "ky": "Жиззах облусу", "kk": "Жизақ облысы"},
    "UZ-NG": {"en": "Namangan Region", "ru": "Наманганская область", "uz": "Namangan viloyati", "kaa": "Namangan wálayatı", "tg": "Вилояти Намангон", "ky": "Наманган облусу", "kk": "Наманган облысы"},
    "UZ-NW": {"en": "Navoiy Region", "ru": "Навоийская область", "uz": "Navoiy viloyati", "kaa": "Nawayı wálayatı", "tg": "Вилояти Навоӣ", "ky": "Навои облусу", "kk": "Науаи облысы"},
    "UZ-QA": {"en": "Kashkadarya Region", "ru": "Кашкадарьинская область", "uz": "Qashqadaryo viloyati", "kaa": "Qashqadárya wálayatı", "tg": "Вилояти Қашқадарё", "ky": "Кашкадарыя облусу", "kk": "Қашқадария облысы"},
    "UZ-QR": {"en": "Republic of Karakalpakstan", "ru": "Республика Каракалпакстан", "uz": "Qoraqalpogʻiston Respublikasi", "kaa": "Qaraqalpaqstan Respublikası", "tg": "Ҷумҳурии Қарақалпоқистон", "ky": "Каракалпакстан Республикасы", "kk": "Қарақалпақстан Республикасы"},
    "UZ-SA": {"en": "Samarkand Region", "ru": "Самаркандская область", "uz": "Samarqand viloyati", "kaa": "Samarqand wálayatı", "tg": "Вилояти Самарқанд", "ky": "Самарканд облусу", "kk": "Самарқанд облысы"},
    "UZ-SI": {"en": "Syrdarya Region", "ru": "Сырдарьинская область", "uz": "Sirdaryo viloyati", "kaa": "Sırdárya wálayatı", "tg": "Вилояти Сирдарё", "ky": "Сырдарыя облусу", "kk": "Сырдария облысы"},
    "UZ-SU": {"en": "Surkhandarya Region", "ru": "Сурхандарьинская область", "uz": "Surxondaryo viloyati", "kaa": "Surxandárya wálayatı", "tg": "Вилояти Сурхондарё", "ky": "Сурхандарыя облусу", "kk": "Сурхандария облысы"},
    "UZ-TK": {"en": "Tashkent", "ru": "город Ташкент", "uz": "Toshkent shahri", "kaa": "Tashkent qalası", "tg": "Шаҳри Тошкент", "ky": "Ташкент шаары", "kk": "Ташкент қаласы"},
    "UZ-TO": {"en": "Tashkent Region", "ru": "Ташкентская область", "uz": "Toshkent viloyati", "kaa": "Tashkent wálayatı", "tg": "Вилояти Тошкент", "ky": "Ташкент облусу", "kk": "Ташкент облысы"},
    "UZ-XO": {"en": "Khorezm Region", "ru": "Хорезмская область", "uz": "Xorazm viloyati", "kaa": "Xorezm wálayatı", "tg": "Вилояти Хоразм", "ky": "Хорезм облусу", "kk": "Хорезм облысы"},
}
# Names Ovoz shipped before and has corrected: replaced only where a database still has them.
FORMER_NAMES = {
    "KZ-10": {"ru": ["область Абай"]},
    "KZ-33": {"ru": ["область Жетісу"]},
    "KZ-62": {"ru": ["область Ұлытау"]},
    "TJ-DU": {"tg": ["шаҳри Душанбе"]},
}
# fmt: on


def add_names(apps, schema_editor):
    Area = apps.get_model("places", "Area")
    for area in Area.objects.filter(code__in=list(NAMES)).defer("boundary"):
        names = dict(area.names)
        former = FORMER_NAMES.get(area.code, {})
        for language, name in NAMES[area.code].items():
            if not names.get(language) or names[language] in former.get(language, ()):
                names[language] = name
        if names != area.names:
            area.names = names
            area.save(update_fields=["names", "updated_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("places", "0002_area_index_by_depth_and_change"),
    ]

    operations = [
        migrations.RunPython(add_names, migrations.RunPython.noop, elidable=True),
    ]
