"""Cross-language duplicates, measured on the labelled incidents (ovoz/insights/data/duplicate_incidents.tsv).

Every two texts of one split form a pair: the same incident (a positive), or not. Weights and the
threshold are fitted on the training split only; precision, recall and F1 are for the held-out
split, whose incidents were never seen while fitting. Rows:

- the pair scorer as shipped (``ovoz.insights.duplicates.WEIGHTS`` and ``THRESHOLD``) and as fitted
  again here (they should agree), on texts alone, no area or day;
- the embedding's cosine alone, its threshold fitted on the training split (what the details add);
- the grouping of ``ovoz group-duplicates`` on the held-out texts, with and without area and day,
  scored as pairs (two texts in one group = called the same incident);
- texts per second on one core (embedding, details and grouping, the model already loaded) and the
  process's peak memory.

Import ``pair_rows`` (bench/insights.py prints it) or run this file.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import date
from itertools import combinations
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ovoz.insights import duplicates
from ovoz.insights.embedding import embed

LABELLED = Path(__file__).resolve().parent.parent / "ovoz" / "insights" / "data" / "duplicate_incidents.tsv"


def _split(rows, embeddings, name):
    indexes = [index for index, row in enumerate(rows) if row["split"] == name]
    features = duplicates.pair_features([rows[index]["text"] for index in indexes], embeddings[indexes])
    keys = sorted(features)
    matrix = np.array([features[key] for key in keys])
    labels = np.array([rows[indexes[a]]["incident"] == rows[indexes[b]]["incident"] for a, b in keys])
    return indexes, matrix, labels


def _grouped_pairs(rows, indexes, groups):
    truth, called = [], []
    for (a, first), (b, second) in combinations(enumerate(indexes), 2):
        truth.append(rows[first]["incident"] == rows[second]["incident"])
        called.append(groups[a] == groups[b])
    return np.array(called, dtype=float), np.array(truth)


def pair_rows() -> list[tuple[str, str, str, str, str]]:
    """(what, pairs (positives), precision, recall, F1) rows, then throughput and memory rows."""
    with LABELLED.open(encoding="utf-8") as handle:
        rows = duplicates.read_labelled(handle)
    embed(["warm-up"])  # load the model outside the timing
    started = time.process_time()
    embeddings = embed([row["text"] for row in rows])
    embed_seconds = time.process_time() - started
    train_indexes, train_features, train_labels = _split(rows, embeddings, "train")
    test_indexes, test_features, test_labels = _split(rows, embeddings, "test")
    fit = duplicates.calibrate(train_features, train_labels)
    cosine_fit = duplicates.calibrate(train_features[:, :1], train_labels)
    size = f"{len(test_labels)} ({int(test_labels.sum())})"
    table = [("train split: pairs (same incident)", f"{len(train_labels)} ({int(train_labels.sum())})", "", "", "")]

    def row(what, scores, labels, threshold):
        precision, recall, f1 = duplicates.f1_at(scores, labels, threshold)
        return (what, size, f"{precision:.3f}", f"{recall:.3f}", f"{f1:.3f}")

    shipped = np.array(duplicates.WEIGHTS)
    table.append(
        row(
            f"held-out, shipped w={duplicates.WEIGHTS} t={duplicates.THRESHOLD}",
            test_features @ shipped,
            test_labels,
            duplicates.THRESHOLD,
        )
    )
    table.append(
        row(
            f"held-out, fitted on train w={fit.weights} t={fit.threshold}",
            test_features @ np.array(fit.weights),
            test_labels,
            fit.threshold,
        )
    )
    table.append(
        row(f"held-out, cosine alone t={cosine_fit.threshold}", test_features[:, 0], test_labels, cosine_fit.threshold)
    )
    for with_place in (False, True):
        texts = [
            duplicates.Text(
                id=str(index),
                text=rows[index]["text"],
                area=rows[index]["area"] if with_place else "",
                day=date.fromisoformat(rows[index]["day"]) if with_place else None,
            )
            for index in test_indexes
        ]
        scores = duplicates.scored_pairs(texts, embeddings=embeddings[test_indexes])
        called, truth = _grouped_pairs(rows, test_indexes, duplicates.group(len(texts), scores))
        label = "held-out, group-duplicates " + ("with area and day" if with_place else "texts alone")
        table.append(row(label, called, truth, 0.5))
    texts = [duplicates.Text(id=str(index), text=row["text"]) for index, row in enumerate(rows)]
    started = time.process_time()
    duplicates.group_texts(texts)
    seconds = time.process_time() - started
    table.append(
        ("texts per second, one core (embed + score + group)", str(len(texts)), "", "", f"{len(texts) / seconds:.1f}")
    )
    table.append(("texts per second, embedding alone", str(len(texts)), "", "", f"{len(texts) / embed_seconds:.1f}"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    table.append(("peak memory of the process, MB (model included)", "", "", "", f"{peak:.0f}"))
    return table


def print_pairs(table) -> None:
    print("## Duplicates across languages: pairs of the labelled incidents")
    print(f"{'':<72} {'pairs (pos)':>12} {'precision':>10} {'recall':>8} {'F1/value':>9}")
    for what, pairs, precision, recall, value in table:
        print(f"{what:<72} {pairs:>12} {precision:>10} {recall:>8} {value:>9}")


if __name__ == "__main__":
    print_pairs(pair_rows())
