"""The analyse stage's classifier, measured: 5-fold cross-validated accuracy on the CFPB sample (three
shuffles, so no single split decides), time per complaint (with and without the learned emergency detector,
on the CFPB narratives and on complaints ten times longer), the memory the detector adds, and the rules'
emergency recall on the older keyword set.

    .venv/bin/python bench/classifier.py [--csv classifier/data/business_types.csv]"""
import argparse
import csv
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from classifier.emergency import WithLearnedEmergency, shipped  # noqa: E402
from classifier.evaluate import cross_validate, read_csv  # noqa: E402
from classifier.model import ModelClassifier, TrainedModel  # noqa: E402
from classifier.rules import RulesClassifier  # noqa: E402
from classifier.shipped import ROWS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "data" / "emergency_cases.csv"


def resident_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(classify, texts: list[str]) -> str:
    for text in texts[:20]:  # warm up
        classify(text)
    timings = []
    for text in texts:
        start = time.perf_counter()
        classify(text)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return f"p50 {timings[len(timings) // 2]:.2f} ms, p99 {timings[int(len(timings) * 0.99)]:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=ROWS)
    parser.add_argument("--text", default="narrative")
    parser.add_argument("--label", default="product")
    args = parser.parse_args()
    texts, labels = read_csv(args.csv, args.text, args.label)
    print(f"{len(texts)} labelled complaints from {args.csv.name}")

    runs = [cross_validate(texts, labels, folds=5, seed=seed) for seed in (0, 1, 2)]
    accs, f1s = [r.accuracy for r in runs], [r.macro_f1 for r in runs]
    print(f"  5-fold CV accuracy   {statistics.mean(accs):.3f}  (shuffles: {', '.join(f'{a:.3f}' for a in accs)})")
    print(f"  5-fold CV macro-F1   {statistics.mean(f1s):.3f}")

    model = TrainedModel.train(texts, labels)
    classifier = ModelClassifier(model)
    rules = RulesClassifier()
    before = resident_mib()
    started = time.perf_counter()
    shipped()
    print(f"  learned emergency detector: trained in {time.perf_counter() - started:.1f} s, "
          f"+{resident_mib() - before:.0f} MiB resident")
    with tempfile.TemporaryDirectory() as kept:
        shipped(Path(kept))  # keeps the one trained above, as a worker's first start does
        started = time.perf_counter()
        shipped(Path(kept))
        print(f"  the same detector kept in a data folder: loaded in {time.perf_counter() - started:.2f} s")
    learned = WithLearnedEmergency(classifier)
    long_texts = [" ".join(texts[i:i + 10]) for i in range(0, len(texts), 10)]
    print(f"  CFPB narratives: median {statistics.median(map(len, texts)):.0f} characters; long ones "
          f"{statistics.median(map(len, long_texts)):.0f}")
    for name, classify in (("model + rules", classifier.classify), ("rules only", rules.classify),
                           ("model + rules + learned emergency", learned.classify)):
        print(f"  {name:<34} per complaint: {timed(classify, texts)}")
    print(f"  {'long complaints, model + rules':<34} per complaint: {timed(classifier.classify, long_texts)}")
    print(f"  {'long, + learned emergency':<34} per complaint: {timed(learned.classify, long_texts)}")

    with CASES.open(encoding="utf-8", newline="") as f:
        cases = list(csv.DictReader(f))
    positives = [c for c in cases if c["emergency"] == "1"]
    negatives = [c for c in cases if c["emergency"] == "0"]
    caught = sum(rules.classify(c["text"]).emergency for c in positives)
    false_alarms = sum(rules.classify(c["text"]).emergency for c in negatives)
    print(f"  emergency recall     {caught}/{len(positives)} = {caught / len(positives):.0%} "
          f"(Chinese and English); false alarms on routine complaints {false_alarms}/{len(negatives)}")


if __name__ == "__main__":
    main()
