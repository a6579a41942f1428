"""Which resolved complaints a month's look-back revisits. Pure and reproducible.

Each department's share is rounded up, so every department that resolved any complaint is revisited at
least once, and small departments are not lost in a bank-wide 10%. Within a department the order is a
hash of month + complaint id: the same month always gives the same sample, whatever order the rows
come in, and nobody can predict or steer which complaints are picked."""
import hashlib
import math
from collections import defaultdict

from models.lookback import Sample, Sampled


def _order(month: str, complaint_id: str) -> str:
    return hashlib.sha256(f"{month}/{complaint_id}".encode()).hexdigest()


def sample(month: str, candidates: list[Sampled], share: float) -> Sample:
    by_department: dict[str, list[Sampled]] = defaultdict(list)
    for c in candidates:
        by_department[c.department].append(c)
    picked: list[Sampled] = []
    for department in sorted(by_department):
        rows = sorted(by_department[department], key=lambda c: _order(month, c.complaint_id))
        # round() first: 0.1 * 30 is 3.0000000000000004 in floating point, and must stay 3.
        picked += rows[:math.ceil(round(share * len(rows), 9))]
    return Sample(month=month, candidates=len(candidates),
                  candidates_by_department={d: len(rows) for d, rows in sorted(by_department.items())},
                  sampled=picked)
