"""Whether a new complaint repeats an open one of the same customer (Order No. 3: the same complaint repeated
while one is handled may be merged with it). Pure: the intake activity gathers the candidates, this decides.

A repeat is the same matter: the same business type and problem nature, and texts alike in meaning (cosine
of their vectors at least `Repeats.similarity`). The customer is the same by construction (the candidates
are theirs). The handler confirms or says there are new facts: the rule only offers."""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Seen:
    complaint_id: str
    business_type: str | None
    problem_nature: str | None
    vector: np.ndarray | None


def alike(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity; 0 for a zero vector."""
    norm = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.dot(a, b)) / norm if norm else 0.0


def repeat_of(new: Seen, open_ones: list[Seen], similarity: float) -> tuple[str, float] | None:
    """The open complaint `new` repeats, with how alike they are (the most alike of those that qualify)."""
    best: tuple[str, float] | None = None
    for seen in open_ones:
        if seen.complaint_id == new.complaint_id or new.vector is None or seen.vector is None:
            continue
        if (seen.business_type, seen.problem_nature) != (new.business_type, new.problem_nature):
            continue
        score = alike(new.vector, seen.vector)
        if score >= similarity and (best is None or score > best[1]):
            best = (seen.complaint_id, score)
    return best
