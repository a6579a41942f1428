"""The business-type model on complaints it never saw, estimated honestly, with near-duplicates kept
together in every split (`classifier.evaluate.near_duplicate_groups`):

    .venv/bin/python bench/business_type.py [--csv classifier/data/business_types.csv] [--repeats 1]
        [--holdout bench/data/business_type_holdout_ids.txt] [--json figures.json]

- **nested CV** on every row: 5 outer folds; inside each, the candidates (`classifier.model.CANDIDATES`)
  are compared by a 4-fold CV of the outer training part only, the winner is refitted on it and scores the
  outer fold once. The choice of model is part of what is measured. Per-label precision and recall, the
  credit_reporting / debt_collection confusion and the accuracy on rows of each source file come from
  those outer predictions.
- **learning curve**: on the same outer folds, the shipped configuration trained on 500, 1,000, 2,000 and
  all of the training part, and a power law `a - b * n^-c` fitted to it, solved for the rows a goal needs.
- **held-out rows**: the 100 rows put aside before any of the model's choices were made, scored once by
  the shipped configuration trained on every other row (less their near-duplicates)."""
import argparse
import json
import statistics
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scipy.optimize import curve_fit  # noqa: E402
from sklearn.base import clone  # noqa: E402
from sklearn.metrics import precision_recall_fscore_support  # noqa: E402

from classifier import embedding  # noqa: E402
from classifier.evaluate import group_folds, near_duplicate_groups, read_csv, shared  # noqa: E402
from classifier.model import CANDIDATES, build_pipeline  # noqa: E402
from classifier.shipped import ROWS  # noqa: E402

SIZES = (500, 1000, 2000)
GOAL = 0.80


def fit_score(model, texts, labels, train, test) -> np.ndarray:
    """Predictions for `test`, by `model` trained on `train` (indices into texts/labels)."""
    fitted = clone(model).fit([texts[i] for i in train], [labels[i] for i in train])
    return np.asarray(fitted.predict([texts[i] for i in test]))


def nested(texts, labels, groups, seed: int) -> tuple[np.ndarray, list[dict]]:
    y = np.asarray(labels)
    predicted = np.empty(len(texts), dtype=object)
    folds = []
    for k, (train, test) in enumerate(group_folds(labels, groups, 5, seed)):
        inner = group_folds([labels[i] for i in train], groups[train], 4, seed + 100)
        scores = {name: statistics.mean(float((fit_score(model, texts, labels, train[a], train[b])
                                               == y[train[b]]).mean()) for a, b in inner)
                  for name, model in CANDIDATES.items()}
        best = max(scores, key=lambda n: scores[n])
        predicted[test] = fit_score(CANDIDATES[best], texts, labels, train, test)
        outer = float((predicted[test] == y[test]).mean())
        folds.append({"seed": seed, "fold": k, "inner": scores, "chosen": best, "outer": outer})
        print(f"  seed {seed} fold {k}: inner {', '.join(f'{n} {s:.3f}' for n, s in scores.items())} "
              f"→ {best}, outer {outer:.3f}", flush=True)
    return predicted, folds


def learning_curve(texts, labels, groups) -> dict:
    """Accuracy of the shipped configuration by the number of training rows, on fixed outer folds (each
    size a stratified draw from the fold's training part)."""
    y = np.asarray(labels)
    rng = np.random.default_rng(0)
    by_size: dict[int, list[float]] = {}
    for train, test in group_folds(labels, groups, 5, 0):
        for size in (*SIZES, len(train)):
            if size > len(train):
                continue
            share = size / len(train)
            pick = np.concatenate([rng.permutation(train[y[train] == label])[:max(1, round(share * (y[train] == label).sum()))]
                                   for label in sorted(set(labels))])
            by_size.setdefault(size if size in SIZES else -1, []).append(
                float((fit_score(build_pipeline(), texts, labels, pick, test) == y[test]).mean()))
    full = int(round(len(texts) * 4 / 5))
    points = {(full if size == -1 else size): statistics.mean(accs) for size, accs in sorted(by_size.items())}
    n = np.array(sorted(points), dtype=float)
    acc = np.array([points[int(k)] for k in n])
    curve = {"points": {int(k): round(v, 4) for k, v in points.items()}}
    try:
        (a, b, c), _ = curve_fit(lambda x, a, b, c: a - b * x ** -c, n, acc, p0=(0.85, 1.0, 0.5), maxfev=20000)
        curve["fit"] = {"a": round(float(a), 4), "b": round(float(b), 4), "c": round(float(c), 4)}
        curve["rows_for_goal"] = int(((a - GOAL) / b) ** (-1 / c)) if a > GOAL and b > 0 and c > 0 else None
        curve["ceiling"] = round(float(a), 4)
    except (RuntimeError, ValueError):
        curve["fit"] = None
    return curve


def score_holdout(texts, labels, ids, held: set[str], groups) -> dict:
    held_groups = {groups[i] for i, row_id in enumerate(ids) if row_id in held}
    train = np.array([i for i, row_id in enumerate(ids) if row_id not in held and groups[i] not in held_groups])
    test = np.array([i for i, row_id in enumerate(ids) if row_id in held])
    right = fit_score(build_pipeline(), texts, labels, train, test) == np.asarray(labels)[test]
    n, k = len(test), int(right.sum())
    return {"rows": n, "right": k, "accuracy": round(k / n, 4),
            "interval95": round(1.96 * (k / n * (1 - k / n) / n) ** 0.5, 4), "trained_on": len(train),
            "left_out_as_near_duplicates": len(ids) - n - len(train)}


def per_label(truth, predicted) -> dict:
    labels = sorted(set(truth))
    p, r, f, support = precision_recall_fscore_support(truth, predicted, labels=labels, zero_division=0)
    return {label: {"precision": round(float(p[i]), 3), "recall": round(float(r[i]), 3),
                    "f1": round(float(f[i]), 3), "rows": int(support[i])} for i, label in enumerate(labels)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=ROWS)
    parser.add_argument("--repeats", type=int, default=1, help="shuffles of the nested CV")
    parser.add_argument("--holdout", type=Path, default=ROOT / "bench" / "data" / "business_type_holdout_ids.txt")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    texts, labels = read_csv(args.csv, "narrative", "product")
    ids, _ = read_csv(args.csv, "id", "product")
    sources = np.array(["500-row sample" if int(i) < 100_000 else "2,358 more" for i in ids])
    groups = near_duplicate_groups(texts)
    figures: dict = {"rows": len(texts), "labels": dict(Counter(labels)), "near_duplicate_rows": shared(groups),
                     "candidates": list(CANDIDATES)}
    print(f"{len(texts)} complaints, {len(set(labels))} business types {dict(Counter(labels))}; "
          f"{shared(groups)} rows with a near-duplicate kept in its fold; candidates: {', '.join(CANDIDATES)}")
    truth = np.asarray(labels)
    with embedding.remembered():  # each complaint embedded once for every fold and candidate
        runs = [nested(texts, labels, groups, seed) for seed in range(args.repeats)]
        accs = [f["outer"] for _, folds in runs for f in folds]
        predicted = runs[0][0]
        figures["nested"] = {
            "accuracy": round(statistics.mean(accs), 4), "sd": round(statistics.stdev(accs), 4),
            "min": round(min(accs), 4), "max": round(max(accs), 4), "folds": [f for _, fs in runs for f in fs],
            "chosen": dict(Counter(f["chosen"] for _, fs in runs for f in fs)),
            "by_source": {str(s): round(float((predicted == truth)[sources == s].mean()), 4) for s in sorted(set(sources))},
            "per_label": per_label(list(truth), list(predicted)),
            "credit_reporting_as_debt_collection": int(((truth == "credit_reporting") & (predicted == "debt_collection")).sum()),
            "debt_collection_as_credit_reporting": int(((truth == "debt_collection") & (predicted == "credit_reporting")).sum()),
        }
        nest = figures["nested"]
        print(f"nested CV accuracy {nest['accuracy']:.3f} ± {nest['sd']:.3f} (min {nest['min']:.3f}, max "
              f"{nest['max']:.3f}; {len(accs)} outer folds); chosen {nest['chosen']}")
        print(f"  by source file: {nest['by_source']}")
        for label, row in nest["per_label"].items():
            print(f"  {label:<20} precision {row['precision']:.3f} recall {row['recall']:.3f} ({row['rows']} rows)")
        print(f"  credit_reporting read as debt_collection {nest['credit_reporting_as_debt_collection']}, "
              f"debt_collection as credit_reporting {nest['debt_collection_as_credit_reporting']}")
        figures["learning_curve"] = curve = learning_curve(texts, labels, groups)
        print(f"learning curve (shipped configuration): {curve['points']}; fit {curve.get('fit')}, "
              f"rows for {GOAL:.2f}: {curve.get('rows_for_goal')}")
        held = {line.strip() for line in args.holdout.read_text().splitlines()
                if line.strip() and not line.startswith("#")}
        figures["holdout"] = h = score_holdout(texts, labels, ids, held, groups)
        print(f"held-out rows: {h['right']}/{h['rows']} = {h['accuracy']:.3f} (95% interval ±{h['interval95']:.3f}), "
              f"trained on {h['trained_on']} rows ({h['left_out_as_near_duplicates']} left out as near-duplicates)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
