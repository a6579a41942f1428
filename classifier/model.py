"""The trained classifier: the bank trains it on its own labelled history; it decides the business type.

Word n-grams and character n-grams (so Chinese needs no word segmentation) feed a soft vote of three linear
models, which gives calibrated-enough probabilities for the fallback rule. One calibrated SVM, not three
(`ensemble=False`), keeps a complaint under 5 ms on two cores."""
import hashlib
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import joblib
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.svm import LinearSVC

from classifier.rules import RulesClassifier
from models.enums import Channel
from models.state import Classification

_MASK = re.compile(r"\bx{2,}\b")  # redaction marks (XXXX) carry no meaning


def normalise(text: str) -> str:
    return _MASK.sub(" ", text.lower())


def build_pipeline() -> Pipeline:
    words = dict(ngram_range=(1, 2), sublinear_tf=True, preprocessor=normalise)
    chars = dict(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2, preprocessor=normalise)
    return VotingClassifier([
        ("lr", make_pipeline(make_union(TfidfVectorizer(**words), TfidfVectorizer(**chars)),
                             LogisticRegression(C=20, max_iter=3000))),
        ("nb", make_pipeline(TfidfVectorizer(preprocessor=normalise), ComplementNB(alpha=0.5))),
        ("svm", make_pipeline(TfidfVectorizer(**words), CalibratedClassifierCV(LinearSVC(C=0.5), cv=3, ensemble=False))),
    ], voting="soft")


class TrainedModel:
    def __init__(self, pipeline, version: str, labels: list[str], trained_on: int, trained_at: str):
        self.pipeline, self.version, self.labels = pipeline, version, labels
        self.trained_on, self.trained_at = trained_on, trained_at

    @classmethod
    def train(cls, texts: list[str], labels: list[str]) -> "TrainedModel":
        pipeline = build_pipeline().fit(texts, labels)
        digest = hashlib.sha256(json.dumps([texts, labels], ensure_ascii=False).encode()).hexdigest()[:10]
        return cls(pipeline, f"model@{digest}", sorted(set(labels)), len(texts),
                   datetime.now(timezone.utc).isoformat(timespec="seconds"))

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        probabilities = self.pipeline.predict_proba(texts)
        classes = self.pipeline.classes_
        return [(str(classes[row.argmax()]), float(row.max())) for row in probabilities]

    def save(self, path: Path) -> Path:
        """A versioned file: the version is in its name and inside it."""
        path = Path(path)
        if path.is_dir() or not path.suffix:
            path.mkdir(parents=True, exist_ok=True)
            path = path / f"classifier-{self.version.split('@')[1]}.joblib"
        joblib.dump({"pipeline": self.pipeline, "version": self.version, "labels": self.labels,
                     "trained_on": self.trained_on, "trained_at": self.trained_at}, path)
        return path

    @classmethod
    def load(cls, path: Path) -> "TrainedModel":
        data = joblib.load(path)
        return cls(data["pipeline"], data["version"], data["labels"], data["trained_on"], data["trained_at"])


class ModelClassifier:
    """The model's business type when it is confident enough, else the rules' (recorded either way)."""

    def __init__(self, model: TrainedModel, rules: RulesClassifier | None = None, threshold: float = 0.5):
        self.model, self.rules, self.threshold = model, rules or RulesClassifier(), threshold

    @property
    def version(self) -> str:
        return f"{self.model.version}+{self.rules.version}"

    def classify(self, text: str, channel: Channel | str | None = None, recent_count: int = 0) -> Classification:
        label, confidence = self.model.predict([text])[0]
        if confidence < self.threshold:
            c = self.rules.classify(text, channel, recent_count,
                                    method=f"{self.rules.version} (fallback: {self.model.version} {confidence:.2f})")
            return c.model_copy(update={"matched": [*c.matched, f"model:{label} {confidence:.2f} (low)"]})
        return self.rules.classify(text, channel, recent_count, business_type=label, business_confidence=confidence,
                                   method=self.model.version)
