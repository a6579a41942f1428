"""Emergency detection on phrasings it never saw: rules alone, the learned detector alone, and both (the
rules as a floor). Prints recall on emergencies and false alarms on routine complaints; passes nothing.

    .venv/bin/python bench/emergency.py

Hold-out: for each of 5 seeds, a quarter of the templates of every family (bench/emergency_set.py) is set
aside before training, so each figure is on sentences whose wording the detector never met; the spread over
the seeds is printed beside the mean. `tests/data/emergency_cases.csv` (the older set, written from the rules'
keywords, never trained on) is a second unseen set."""
import csv
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.emergency import EmergencyDetector, read_cases  # noqa: E402
from classifier.rules import RulesClassifier  # noqa: E402


def split(rows, seed: int):
    rng = random.Random(seed)
    families: dict[str, set[str]] = {}
    for r in rows:
        families.setdefault(r["family"], set()).add(r["template"])
    held = set()
    for templates in families.values():
        ordered = sorted(templates)
        rng.shuffle(ordered)
        held.update(ordered[:max(1, len(ordered) // 4)])
    return [r for r in rows if r["template"] not in held], [r for r in rows if r["template"] in held]


def score(flags: list[bool], labels: list[int]) -> tuple[float, float]:
    pos = [f for f, y in zip(flags, labels) if y]
    neg = [f for f, y in zip(flags, labels) if not y]
    return sum(pos) / max(len(pos), 1), sum(neg) / max(len(neg), 1)


def main() -> None:
    rows = read_cases()
    rules = RulesClassifier()
    figures: dict[str, list[tuple[float, float]]] = {"rules": [], "learned": [], "rules + learned": []}
    for seed in range(5):
        train, test = split(rows, seed)
        model = EmergencyDetector.train([r["text"] for r in train], [int(r["emergency"]) for r in train])
        labels = [int(r["emergency"]) for r in test]
        by_rules = [rules.classify(r["text"]).emergency for r in test]
        by_model = [model.says(r["text"]) for r in test]
        figures["rules"].append(score(by_rules, labels))
        figures["learned"].append(score(by_model, labels))
        figures["rules + learned"].append(score([a or b for a, b in zip(by_rules, by_model)], labels))
    print(f"{len(rows)} cases; 5 seeds, a quarter of each family's templates held out each time")
    print(f"{'detector':<18} {'recall (mean, min–max)':<28} {'false alarms (mean, min–max)'}")
    for name, runs in figures.items():
        rec, fa = [r for r, _ in runs], [f for _, f in runs]
        print(f"{name:<18} {statistics.mean(rec):6.1%} ({min(rec):.1%}–{max(rec):.1%})       "
              f"{statistics.mean(fa):6.1%} ({min(fa):.1%}–{max(fa):.1%})")
    with (ROOT / "tests" / "data" / "emergency_cases.csv").open(encoding="utf-8") as f:
        older = list(csv.DictReader(f))
    model = EmergencyDetector.train([r["text"] for r in rows], [int(r["emergency"]) for r in rows])
    labels = [int(r["emergency"]) for r in older]
    for name, flags in (("rules", [rules.classify(r["text"]).emergency for r in older]),
                        ("learned", [model.says(r["text"]) for r in older]),
                        ("rules + learned", [rules.classify(r["text"]).emergency or model.says(r["text"])
                                             for r in older])):
        rec, fa = score(flags, labels)
        print(f"tests/data/emergency_cases.csv, {name:<16} recall {rec:.1%}, false alarms {fa:.1%}")


if __name__ == "__main__":
    main()
