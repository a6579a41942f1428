"""Measuring a classifier: accuracy, macro-F1 and the confusion matrix, on held-out rows or by k-fold CV."""
import csv
from pathlib import Path

from pydantic import BaseModel
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from classifier.model import build_pipeline


class Metrics(BaseModel):
    rows: int
    accuracy: float
    macro_f1: float
    labels: list[str]
    confusion: list[list[int]]  # rows: true label, columns: predicted, in `labels` order
    folds: int | None = None


def read_csv(path: Path, text_col: str, label_col: str) -> tuple[list[str], list[str]]:
    with Path(path).open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        missing = {text_col, label_col} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path} has no column {', '.join(sorted(missing))} (columns: {', '.join(reader.fieldnames or [])})")
        rows = [(r[text_col], r[label_col]) for r in reader if r[text_col] and r[label_col]]
    if not rows:
        raise ValueError(f"{path} has no labelled rows")
    return [t for t, _ in rows], [label for _, label in rows]


def metrics(truth: list[str], predicted: list[str], folds: int | None = None) -> Metrics:
    labels = sorted(set(truth) | set(predicted))
    return Metrics(rows=len(truth), accuracy=round(accuracy_score(truth, predicted), 4),
                   macro_f1=round(f1_score(truth, predicted, average="macro", labels=labels), 4), labels=labels,
                   confusion=confusion_matrix(truth, predicted, labels=labels).tolist(), folds=folds)


def cross_validate(texts: list[str], labels: list[str], folds: int = 5, seed: int = 0) -> Metrics:
    """Every row predicted by a model that never saw it."""
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    predicted = cross_val_predict(build_pipeline(), texts, labels, cv=cv, n_jobs=1)
    return metrics(labels, list(predicted), folds)
