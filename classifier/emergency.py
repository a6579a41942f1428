"""A learned emergency detector beside the rules: the rules stay as a floor (they can only add), and this
model adds what customers say in their own words (a card used abroad while it is in the hand, a SIM swap, a
"safe account"). Character n-grams need no Chinese word segmentation; word n-grams carry the English.

Trained on `classifier/data/emergency_cases.csv` (bench/emergency_set.py writes it); bench/emergency.py
measures it on templates held out before training."""
import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data" / "emergency_cases.csv"


def read_cases(path: Path = DATA) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@dataclass
class EmergencyDetector:
    pipeline: object
    threshold: float = 0.5
    version: str = "emergency-lr@1"

    @classmethod
    def train(cls, texts: list[str], labels: list[int], threshold: float = 0.5) -> "EmergencyDetector":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion, make_pipeline

        features = FeatureUnion([
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1)),
            ("words", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
        ])
        pipeline = make_pipeline(features, LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000))
        pipeline.fit([t.lower() for t in texts], labels)
        return cls(pipeline, threshold)

    def probability(self, text: str) -> float:
        return float(self.pipeline.predict_proba([text.lower()])[0][1])  # type: ignore[attr-defined]

    def says(self, text: str) -> bool:
        return self.probability(text) >= self.threshold


@lru_cache(maxsize=1)
def shipped() -> EmergencyDetector:
    """The detector trained on the whole shipped set (a second or less, once per process)."""
    rows = read_cases()
    return EmergencyDetector.train([r["text"] for r in rows], [int(r["emergency"]) for r in rows])
