"""The lexical theme suggester: character n-grams over a common Latin skeleton, nearest theme centroid.

No model and nothing to load but a few thousand n-gram weights, so it runs in the web request where it
must: a confidential concern's words can be read only at intake, before they are sealed (ADR 0011).
Texts in Cyrillic and Latin scripts meet on one skeleton (``жол`` and ``jol``, ``suv`` and ``suw``), so a
Karakalpak text finds its Kazakh and Uzbek neighbours even when no Karakalpak example was seen.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

# Cyrillic letters of Russian, Tajik, Kyrgyz and Kazakh, and the Latin letters of Uzbek and Karakalpak,
# folded to one plain Latin spelling. Lossy on purpose: what matters is that cognates meet.
_FOLD = str.maketrans(
    {
        "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "j", "з": "z",
        "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
        "с": "s", "т": "t", "у": "u", "ф": "f", "х": "x", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sh",
        "ъ": "", "ы": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya", "ә": "a", "ғ": "g", "қ": "q",
        "ң": "n", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "і": "i", "ӣ": "i", "ӯ": "u", "ҳ": "h",
        "ҷ": "j", "ı": "i", "ǵ": "g", "ń": "n", "á": "a", "ó": "o", "ú": "u", "w": "v",
        "ʻ": "", "ʼ": "", "'": "", "`": "", "’": "", "‘": "",
    }
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")
# Chosen by leave-one-meaning-out cross-validation on the training split only (bench/insights.py): 4 to 6
# characters are about a stem in these agglutinative languages; 3-grams matched too much by chance.
NGRAM_SIZES = (4, 5, 6)


def skeleton(text: str) -> list[str]:
    """The words of ``text`` lower-cased and folded to the common Latin spelling."""
    folded = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    # Accents the table does not know (ç, ş, ğ...) lose their marks.
    folded = "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))
    return _WORD.findall(folded)


def features(text: str) -> Counter[str]:
    """Word and character n-gram counts of a text (n-grams inside words, edges marked)."""
    counts: Counter[str] = Counter()
    for word in skeleton(text):
        counts["w:" + word] += 1
        padded = f" {word} "
        for size in NGRAM_SIZES:
            for start in range(max(len(padded) - size + 1, 1)):
                counts[padded[start : start + size]] += 1
    return counts


Vector = dict[str, float]


def _normalised(vector: Mapping[str, float]) -> Vector:
    norm = math.sqrt(sum(value * value for value in vector.values()))
    return {key: value / norm for key, value in vector.items()} if norm else {}


class LexicalSuggester:
    """TF-IDF character n-grams; one centroid per theme from its examples and its lexicon (labels,
    descriptions, keywords in every language). Scores are cosines to the centroids, turned into a
    distribution over themes with a softmax."""

    temperature = 0.05

    def __init__(self, examples: Iterable[tuple[str, str]], lexicon: Iterable[tuple[str, str]] = ()) -> None:
        documents = [(theme, features(text)) for theme, text in [*examples, *lexicon] if text.strip()]
        document_frequency: Counter[str] = Counter()
        for _theme, counts in documents:
            document_frequency.update(counts.keys())
        total = len(documents) + 1
        self.idf = {key: math.log(total / (1 + count)) + 1 for key, count in document_frequency.items()}
        sums: dict[str, defaultdict[str, float]] = {}
        for theme, counts in documents:
            target = sums.setdefault(theme, defaultdict(float))
            for key, value in self.vector(counts).items():
                target[key] += value
        self.centroids = {theme: _normalised(vector) for theme, vector in sums.items()}
        self.themes = sorted(self.centroids)

    def vector(self, counts: Mapping[str, int]) -> Vector:
        return _normalised(
            {key: (1 + math.log(value)) * self.idf[key] for key, value in counts.items() if key in self.idf}
        )

    def scores(self, text: str) -> dict[str, float]:
        """A probability per theme (they add up to 1; all equal when nothing is recognised)."""
        vector = self.vector(features(text))
        cosines = {
            theme: sum(value * centroid.get(key, 0.0) for key, value in vector.items())
            for theme, centroid in self.centroids.items()
        }
        return softmax(cosines, temperature=self.temperature)


def softmax(values: Mapping[str, float], *, temperature: float) -> dict[str, float]:
    if not values:
        return {}
    top = max(values.values())
    weights = {key: math.exp((value - top) / temperature) for key, value in values.items()}
    total = sum(weights.values())
    return {key: weight / total for key, weight in weights.items()}


def ranked(scores: Mapping[str, float], limit: int = 3) -> list[tuple[str, float]]:
    """The best ``limit`` themes, best first (ties by name, so the order is stable)."""
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]


def lexicon_texts(themes: Sequence[tuple[str, Mapping[str, str], Mapping[str, str]]]) -> list[tuple[str, str]]:
    """(slug, text) pairs from each theme's labels and descriptions in every language."""
    return [
        (slug, text)
        for slug, labels, descriptions in themes
        for text in [*labels.values(), *descriptions.values()]
        if text
    ]
