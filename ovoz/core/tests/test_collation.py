import random

import pytest
from django.utils import translation

from ovoz.core.collation import ALPHABETS, collation_key, sorted_by_name


def ordered(words, language):
    shuffled = list(words)
    random.Random(7).shuffle(shuffled)
    return sorted(shuffled, key=lambda word: collation_key(word, language))


def test_kazakh_letters_follow_their_base_letters():
    words = [
        "Ыстықкөл",
        "Яссы",
        "Қызылорда",
        "Костанай",
        "Ұлытау",
        "Үржар",
        "Уральск",
        "Ғ",
        "Гурьев",
        "Әндіжан",
        "Аягөз",
    ]
    assert ordered(words, "kk") == [
        "Аягөз",
        "Әндіжан",
        "Гурьев",
        "Ғ",
        "Костанай",
        "Қызылорда",
        "Уральск",
        "Ұлытау",
        "Үржар",
        "Ыстықкөл",
        "Яссы",
    ]


def test_kazakh_і_comes_after_ы_and_һ_after_х():
    assert ordered(["Іле", "Ыргыз", "Ь", "Һ", "Хромтау", "Ц"], "kk") == ["Хромтау", "Һ", "Ц", "Ыргыз", "Іле", "Ь"]


def test_kyrgyz_ө_follows_о_ү_follows_у_and_ң_follows_н():
    words = ["Өзгөн", "Ош", "Оюу", "Пап", "Үч-Коргон", "Уч", "Фрунзе", "Ңа", "Нарын", "Ныш", "Ооз"]
    assert ordered(words, "ky") == [
        "Нарын",
        "Ныш",
        "Ңа",
        "Ооз",
        "Ош",
        "Оюу",
        "Өзгөн",
        "Пап",
        "Уч",
        "Үч-Коргон",
        "Фрунзе",
    ]


def test_tajik_letters_follow_their_base_letters():
    words = ["Ғарм", "Гулистон", "Ӣ", "Исфара", "Йовон", "Қурғонтеппа", "Кӯлоб", "Ӯротеппа", "Уротеппа", "Фархор"]
    words += ["Ҳисор", "Хуҷанд", "Ҷиргатол", "Чкалов", "Шаҳритус", "Вилояти Суғд", "Вилояти Хатлон"]
    assert ordered(words, "tg") == [
        "Вилояти Суғд",
        "Вилояти Хатлон",
        "Гулистон",
        "Ғарм",
        "Исфара",
        "Ӣ",
        "Йовон",
        "Кӯлоб",
        "Қурғонтеппа",
        "Уротеппа",
        "Ӯротеппа",
        "Фархор",
        "Хуҷанд",
        "Ҳисор",
        "Чкалов",
        "Ҷиргатол",
        "Шаҳритус",
    ]


def test_tajik_ӣ_is_one_letter_whether_typed_precomposed_or_with_a_combining_macron():
    assert collation_key("Ӣ", "tg")[0] == collation_key("И\u0304", "tg")[0]
    assert ordered(["И\u0304", "Ия"], "tg") == ["Ия", "И\u0304"]


def test_uzbek_digraphs_and_letters_with_a_turned_comma_come_after_z():
    words = ["Zomin", "Oʻzbekiston", "Olot", "Gʻallaorol", "Guliston", "Shahrisabz", "Surxondaryo", "Chiroqchi"]
    words += ["Chust", "Xorazm", "Yangiyer", "Qarshi", "Angren", "Anor", "Boyovut", "Denov"]
    assert ordered(words, "uz") == [
        "Anor",
        "Angren",  # ng is one letter, the last of the alphabet
        "Boyovut",
        "Denov",
        "Guliston",
        "Olot",
        "Qarshi",
        "Surxondaryo",
        "Xorazm",
        "Yangiyer",
        "Zomin",
        "Oʻzbekiston",
        "Gʻallaorol",
        "Shahrisabz",
        "Chiroqchi",
        "Chust",
    ]


def test_uzbek_order_of_the_letters_is_the_official_one():
    letters = ["Ng", "Ch", "Sh", "Gʻ", "Oʻ", "Z", "Y", "X", "V", "U", "T", "S", "R", "Q", "P", "O", "N"]
    letters += ["M", "L", "K", "J", "I", "H", "G", "F", "E", "D", "B", "A"]
    assert ordered(letters, "uz") == list(reversed(letters))


@pytest.mark.parametrize("apostrophe", ["'", "`", "‘", "’", "ʼ", "ʻ"])
def test_uzbek_oʻ_and_gʻ_are_found_whatever_apostrophe_was_typed(apostrophe):
    assert collation_key(f"O{apostrophe}zbekiston", "uz")[0] == collation_key("Oʻzbekiston", "uz")[0]
    assert ordered([f"G{apostrophe}allaorol", "Guliston", "Zomin"], "uz")[-1] == f"G{apostrophe}allaorol"


def test_uzbek_separation_sign_keeps_s_and_h_apart():
    # In "Isʼhoq" the sign says s and h are two letters, so it sorts among the S words, not the Sh words.
    assert ordered(["Isʼhoq", "Ishtixon", "Isfara"], "uz") == ["Isfara", "Isʼhoq", "Ishtixon"]


def test_karakalpak_letters_are_in_the_order_of_the_2016_alphabet():
    words = ["Ándijan", "Aral", "Ǵ", "Gúrlen", "Xojeli", "Hám", "Íssıqkól", "Ishan", "Qońırat", "Kegeyli", "Shımbay"]
    words += ["Sırdárya", "Ch", "Ci", "Zz"]
    assert ordered(words, "kaa") == [
        "Aral",
        "Ándijan",
        "Gúrlen",
        "Ǵ",
        "Hám",
        "Xojeli",
        "Íssıqkól",
        "Ishan",
        "Kegeyli",
        "Qońırat",
        "Sırdárya",
        "Zz",
        "Shımbay",
        "Ci",
        "Ch",
    ]


def test_russian_files_ё_under_е_and_keeps_its_own_order():
    words = ["Ёлкино", "Еланск", "Ершов", "Жданов", "Абай"]
    assert ordered(words, "ru") == ["Абай", "Еланск", "Ёлкино", "Ершов", "Жданов"]


def test_space_and_hyphen_come_before_letters_and_case_only_breaks_ties():
    assert ordered(["Ошская", "Ош облусу", "ош", "Ош"], "ky") == ["ош", "Ош", "Ош облусу", "Ошская"]
    assert ordered(["Jalal-Abad", "Jalalabad"], "en") == ["Jalal-Abad", "Jalalabad"]


def test_letters_of_another_script_come_after_the_alphabet():
    assert ordered(["Bishkek", "Ysyk", "Бишкек", "Ош"], "ky") == ["Бишкек", "Ош", "Bishkek", "Ysyk"]
    assert ordered(["Бишкек", "Zomin", "Andijon"], "uz") == ["Andijon", "Zomin", "Бишкек"]


def test_sorted_by_name_uses_the_active_language():
    words = ["Қазақ", "Кент", "Ұлы", "Уш"]
    with translation.override("kk"):
        assert sorted_by_name(words, name=str) == ["Кент", "Қазақ", "Уш", "Ұлы"]
    with translation.override("ru"):  # Russian has no Қ or Ұ: they sort after its own letters
        assert sorted_by_name(words, name=str) == ["Кент", "Уш", "Қазақ", "Ұлы"]


def test_every_interface_language_has_an_alphabet():
    from django.conf import settings

    for code, _name in settings.LANGUAGES:
        assert code in ALPHABETS, code
