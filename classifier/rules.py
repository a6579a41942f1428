"""The rules classifier: keywords and synonyms from `taxonomy.toml`, Chinese and English.

Explainable by construction: the terms that fired are recorded with the classification. The rules'
emergency is the floor: the learned detector (classifier/emergency.py) may add an emergency, never remove
one, and a trained business-type model never decides it."""
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from models.enums import Channel, Level
from models.state import Classification

TAXONOMY = Path(__file__).with_name("taxonomy.toml")


@dataclass(frozen=True)
class Taxonomy:
    version: str
    business_types: dict[str, tuple[str, ...]]
    natures: dict[str, tuple[str, ...]]  # ordered: urgent natures first
    emergency_natures: frozenset[str]
    level_i_natures: frozenset[str]
    level_ii_natures: frozenset[str]
    wide_impact: tuple[str, ...]
    departments: dict[str, str]
    nature_departments: dict[str, str]
    label_lexicon: dict[str, tuple[str, ...]]  # the trained model's domain knowledge, per label
    emergency_guard: tuple[str, ...] = ()  # a clause with one of these does not make an emergency

    @classmethod
    def load(cls, path: Path = TAXONOMY) -> "Taxonomy":
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        levels = data["levels"]
        lower = lambda table: {k: tuple(w.lower() for w in v) for k, v in table.items()}  # noqa: E731
        return cls(version=data["version"], business_types=lower(data["business_types"]),
                   natures=lower(data["natures"]), emergency_natures=frozenset(levels["emergency_natures"]),
                   level_i_natures=frozenset(levels["level_I_natures"]),
                   level_ii_natures=frozenset(levels["level_II_natures"]),
                   wide_impact=tuple(w.lower() for w in levels["wide_impact"]),
                   departments=data["departments"], nature_departments=data["nature_departments"],
                   label_lexicon={**lower(data["business_types"]), **lower(data.get("label_lexicon", {}))},
                   emergency_guard=tuple(w.lower() for group in data.get("emergency_guard", {}).values()
                                         for w in group))

    @staticmethod
    def emergency_business(business_type: str) -> str:
        """An emergency placed under no business type is the customer's account's (a lost card, a fraud)."""
        return "debit_account" if business_type == "other" else business_type

    def department_for(self, business_type: str, nature: str) -> str:
        return self.nature_departments.get(nature) or self.departments.get(business_type) or self.departments["other"]


_CLAUSE = re.compile(r"[。，,；;！!？?\n]|(?<![\d$£])\.(?!\d)|但是|但|不过|\bbut\b|\bhowever\b")


def _clauses(lowered: str) -> list[str]:
    return [c for c in _CLAUSE.split(lowered) if c.strip()]


def _has(clause: str, word: str) -> bool:
    """Chinese as a substring; English as whole words ("once" is not in "concerned")."""
    if not word.isascii():
        return word in clause
    return re.search(r"(?<![a-z])" + re.escape(word) + r"(?![a-z])", clause) is not None


@lru_cache(maxsize=4)
def default_taxonomy() -> Taxonomy:
    return Taxonomy.load()


class RulesClassifier:
    def __init__(self, taxonomy: Taxonomy | None = None):
        self.t = taxonomy or default_taxonomy()

    @property
    def version(self) -> str:
        return self.t.version

    def labels(self) -> tuple[set[str], set[str]]:
        """The business types and problem natures this taxonomy knows ("other" for what it cannot place)."""
        return set(self.t.business_types) | {"other"}, set(self.t.natures) | {"other"}

    def business_type(self, lowered: str) -> tuple[str, list[str]]:
        best, best_hits = "other", list[str]()
        for label, terms in self.t.business_types.items():
            hits = [term for term in terms if term in lowered]
            if len(hits) > len(best_hits):
                best, best_hits = label, hits
        return best, best_hits

    def nature(self, lowered: str) -> tuple[str, list[str]]:
        """The first nature whose words the text uses; an emergency nature only where a clause uses them
        without saying the loss is over or only asking about one (those hits are returned as `guarded:`)."""
        guarded: list[str] = []
        clauses = None
        for label, terms in self.t.natures.items():
            hits = [term for term in terms if term in lowered]
            if hits and label in self.t.emergency_natures and self.t.emergency_guard:
                clauses = clauses if clauses is not None else _clauses(lowered)
                live = [t for t in hits if any(t in c and not self._guarded(c) for c in clauses)]
                guarded += [f"guarded:{t}" for t in hits if t not in live]
                hits = live
            if hits:
                return label, hits + guarded
        return "other", guarded

    def _guarded(self, clause: str) -> bool:
        return any(_has(clause, word) for word in self.t.emergency_guard)

    def classify(self, text: str, channel: Channel | str | None = None, recent_count: int = 0,
                 business_type: str | None = None, business_confidence: float | None = None,
                 method: str | None = None) -> Classification:
        """Classify `text`; a trained model may pass the business type it chose, with its confidence."""
        lowered = text.lower()
        nature, nature_hits = self.nature(lowered)
        if business_type is None:
            business_type, business_hits = self.business_type(lowered)
            matched = [f"business:{t}" for t in business_hits]
            business_confidence = 0.9 if business_hits else 0.6
        else:
            business_confidence = business_confidence if business_confidence is not None else 0.6
            matched = [f"model:{business_type} {business_confidence:.2f}"]
        matched += [t if t.startswith("guarded:") else f"nature:{t}" for t in nature_hits]
        nature_hits = [t for t in nature_hits if not t.startswith("guarded:")]
        emergency = nature in self.t.emergency_natures
        if nature in self.t.level_i_natures or any(w in lowered for w in self.t.wide_impact):
            level = Level.I
        elif nature in self.t.level_ii_natures:
            level = Level.II
        else:
            level = Level.III
        # A regulator's referral, or a customer complaining again, is more urgent than its text alone.
        if channel == Channel.REGULATOR:
            level = level.more_urgent()
            matched.append("channel:regulator")
        if recent_count >= 2:
            level = level.more_urgent()
            matched.append(f"repeat:{recent_count} recent")
        if emergency:
            business_type = self.t.emergency_business(business_type)
        # Without a recognised problem nature the whole classification is less certain.
        confidence = business_confidence if nature_hits else business_confidence * 0.7
        return Classification(business_type=business_type, problem_nature=nature, level=level, emergency=emergency,
                              department=self.t.department_for(business_type, nature), confidence=round(confidence, 2),
                              method=method or self.version, matched=matched)
