"""Emergency detection on complaints it never saw: the rules alone, the learned detector alone, and both
(the rules as a floor, which is what the analyse stage uses). Prints recall on emergencies and false alarms
on routine complaints; passes nothing.

    .venv/bin/python bench/emergency.py [--seeds 5] [--skip-unseen]

The unseen sets:
- held-out templates: for each seed, a quarter of the templates of every family in the training set is set
  aside before training (the threshold, too, is chosen inside the rest), so each figure is on sentences
  whose wording the detector never met; mean and min–max over the seeds;
- six sets written apart, each run once and then read (`bench/data/emergency_unseen.csv`, `_2` … `_6`:
  90.0% / 14.8%, 77.5% / 17.5%, 84.0% / 8.0%, 82.0% / 9.1%, 100.0% / 16.7%, 98.3% / 11.7% on the versions
  of their day, see bench/README.md); spent, they have since joined the training cases, so they are no
  longer measured;
- `bench/data/emergency_unseen_7.csv`: 100 more (50 + 50), written apart after the sixth set's run and
  before the next change to the detector, committed before its one run on the shipped version (98.0% / 6.0%); spent;
- `bench/data/emergency_unseen_8.csv`: 102 more (50 + 52), written apart with no change to the
  detector after it, committed before its one run: the figure to quote (misses and false alarms are listed);
- `tests/data/emergency_cases.csv`, the older set written from the rules' keywords, for contrast."""
import argparse
import csv
import random
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifier.emergency import EmergencyDetector, read_cases  # noqa: E402
from classifier.rules import RulesClassifier  # noqa: E402

FINAL = ROOT / "bench" / "data" / "emergency_unseen_8.csv"
OLDER = ROOT / "tests" / "data" / "emergency_cases.csv"


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


def detectors(model: EmergencyDetector, rules: RulesClassifier, texts: list[str]) -> dict[str, list[bool]]:
    by_rules = [rules.classify(t).emergency for t in texts]
    by_model = [model.says(t) for t in texts]
    return {"rules": by_rules, "learned": by_model, "rules + learned": [a or b for a, b in zip(by_rules, by_model)]}


def train(rows) -> EmergencyDetector:
    return EmergencyDetector.train([r["text"] for r in rows], [int(r["emergency"]) for r in rows],
                                   [r["template"] for r in rows])


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--skip-unseen", action="store_true", help="only the held-out templates")
    args = parser.parse_args()
    rows, rules = read_cases(), RulesClassifier()
    figures: dict[str, list[tuple[float, float]]] = {"rules": [], "learned": [], "rules + learned": []}
    for seed in range(args.seeds):
        training, test = split(rows, seed)
        model = train(training)
        labels = [int(r["emergency"]) for r in test]
        for name, flags in detectors(model, rules, [r["text"] for r in test]).items():
            figures[name].append(score(flags, labels))
    print(f"{len(rows)} training cases; {args.seeds} seeds, a quarter of each family's templates held out each time")
    print(f"{'detector':<18} {'recall (mean, min–max)':<28} {'false alarms (mean, min–max)'}")
    for name, runs in figures.items():
        rec, fa = [r for r, _ in runs], [f for _, f in runs]
        print(f"{name:<18} {statistics.mean(rec):6.1%} ({min(rec):.1%}–{max(rec):.1%})       "
              f"{statistics.mean(fa):6.1%} ({min(fa):.1%}–{max(fa):.1%})")
    if args.skip_unseen:
        return
    model = train(rows)
    print(f"shipped detector {model.version}, threshold {model.threshold:.3f} (chosen out of fold)")
    for path in (FINAL, OLDER):
        cases = read(path)
        labels = [int(r["emergency"]) for r in cases]
        flags = detectors(model, rules, [r["text"] for r in cases])
        for name, marks in flags.items():
            rec, fa = score(marks, labels)
            print(f"{path.name} ({sum(labels)} emergencies, {len(labels) - sum(labels)} routine), {name:<16} "
                  f"recall {rec:.1%}, false alarms {fa:.1%}")
        if path != OLDER:
            for r, flag in zip(cases, flags["rules + learned"]):
                if flag != bool(int(r["emergency"])):
                    kind = "missed" if int(r["emergency"]) else "false alarm"
                    print(f"  {kind:<11} [{r['pattern']}] {r['text'][:90]}")


if __name__ == "__main__":
    main()
