"""Classifying a complaint: business type, problem nature, level, emergency, owning department.

`classifier_from(settings)` picks the implementation the configuration asks for: the rules alone, or a
trained model with the rules as fallback when its confidence is low; beside either, the learned emergency
detector (classifier/emergency.py), with the rules' emergency as a floor it can only add to."""
from pathlib import Path
from typing import Protocol

from models.enums import Channel
from models.reasons import Reason, why
from models.state import Classification


class Classifier(Protocol):
    @property
    def version(self) -> str: ...

    def classify(self, text: str, channel: Channel | str | None = None, recent_count: int = 0) -> Classification:
        ...

    def labels(self) -> tuple[set[str], set[str]]: ...


def label_refusal(classifier: Classifier, business_type: str | None, problem_nature: str | None) -> Reason | None:
    """Why a correction's labels are not the taxonomy's, naming the allowed ones; None when they are."""
    business, natures = classifier.labels()
    if business_type is not None and business_type not in business:
        return why("unknown_label", field="business_type", label=business_type, labels=", ".join(sorted(business)))
    if problem_nature is not None and problem_nature not in natures:
        return why("unknown_label", field="problem_nature", label=problem_nature, labels=", ".join(sorted(natures)))
    return None


def configured(settings) -> Classifier:
    """The classifier the configuration (`complaints.config.Settings`) asks for; trained models and the
    emergency detector are kept under the data folder's `models/`: trained once, then loaded."""
    return classifier_from(settings.complaints_classifier, settings.complaints_model_file,
                           settings.classifier_threshold, settings.complaints_emergency, settings.data_dir / "models")


def classifier_from(kind: str = "rules", model_file: str | None = None, threshold: float = 0.5,
                    emergency: str = "learned", cache_dir: Path | None = None) -> Classifier:
    """`kind` decides the business type ("model" without `model_file`: the shipped model); `emergency` is "learned" (the learned detector beside the rules,
    which stay as a floor) or "rules" (the rules alone); the learned detector, once trained, is kept in
    `cache_dir` when one is given."""
    from classifier.rules import RulesClassifier

    chosen: Classifier
    if kind == "rules":
        chosen = RulesClassifier()
    elif kind == "model":
        from classifier.model import ModelClassifier, TrainedModel
        from classifier.shipped import shipped_model

        # no file named: the model trained on the labelled rows the product ships (classifier/shipped.py)
        model = TrainedModel.load(Path(model_file)) if model_file else shipped_model(cache_dir)
        chosen = ModelClassifier(model, RulesClassifier(), threshold)
    else:
        raise ValueError(f"unknown classifier {kind!r}: use rules or model")
    if emergency == "rules":
        return chosen
    if emergency != "learned":
        raise ValueError(f"unknown emergency detector {emergency!r}: use learned or rules")
    from classifier.emergency import WithLearnedEmergency

    return WithLearnedEmergency(chosen, cache_dir=cache_dir)
