import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ovoz.concerns.services import themes_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def themes(db):
    themes_seed()


def _run(tmp_path, content: bytes | str):
    source, target = tmp_path / "texts.csv", tmp_path / "suggestions.csv"
    if isinstance(content, str):
        content = content.encode()
    source.write_bytes(content)
    call_command("suggest_themes", "--input", str(source), "--output", str(target), stderr=io.StringIO())
    with target.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_up_to_three_suggestions_per_id_best_first_with_theme_slugs(themes, tmp_path):
    rows = _run(
        tmp_path,
        'id,text\na1,"Se rūz boz ob nest, қубур хушк"\nb2,Policiya aǵamdı uslap urdı\nc3,"   "\nd4,Нан тағы қымбаттады\n',
    )
    assert rows[0] == ["id", "theme", "score"]
    by_id: dict[str, list[tuple[str, float]]] = {}
    for identifier, theme, score in rows[1:]:
        by_id.setdefault(identifier, []).append((theme, float(score)))
    assert set(by_id) == {"a1", "b2", "d4"}  # a text without words gets no row
    assert [ranked[0][0] for ranked in (by_id["a1"], by_id["b2"], by_id["d4"])] == ["water", "police-conduct", "prices"]
    for ranked in by_id.values():
        assert len(ranked) == 3
        assert [score for _theme, score in ranked] == sorted((score for _theme, score in ranked), reverse=True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "line 1: the header must be id,text"),
        ("id,body\n1,x\n", "line 1: the header must be id,text"),
        ("id,text\n1,a,b\n", "line 2: expected 2 columns"),
        ("id,text\n,water\n", "line 2: the id is empty"),
        ("id,text\n1,water\n1,gas\n", "line 3: the id '1' appears twice"),
        ('id,text\n1,"unclosed\n', "line"),
        (b"id,text\n1,\xff\xfe\n", "not UTF-8"),
        ("id,text\n1," + "x" * 20001 + "\n", "line 2: the text is longer"),
    ],
)
def test_bad_input_is_refused_with_its_line_and_nothing_is_written(themes, tmp_path, content, message):
    with pytest.raises(CommandError, match=message):
        _run(tmp_path, content)
    assert not (tmp_path / "suggestions.csv").exists()
    assert not (tmp_path / "suggestions.csv.partial").exists()


def test_a_missing_input_file_is_refused(themes, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("suggest_themes", "--input", str(tmp_path / "none.csv"), "--output", str(tmp_path / "out.csv"))
