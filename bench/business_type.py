"""The business-type model on complaints it never saw, estimated honestly: nested cross-validation with
near-duplicates kept together, and a part held out before the work began, scored once.

    .venv/bin/python bench/business_type.py [--csv ../shared/data/cfpb_complaints_train.csv] [--repeats 3]
                                            [--holdout bench/data/business_type_holdout_ids.txt]

Outer loop: 5 stratified folds, repeated with different shuffles. For each outer fold, the candidate
models (`classifier.model.CANDIDATES`) are compared by an inner 4-fold CV on the outer training part only,
the winner is refitted on that part and scored once on the outer fold it never saw. So the choice of model
(the thing a plain k-fold figure leaks into its own estimate) is part of what is measured. Every split,
outer and inner, keeps near-duplicate complaints on one side (`classifier.evaluate.near_duplicate_groups`):
a model scored on the twin of a row it trained on is scored on something it has seen.

Printed: the mean outer accuracy with its spread (standard deviation, min–max over all outer folds), which
candidate won how often, and, for contrast, the plain 5-fold figure of the shipped configuration with
near-duplicates split freely. With `--holdout`, the nested CV runs on the other rows, and the shipped
configuration, trained on them (less any near-duplicate of a held-out row), scores the held-out rows."""
import argparse
import statistics
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import StratifiedKFold, cross_val_score  # noqa: E402

from classifier.evaluate import group_folds, near_duplicate_groups, read_csv, shared  # noqa: E402
from classifier.model import CANDIDATES, build_pipeline  # noqa: E402


def accuracy(model, texts: list[str], labels: list[str]) -> float:
    return float(np.mean(np.asarray(model.predict(texts)) == np.asarray(labels)))


def nested(texts: list[str], labels: list[str], groups: np.ndarray, seed: int) -> list[tuple[float, str]]:
    results = []
    for train, test in group_folds(labels, groups, 5, seed):
        tr_x, tr_y = [texts[i] for i in train], [labels[i] for i in train]
        inner = group_folds(tr_y, groups[train], 4, seed + 100)
        scores = {name: statistics.mean(accuracy(clone(model).fit([tr_x[i] for i in a], [tr_y[i] for i in a]),
                                                 [tr_x[i] for i in b], [tr_y[i] for i in b]) for a, b in inner)
                  for name, model in CANDIDATES.items()}
        best = max(scores, key=lambda n: scores[n])
        outer = accuracy(clone(CANDIDATES[best]).fit(tr_x, tr_y), [texts[i] for i in test], [labels[i] for i in test])
        results.append((outer, best))
        print(f"  seed {seed}: inner {', '.join(f'{n} {s:.3f}' for n, s in scores.items())} → {best}, "
              f"outer {outer:.3f}", flush=True)
    return results


def held_out(path: Path) -> set[str]:
    return {line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")}


def score_holdout(texts: list[str], labels: list[str], ids: list[str], held: set[str]) -> None:
    """The shipped configuration, trained on the rows outside the holdout that have no near-duplicate in
    it, scores the held-out rows: once, at the end of the work it measures."""
    groups = near_duplicate_groups(texts)
    held_groups = {groups[i] for i, row_id in enumerate(ids) if row_id in held}
    train = [i for i, row_id in enumerate(ids) if row_id not in held and groups[i] not in held_groups]
    test = [i for i, row_id in enumerate(ids) if row_id in held]
    model = build_pipeline().fit([texts[i] for i in train], [labels[i] for i in train])
    right = np.asarray(model.predict([texts[i] for i in test])) == np.asarray([labels[i] for i in test])
    n, k = len(test), int(right.sum())
    spread = 1.96 * (k / n * (1 - k / n) / n) ** 0.5
    print(f"held-out rows: {k}/{n} = {k / n:.3f} (95% interval ±{spread:.3f}), the shipped configuration "
          f"trained on {len(train)} rows ({len(ids) - len(test) - len(train)} left out as near-duplicates of "
          f"held-out rows)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=ROOT.parent / "shared" / "data" / "cfpb_complaints_train.csv")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--holdout", type=Path, help="a file of row ids held out before the work began")
    args = parser.parse_args()
    texts, labels = read_csv(args.csv, "narrative", "product")
    ids, _ = read_csv(args.csv, "id", "product")
    held = held_out(args.holdout) if args.holdout else set()
    rest = [i for i, row_id in enumerate(ids) if row_id not in held]
    cv_texts, cv_labels = [texts[i] for i in rest], [labels[i] for i in rest]
    groups = near_duplicate_groups(cv_texts)
    print(f"{len(cv_texts)} complaints ({len(held)} more held out), {len(set(labels))} business types, "
          f"{shared(groups)} rows with a near-duplicate kept in its fold; candidates: {', '.join(CANDIDATES)}")
    runs = [r for seed in range(args.repeats) for r in nested(cv_texts, cv_labels, groups, seed)]
    accs = [a for a, _ in runs]
    print(f"nested CV accuracy {statistics.mean(accs):.3f} ± {statistics.stdev(accs):.3f} "
          f"(min {min(accs):.3f}, max {max(accs):.3f}; {len(accs)} outer folds, {args.repeats} shuffles)")
    print(f"chosen: {dict(Counter(name for _, name in runs))}")
    plain = [statistics.mean(cross_val_score(build_pipeline(), cv_texts, cv_labels,
                                             cv=StratifiedKFold(5, shuffle=True, random_state=s)))
             for s in range(args.repeats)]
    print(f"plain 5-fold CV of the shipped model, near-duplicates split freely, for contrast: {statistics.mean(plain):.3f}")
    if held:
        score_holdout(texts, labels, ids, held)


if __name__ == "__main__":
    main()
