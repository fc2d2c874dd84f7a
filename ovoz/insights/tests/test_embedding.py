import numpy as np

from ovoz.insights.embedding import DIMENSIONS, embed


def test_the_same_complaint_in_four_languages_is_closer_than_another_theme():
    rows = embed(
        [
            "Воды нет уже три дня в махалле",
            "Mahallada uch kundan beri suv yoʻq",
            "Се рӯз боз об нест",
            "Цены на бензин опять выросли",
        ]
    )
    assert rows.shape == (4, DIMENSIONS)
    assert np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-4)
    similarity = rows @ rows.T
    assert min(similarity[0, 1], similarity[0, 2]) > similarity[0, 3]


def test_empty_texts_give_zero_rows_and_no_input_gives_no_rows():
    assert embed([]).shape == (0, DIMENSIONS)
    rows = embed(["  ", "Воды нет"])
    assert not rows[0].any()
    assert rows[1].any()
