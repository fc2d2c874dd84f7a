"""Is it the same incident? Two concerns, whatever their languages, scored as a pair; texts grouped.

A multilingual embedding says two texts are about the same thing (a water cut), but two water cuts in
two streets of one town are as close to it as one water cut told in Russian and in Uzbek. What tells
incidents apart are their details: the street, mahalla or village, the numbers (house, school,
dates, prices). So a pair's score adds to the embedding's cosine how much of those details agree:

- ``names``: capitalised words (proper nouns, mostly) brought to one consonant skeleton across
  Cyrillic and Latin (``Гагарина``, ``Gagarin`` → ``ggr…``), matched by prefix so that case endings
  and suffixes (``Oʻshdagi``, ``Оштун``) do not matter; the share of the smaller set found in the other;
- ``numbers``: the share of the smaller set of numbers found in the other, and ``numbers_differ`` when
  both give numbers and none is shared.

The weights and threshold are fitted on the training half of ``data/duplicate_incidents.tsv``
(``calibrate``; ``bench/insights_pairs.py`` shows the fit and the held-out pair F1). Grouping joins
texts by average linkage over pairs at or above the threshold, so one close pair cannot chain two
incidents together through a third text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt

from ovoz.insights.embedding import Embeddings, embed

# Fitted by ``calibrate`` on the training split (bench/insights_pairs.py prints the fit).
WEIGHTS = (1.0, 0.088, 0.052, -0.019)  # cosine, names, numbers, numbers_differ
THRESHOLD = 0.936

# Pairs whose cosine is below this are never the same incident, whatever their details: it keeps the
# pairwise work of a large file to the pairs that could be.
COSINE_FLOOR = 0.75

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "ғ": "g", "д": "d", "е": "e", "ё": "e", "ж": "j", "з": "z",
    "и": "i", "й": "", "к": "k", "қ": "k", "л": "l", "м": "m", "н": "n", "ң": "n", "о": "o", "ө": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ү": "u", "ұ": "u", "ў": "o", "ф": "f", "х": "h",
    "ҳ": "h", "һ": "h", "ц": "s", "ч": "c", "ш": "s", "щ": "s", "ъ": "", "ы": "i", "і": "i", "ь": "",
    "э": "e", "ю": "u", "я": "a", "ә": "a", "ҷ": "j", "ӣ": "i", "ӯ": "u",
}  # fmt: skip
# Latin spellings of the same sounds, longest first.
_LATIN = (("dzh", "j"), ("sh", "s"), ("ch", "c"), ("kh", "h"), ("zh", "j"), ("dj", "j"), ("ts", "s"))
_LATIN_LETTERS = str.maketrans({"q": "k", "x": "h", "w": "v", "y": "", "c": "c"})
_VOWELS = set("aeiou")
_WORD = re.compile(r"[^\W\d_][^\W\d_'ʻʼ’`‘]*", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[  .,]\d{3})*")
MIN_NAME_LETTERS = 3


def skeleton(word: str) -> str:
    """A word's consonants in one Latin spelling, its first letter kept even if a vowel."""
    letters = unicodedata.normalize("NFKD", word.lower())
    letters = "".join(_CYRILLIC.get(char, char) for char in letters if not unicodedata.combining(char))
    letters = re.sub(r"[^a-z]", "", letters)
    for spelling, sound in _LATIN:
        letters = letters.replace(spelling, sound)
    letters = letters.translate(_LATIN_LETTERS)
    if not letters:
        return ""
    consonants = letters[0] + "".join(char for char in letters[1:] if char not in _VOWELS)
    return re.sub(r"(.)\1+", r"\1", consonants)


@dataclass(frozen=True)
class Details:
    """What tells one incident from another of the same kind: names and numbers."""

    names: frozenset[str]
    numbers: frozenset[int]


def details(text: str) -> Details:
    names = set()
    for match in _WORD.finditer(text):
        word = match.group()
        if word[0].isupper() and len(word) >= MIN_NAME_LETTERS:
            shape = skeleton(word)
            if len(shape) >= 2:
                names.add(shape)
    numbers = {int(re.sub(r"\D", "", match.group())) for match in _NUMBER.finditer(text)}
    return Details(names=frozenset(names), numbers=frozenset(numbers))


def _prefix_match(shape: str, others: frozenset[str]) -> bool:
    return any(other.startswith(shape) or shape.startswith(other) for other in others)


def detail_features(first: Details, second: Details) -> tuple[float, float, float]:
    """(names shared, numbers shared, numbers differ), each from 0 to 1."""
    names = 0.0
    if first.names and second.names:
        smaller, larger = sorted((first.names, second.names), key=len)
        names = sum(_prefix_match(shape, larger) for shape in smaller) / len(smaller)
    numbers = differ = 0.0
    if first.numbers and second.numbers:
        shared = len(first.numbers & second.numbers)
        numbers = shared / min(len(first.numbers), len(second.numbers))
        differ = float(shared == 0)
    return names, numbers, differ


def pair_score(cosine: float, first: Details, second: Details, weights: Sequence[float] = WEIGHTS) -> float:
    features = (cosine, *detail_features(first, second))
    return float(sum(weight * value for weight, value in zip(weights, features, strict=True)))


@dataclass(frozen=True)
class Text:
    """One text of a file or one concern: its id, words, and where and when if known."""

    id: str
    text: str
    area: str = ""
    day: date | None = None


def comparable(first: Text, second: Text, *, days: int) -> bool:
    """Same area (or one unknown) and at most ``days`` apart (or a day unknown)."""
    if first.area and second.area and first.area != second.area:
        return False
    return first.day is None or second.day is None or abs((first.day - second.day).days) <= days


def scored_pairs(
    texts: Sequence[Text],
    *,
    days: int = 14,
    embeddings: Embeddings | None = None,
    weights: Sequence[float] = WEIGHTS,
    block: int = 2048,
) -> dict[tuple[int, int], float]:
    """The score of every comparable pair (i < j) whose cosine reaches ``COSINE_FLOOR``."""
    rows = embed([text.text for text in texts]) if embeddings is None else embeddings
    parsed = [details(text.text) for text in texts]
    scores: dict[tuple[int, int], float] = {}
    for start in range(0, len(texts), block):
        cosines = rows[start : start + block] @ rows.T
        for offset, column in zip(*np.nonzero(cosines >= COSINE_FLOOR), strict=True):
            first, second = start + int(offset), int(column)
            if second <= first or not comparable(texts[first], texts[second], days=days):
                continue
            scores[first, second] = pair_score(float(cosines[offset, column]), parsed[first], parsed[second], weights)
    return scores


def group(count: int, scores: dict[tuple[int, int], float], *, threshold: float = THRESHOLD) -> list[int]:
    """A group number per text: average linkage, a missing pair counting as 0, merged while the best
    average reaches ``threshold``. Groups are numbered from 1 in the order of their first text."""
    parent = list(range(count))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for (first, second), score in scores.items():
        if score >= threshold:
            parent[root(first)] = root(second)
    components: dict[int, list[int]] = {}
    for index in range(count):
        components.setdefault(root(index), []).append(index)
    label = [0] * count
    clusters: list[list[int]] = []
    for members in components.values():
        clusters.extend(_average_linkage(members, scores, threshold) if len(members) > 1 else [members])
    for number, cluster in enumerate(sorted(clusters, key=min), start=1):
        for index in cluster:
            label[index] = number
    return label


def _average_linkage(members: list[int], scores: dict[tuple[int, int], float], threshold: float) -> list[list[int]]:
    clusters = [[member] for member in members]

    def linkage(first: list[int], second: list[int]) -> float:
        total = sum(scores.get((min(a, b), max(a, b)), 0.0) for a in first for b in second)
        return total / (len(first) * len(second))

    while len(clusters) > 1:
        pairs = [(i, j) for i in range(len(clusters)) for j in range(i + 1, len(clusters))]
        best, pair = max((linkage(clusters[i], clusters[j]), (i, j)) for i, j in pairs)
        if best < threshold:
            break
        i, j = pair
        clusters[i] = clusters[i] + clusters[j]
        del clusters[j]
    return clusters


def group_texts(texts: Sequence[Text], *, days: int = 14, threshold: float = THRESHOLD) -> list[int]:
    """The group of each text: texts sharing a group are taken to be one incident."""
    return group(len(texts), scored_pairs(texts, days=days), threshold=threshold)


# --- Calibration ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fit:
    weights: tuple[float, ...]
    threshold: float


def pair_features(texts: Sequence[str], embeddings: Embeddings) -> dict[tuple[int, int], tuple[float, ...]]:
    """Every pair's features (cosine, names, numbers, numbers differ), for calibration and the bench."""
    parsed = [details(text) for text in texts]
    cosines = embeddings @ embeddings.T
    return {
        (i, j): (float(cosines[i, j]), *detail_features(parsed[i], parsed[j]))
        for i in range(len(texts))
        for j in range(i + 1, len(texts))
    }


def f1_at(
    scores: npt.NDArray[np.float64], labels: npt.NDArray[np.bool_], threshold: float
) -> tuple[float, float, float]:
    """(precision, recall, F1) of calling a pair the same incident when its score reaches ``threshold``."""
    predicted = scores >= threshold
    true_positives = float(np.sum(predicted & labels))
    precision = true_positives / max(float(np.sum(predicted)), 1.0)
    recall = true_positives / max(float(np.sum(labels)), 1.0)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def calibrate(features: npt.NDArray[np.float64], labels: npt.NDArray[np.bool_]) -> Fit:
    """Weights by logistic regression (the cosine's weight scaled to 1, so scores stay readable), then the
    threshold with the best pair F1, both on the pairs given (the training split only)."""
    design = np.column_stack([features, np.ones(len(features))])
    mean, spread = design[:, :-1].mean(axis=0), design[:, :-1].std(axis=0) + 1e-9
    design[:, :-1] = (design[:, :-1] - mean) / spread
    target = labels.astype(np.float64)
    # Positives are rare: weigh them up so the fit does not settle for "never the same".
    sample = np.where(labels, (len(labels) - labels.sum()) / max(labels.sum(), 1), 1.0)
    coefficients = np.zeros(design.shape[1])
    for _step in range(4000):
        predicted = 1 / (1 + np.exp(-design @ coefficients))
        gradient = design.T @ (sample * (predicted - target)) / len(target) + 1e-3 * coefficients
        coefficients -= 0.5 * gradient
    weights = coefficients[:-1] / spread
    weights = weights / weights[0]
    scores = features @ weights
    candidates = np.unique(np.round(scores, 3))
    best = max(candidates, key=lambda threshold: (f1_at(scores, labels, float(threshold))[2], -threshold))
    return Fit(weights=tuple(round(float(weight), 3) for weight in weights), threshold=round(float(best), 3))


def read_labelled(lines: Iterable[str]) -> list[dict[str, str]]:
    """Rows of the labelled incidents file (tab-separated, with a header; ``#`` lines are comments)."""
    rows = [line.rstrip("\n").split("\t") for line in lines if line.strip() and not line.startswith("#")]
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]
