"""Theme suggestion in any language: the labelled set, the two suggesters and their combination.

- lexical (ovoz.insights.lexical): character n-grams and the theme lexicon; no model, microseconds,
  so it may run in a web request (a confidential concern at intake);
- neighbours: the sentence embeddings of ovoz.insights.embedding, and the themes of the nearest labelled
  examples (the shipped set and the deployment's own triaged concerns); the model is loaded in the
  task worker only.

The combination (a weighted mean of both distributions) is what the worker uses; bench/insights.py
measures each part and the mix on the held-out split.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

from ovoz.insights.embedding import DIMENSIONS, Embeddings, embed
from ovoz.insights.lexical import LexicalSuggester, ranked

DATA = Path(__file__).parent / "data"
LABELLED_FILE = DATA / "labelled_concerns.tsv"
LEXICON_FILE = DATA / "theme_lexicon.tsv"
VECTORS_FILE = DATA / "labelled_concerns.e5.npz"
# The seeded themes (DESIGN §3), for the offline bench and tests; a deployment reads its Theme rows.
SEEDED_THEMES_FILE = Path(__file__).parent.parent / "concerns" / "data" / "themes.json"
SUGGESTIONS = 3
# The model's neighbours count only when they say nearly the same thing (a translation, a paraphrase,
# the same incident): below this cosine the 4-bit e5's neighbours share a theme about one time in four
# on the labelled set, while the lexical suggester is right five times in six (docs/insights.md).
NEAR = 0.95
# The weight of the near neighbours' distribution in the mix, when there are any.
MODEL_WEIGHT = 0.6
NEIGHBOURS = 7
NEIGHBOUR_TEMPERATURE = 0.02


@dataclass(frozen=True)
class LabelledText:
    id: str
    theme: str
    language: str
    split: str  # "train" or "test" (held out)
    text: str


@cache
def labelled_set() -> tuple[LabelledText, ...]:
    """The labelled concerns shipped with Ovoz (data/labelled_concerns.tsv, written for it)."""
    with LABELLED_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            LabelledText(row["id"], row["theme"], row["language"], row["split"], row["text"])
            for row in csv.DictReader(handle, delimiter="\t")
        )


@cache
def lexicon() -> tuple[tuple[str, str], ...]:
    """(theme, word) pairs of the theme lexicon: everyday words for each theme in every language, each
    its own small document (a row of data/theme_lexicon.tsv lists them separated by commas)."""
    with LEXICON_FILE.open(encoding="utf-8", newline="") as handle:
        return tuple(
            (row["theme"], word.strip())
            for row in csv.DictReader(handle, delimiter="\t")
            for word in row["words"].split(",")
            if word.strip()
        )


ThemeText = tuple[str, Mapping[str, str], Mapping[str, str]]


def seeded_themes() -> list[ThemeText]:
    """(slug, labels, descriptions) of the seeded themes."""
    entries = json.loads(SEEDED_THEMES_FILE.read_text(encoding="utf-8"))
    return [(entry["slug"], entry["labels"], entry["descriptions"]) for entry in entries]


def _digest(texts: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode()).hexdigest()


def labelled_vectors() -> Embeddings:
    """The embeddings of the labelled set, in its order: from the file shipped beside it when it matches
    the texts (writing them takes minutes), computed otherwise."""
    texts = [row.text for row in labelled_set()]
    if VECTORS_FILE.exists():
        with np.load(VECTORS_FILE) as stored:
            if str(stored["digest"]) == _digest(texts):
                return np.asarray(stored["vectors"], dtype=np.float32)
    return embed(texts)


def labelled_vectors_save(vectors: Embeddings) -> None:
    texts = [row.text for row in labelled_set()]
    np.savez_compressed(VECTORS_FILE, vectors=vectors.astype(np.float16), digest=np.array(_digest(texts)))


class Neighbours:
    """Themes of the nearest labelled examples by cosine, counting only those at least ``near``;
    closer neighbours weigh exponentially more. No neighbour that near: no opinion (an empty dict)."""

    def __init__(
        self, vectors: Embeddings, themes: Sequence[Sequence[str]], *, k: int = NEIGHBOURS, near: float = NEAR
    ) -> None:
        self.vectors = np.asarray(vectors, dtype=np.float32).reshape(-1, DIMENSIONS)
        self.themes = [tuple(labels) for labels in themes]
        self.k = k
        self.near = near

    def scores(self, queries: Embeddings) -> list[dict[str, float]]:
        if not len(self.vectors):
            return [{} for _query in queries]
        similarities = queries @ self.vectors.T
        results: list[dict[str, float]] = []
        for row, query in zip(similarities, queries, strict=True):
            if not query.any():
                results.append({})
                continue
            nearest = [index for index in np.argsort(-row)[: self.k] if row[index] >= self.near]
            votes: dict[str, float] = {}
            for index in nearest:
                weight = float(np.exp((row[index] - row[nearest[0]]) / NEIGHBOUR_TEMPERATURE))
                for theme in self.themes[index]:
                    votes[theme] = votes.get(theme, 0.0) + weight / len(self.themes[index])
            total = sum(votes.values())
            results.append({theme: vote / total for theme, vote in votes.items()} if total else {})
        return results


class ThemeSuggester:
    """Up to three themes per text, best first, each with a confidence between 0 and 1."""

    def __init__(
        self,
        *,
        themes: Sequence[str],
        lexical: LexicalSuggester,
        neighbours: Neighbours | None = None,
        model_weight: float = MODEL_WEIGHT,
    ) -> None:
        self.themes = list(themes)
        self.lexical = lexical
        self.neighbours = neighbours
        self.model_weight = model_weight if neighbours is not None else 0.0

    def scores(self, texts: Sequence[str], vectors: Embeddings | None = None) -> list[dict[str, float]]:
        lexical = [self.lexical.scores(text) for text in texts]
        if self.neighbours is None or self.model_weight == 0:
            mixed = lexical
        else:
            queries = embed(texts) if vectors is None else vectors
            near = self.neighbours.scores(queries)
            weight = self.model_weight if self.model_weight < 1 else 1.0
            mixed = [
                _mix(words, neighbours, weight) if neighbours else words
                for words, neighbours in zip(lexical, near, strict=True)
            ]
        known = set(self.themes)
        return [
            {theme: score for theme, score in scores.items() if theme in known} if text.strip() else {}
            for text, scores in zip(texts, mixed, strict=True)
        ]

    def suggest(self, texts: Sequence[str], *, limit: int = SUGGESTIONS) -> list[list[tuple[str, float]]]:
        return [ranked(scores, limit) for scores in self.scores(texts)]


def _mix(first: Mapping[str, float], second: Mapping[str, float], weight: float) -> dict[str, float]:
    return {
        theme: (1 - weight) * first.get(theme, 0.0) + weight * second.get(theme, 0.0) for theme in {*first, *second}
    }


def lexical_suggester(*, examples: Iterable[tuple[str, str]], themes: Sequence[ThemeText]) -> LexicalSuggester:
    """The lexical suggester of a set of examples, with the lexicon and the themes' own labels.

    Built once for the same examples and lexicon (a few hundred milliseconds, in a confidential concern's
    web request when the process has not built it yet); a changed theme label or example builds anew.
    """
    from ovoz.insights.lexical import lexicon_texts

    slugs = {slug for slug, _labels, _descriptions in themes}
    return _lexical_suggester_of(
        tuple((theme, text) for theme, text in examples if theme in slugs),
        (*lexicon_texts(themes), *((theme, words) for theme, words in lexicon() if theme in slugs)),
    )


@lru_cache(maxsize=4)
def _lexical_suggester_of(
    examples: tuple[tuple[str, str], ...], lexicon_entries: tuple[tuple[str, str], ...]
) -> LexicalSuggester:
    return LexicalSuggester(examples, lexicon_entries)
