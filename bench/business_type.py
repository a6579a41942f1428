"""The business-type model on complaints it never saw, estimated honestly: nested cross-validation.

    .venv/bin/python bench/business_type.py [--csv ../shared/data/cfpb_complaints_train.csv] [--repeats 3]

Outer loop: 5 stratified folds, repeated with different shuffles. For each outer fold, the candidate
models below are compared by an inner 4-fold CV on the outer training part only, the winner is refitted on
that part and scored once on the outer fold it never saw. So the choice of model (the thing a plain k-fold
figure leaks into its own estimate) is part of what is measured. Printed: the mean outer accuracy with its
spread (standard deviation and min–max over all outer folds), which candidate won how often, and, for
contrast, the plain 5-fold figure of the shipped configuration."""
import argparse
import statistics
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_score  # noqa: E402

from classifier.evaluate import read_csv  # noqa: E402
from classifier.model import CANDIDATES, build_pipeline  # noqa: E402


def nested(texts: list[str], labels: list[str], seed: int) -> list[tuple[float, str]]:
    outer = StratifiedKFold(n_splits=5, shuffle=True, random_state=seed)
    results = []
    for train, test in outer.split(texts, labels):
        tr_x, tr_y = [texts[i] for i in train], [labels[i] for i in train]
        inner = StratifiedKFold(n_splits=4, shuffle=True, random_state=seed + 100)
        scores = {name: statistics.mean(cross_val_score(clone(model), tr_x, tr_y, cv=inner))
                  for name, model in CANDIDATES.items()}
        best = max(scores, key=lambda n: scores[n])
        fitted = clone(CANDIDATES[best]).fit(tr_x, tr_y)
        accuracy = statistics.mean(float(p == labels[i]) for p, i in zip(fitted.predict([texts[i] for i in test]),
                                                                           test))
        results.append((accuracy, best))
        print(f"  seed {seed}: inner {', '.join(f'{n} {s:.3f}' for n, s in scores.items())} → {best}, "
              f"outer {accuracy:.3f}", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=ROOT.parent / "shared" / "data" / "cfpb_complaints_train.csv")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    texts, labels = read_csv(args.csv, "narrative", "product")
    print(f"{len(texts)} complaints, {len(set(labels))} business types; candidates: {', '.join(CANDIDATES)}")
    runs = [r for seed in range(args.repeats) for r in nested(texts, labels, seed)]
    accs = [a for a, _ in runs]
    print(f"nested CV accuracy {statistics.mean(accs):.3f} ± {statistics.stdev(accs):.3f} "
          f"(min {min(accs):.3f}, max {max(accs):.3f}; {len(accs)} outer folds, {args.repeats} shuffles)")
    print(f"chosen: {dict(Counter(name for _, name in runs))}")
    plain = [statistics.mean(cross_val_score(build_pipeline(), texts, labels,
                                             cv=StratifiedKFold(5, shuffle=True, random_state=s)))
             for s in range(args.repeats)]
    print(f"plain 5-fold CV of the shipped model, for contrast: {statistics.mean(plain):.3f}")


if __name__ == "__main__":
    main()
