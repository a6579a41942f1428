"""The trained classifier: the bank trains it on its own labelled history; it decides the business type.

Word n-grams, character n-grams (so Chinese needs no word segmentation) and the taxonomy's label lexicon
feed a soft vote of four linear models, which gives calibrated-enough probabilities for the fallback rule."""
import hashlib
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import joblib
import numpy as np
from scipy import sparse
from scipy.special import expit, softmax
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

from classifier.rules import RulesClassifier, default_taxonomy
from models.enums import Channel
from models.state import Classification

_MASK = re.compile(r"\bx{2,}\b")  # redaction marks (XXXX) carry no meaning
_TOKEN = re.compile(r"[a-z0-9]+")


def normalise(text: str) -> str:
    return _MASK.sub(" ", text.lower())


class LexiconShare(BaseEstimator, TransformerMixin):
    """For each label of the taxonomy's lexicon, the share of a complaint's lexicon hits that are that label's.

    The words are copied in at fit, so a saved model keeps the lexicon it was trained with."""

    def __init__(self, lexicon: dict[str, tuple[str, ...]] | None = None):
        self.lexicon = lexicon  # None: the taxonomy's, read at fit (scikit-learn keeps parameters as given)

    def fit(self, texts, labels=None) -> "LexiconShare":
        # Latin terms are matched as whole words (by token n-grams: "card" is not in "discard"), Chinese
        # ones as substrings, since Chinese has no spaces. A dictionary lookup keeps this well under 1 ms.
        self.words_: dict[tuple[str, ...], list[int]] = {}
        self.cjk_: list[tuple[str, int]] = []
        self.lexicon_ = self.lexicon if self.lexicon is not None else dict(default_taxonomy().label_lexicon)
        for group, terms in enumerate(self.lexicon_.values()):
            for term in terms:
                if term.isascii():
                    self.words_.setdefault(tuple(term.split()), []).append(group)
                else:
                    self.cjk_.append((term, group))
        self.longest_ = max((len(k) for k in self.words_), default=1)
        return self

    def transform(self, texts) -> sparse.csr_matrix:
        hits = np.zeros((len(texts), len(self.lexicon_)))
        for row, text in enumerate(texts):
            text = normalise(text)
            tokens = _TOKEN.findall(text)
            for n in range(1, self.longest_ + 1):
                for i in range(len(tokens) - n + 1):
                    for group in self.words_.get(tuple(tokens[i:i + n]), ()):
                        hits[row, group] += 1
            if not text.isascii():
                for term, group in self.cjk_:
                    hits[row, group] += text.count(term)
        return sparse.csr_matrix(hits / np.maximum(hits.sum(axis=1, keepdims=True), 1))


class LinearVote(BaseEstimator, ClassifierMixin):
    """Four linear voters over features computed once per complaint, soft-voted with equal weight:

    - logistic regression over word 1-2-grams, character 3-5-grams and the lexicon shares;
    - complement naive Bayes over word unigrams, and another over the character n-grams;
    - a linear SVM over word 1-2-grams, sigmoid-calibrated.

    With `meaning` > 0 a fifth voter, logistic regression over the complaint's sentence embedding
    (classifier/embedding.py), votes with that weight; `class_weight="balanced"` weighs the smaller labels up
    in the logistic and SVM voters. Both are candidates of the nested CV (bench/business_type.py).

    The voters disagree in useful ways (5-fold CV on the CFPB sample: 0.76-0.77 each, 0.80 together). At
    prediction each voter's probabilities come straight from its fitted coefficients: for one complaint,
    scikit-learn's per-call input checks cost more than the arithmetic (measured 6.0 -> 2.8 ms)."""

    class_weight: str | None = None  # defaults for a model saved before these existed
    meaning: float = 0.0

    def __init__(self, C: float = 20.0, word_alpha: float = 0.3, char_alpha: float = 0.1, svm_C: float = 0.5,
                 char_range: tuple[int, int] = (3, 5), class_weight: str | None = None, meaning: float = 0.0):
        self.C, self.word_alpha, self.char_alpha, self.svm_C, self.char_range = C, word_alpha, char_alpha, svm_C, char_range
        self.class_weight, self.meaning = class_weight, meaning

    def _features(self, texts, fit: bool = False) -> dict[str, sparse.csr_matrix]:
        """Every voter's features, computed once; `predict_proba` and `top_features` take them ready-made, so
        one classification reads its complaint once."""
        if self.meaning > 0:
            from classifier.embedding import embed

            meaning = embed(list(texts)).astype(np.float64)  # the text as written, case and punctuation read
        texts = [normalise(t) for t in texts]
        steps = {"words": self.words_, "chars": self.chars_, "unigrams": self.unigrams_, "lexicon": self.lexicon_}
        if fit:
            f = {name: step.fit_transform(texts) for name, step in steps.items()}
        else:
            # our own vectorizers on our own strings: scikit-learn's per-call argument and array checks cost
            # more than the transform itself for one complaint
            with config_context(skip_parameter_validation=True, assume_finite=True):
                f = {name: step.transform(texts) for name, step in steps.items()}
        f["all"] = sparse.hstack([f["words"], f["chars"], f["lexicon"]], format="csr")
        if self.meaning > 0:
            f["meaning"] = meaning
        return f

    def fit(self, texts, labels) -> "LinearVote":
        self.words_ = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        self.chars_ = TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(self.char_range), sublinear_tf=True,
                                      min_df=2)
        self.unigrams_ = TfidfVectorizer()
        self.lexicon_ = LexiconShare()
        f = self._features(texts, fit=True)
        self.lr_ = LogisticRegression(C=self.C, max_iter=3000, class_weight=self.class_weight).fit(f["all"], labels)
        self.word_nb_ = ComplementNB(alpha=self.word_alpha).fit(f["unigrams"], labels)
        self.char_nb_ = ComplementNB(alpha=self.char_alpha).fit(f["chars"], labels)
        self.svm_ = CalibratedClassifierCV(LinearSVC(C=self.svm_C, class_weight=self.class_weight), cv=3,
                                           ensemble=False).fit(f["words"], labels)
        if self.meaning > 0:
            self.meaning_ = LogisticRegression(C=4.0, max_iter=3000, class_weight=self.class_weight).fit(
                f["meaning"], labels)
        self.classes_ = self.lr_.classes_
        return self

    def features(self, texts) -> dict[str, sparse.csr_matrix]:
        return self._features(texts)

    def predict_proba(self, texts, features: dict[str, sparse.csr_matrix] | None = None) -> np.ndarray:
        f = features if features is not None else self._features(texts)
        votes = self._votes(f) if len(self.classes_) > 2 else self._scikit_votes(f)
        if self.meaning <= 0:
            return np.asarray(sum(votes)) / len(votes)
        return (np.asarray(sum(votes[:-1])) + self.meaning * votes[-1]) / (len(votes) - 1 + self.meaning)

    def _votes(self, f: dict) -> list[np.ndarray]:
        return [softmax(f["all"] @ self.lr_.coef_.T + self.lr_.intercept_, axis=1),
                softmax(f["unigrams"] @ self.word_nb_.feature_log_prob_.T, axis=1),
                softmax(f["chars"] @ self.char_nb_.feature_log_prob_.T, axis=1),
                self._svm_proba(f["words"]),
                *([softmax(f["meaning"] @ self.meaning_.coef_.T + self.meaning_.intercept_, axis=1)]
                  if self.meaning > 0 else [])]

    def _scikit_votes(self, f: dict) -> list[np.ndarray]:
        # Binary models keep one column of coefficients: there scikit-learn's own answer is used as it is.
        return [self.lr_.predict_proba(f["all"]), self.word_nb_.predict_proba(f["unigrams"]),
                self.char_nb_.predict_proba(f["chars"]), self.svm_.predict_proba(f["words"]),
                *([self.meaning_.predict_proba(f["meaning"])] if self.meaning > 0 else [])]

    def _svm_proba(self, x) -> np.ndarray:
        # One-vs-rest sigmoid per class, then normalised: what CalibratedClassifierCV does for 3+ classes.
        calibrated = self.svm_.calibrated_classifiers_[0]
        svm = calibrated.estimator
        margins = x @ svm.coef_.T + svm.intercept_
        p = np.column_stack([expit(-(c.a_ * margins[:, k] + c.b_)) for k, c in enumerate(calibrated.calibrators)])
        total = p.sum(axis=1, keepdims=True)
        return np.divide(p, total, out=np.full_like(p, 1 / p.shape[1]), where=total > 0)

    def predict(self, texts) -> np.ndarray:
        return self.classes_[self.predict_proba(texts).argmax(axis=1)]

    def top_features(self, text: str, label: str, top: int = 3,
                     features: dict[str, sparse.csr_matrix] | None = None) -> list[str]:
        """The logistic voter's features that pushed `label` up most for this complaint: the "why" of a
        model's business type (words, character n-grams, or a lexicon label's share)."""
        if not hasattr(self, "names_"):
            self.names_ = [*self.words_.get_feature_names_out(), *self.chars_.get_feature_names_out(),
                           *(f"lexicon:{name}" for name in self.lexicon_.lexicon_)]
        x = (features if features is not None else self._features([text]))["all"].tocsr()
        row = list(self.classes_).index(label) if len(self.classes_) > 2 else 0
        sign = -1.0 if len(self.classes_) == 2 and label == self.classes_[0] else 1.0
        contributions = sign * x.data * self.lr_.coef_[row][x.indices]
        order = np.argsort(contributions)[::-1][:top]
        return [str(self.names_[x.indices[i]]).strip() for i in order if contributions[i] > 0]


def build_pipeline() -> LinearVote:
    return LinearVote()


# The configurations bench/business_type.py chooses among inside each outer fold of its nested CV; the
# shipped one is `build_pipeline()`'s. A figure is honest only with the choice made inside the loop.
CANDIDATES: dict[str, LinearVote] = {
    "vote": LinearVote(),
    "vote C=5": LinearVote(C=5.0),
    "vote balanced": LinearVote(class_weight="balanced"),
    "vote + meaning": LinearVote(meaning=1.0),
}


class TrainedModel:
    def __init__(self, pipeline, version: str, labels: list[str], trained_on: int, trained_at: str):
        self.pipeline, self.version, self.labels = pipeline, version, labels
        self.trained_on, self.trained_at = trained_on, trained_at

    @classmethod
    def train(cls, texts: list[str], labels: list[str]) -> "TrainedModel":
        pipeline = build_pipeline().fit(texts, labels)
        digest = hashlib.sha256(json.dumps([texts, labels], ensure_ascii=False).encode()).hexdigest()[:10]
        return cls(pipeline, f"model@{digest}", sorted(set(labels)), len(texts),
                   datetime.now(UTC).isoformat(timespec="seconds"))

    def predict(self, texts: list[str], features=None) -> list[tuple[str, float]]:
        probabilities = self.pipeline.predict_proba(texts) if features is None else \
            self.pipeline.predict_proba(texts, features)
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

    def labels(self) -> tuple[set[str], set[str]]:
        """The taxonomy's labels and the business types the model was trained on."""
        business, natures = self.rules.labels()
        return business | set(self.model.labels), natures

    @property
    def version(self) -> str:
        return f"{self.model.version}+{self.rules.version}"

    def classify(self, text: str, channel: Channel | str | None = None, recent_count: int = 0) -> Classification:
        pipeline = self.model.pipeline
        features = pipeline.features([text]) if hasattr(pipeline, "features") else None
        label, confidence = self.model.predict([text], features)[0]
        if confidence < self.threshold:
            c = self.rules.classify(text, channel, recent_count,
                                    method=f"{self.rules.version} (fallback: {self.model.version} {confidence:.2f})")
            return c.model_copy(update={"matched": [*c.matched, f"model:{label} {confidence:.2f} (low)"]})
        c = self.rules.classify(text, channel, recent_count, business_type=label, business_confidence=confidence,
                                method=self.model.version)
        if not hasattr(pipeline, "top_features"):
            return c
        why = pipeline.top_features(text, label, features=features)
        return c.model_copy(update={"matched": [*c.matched, *(f"model-feature:{f}" for f in why)]})
