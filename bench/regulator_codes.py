"""How often the analyse stage's proposal of the regulator's codes (models/codes.py) is what a person
coded: on the labelled Chinese complaints of classifier/data/regulator_codes.csv, per dimension and all three
at once. Prints figures; passes or fails nothing.

    .venv/bin/python bench/regulator_codes.py                 # the held-out half (even ids), the figure to quote
    .venv/bin/python bench/regulator_codes.py --split tune    # the half the table's words were tuned on
    .venv/bin/python bench/regulator_codes.py --table bank.toml --json

The rows were written and split (odd ids tune, even held out) before the table's words were written; the
words were tuned on the tune half only, and the held-out half was scored once, after."""
import argparse
import csv
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models import codes  # noqa: E402

ROWS = ROOT / "classifier" / "data" / "regulator_codes.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["holdout", "tune", "all"], default="holdout")
    parser.add_argument("--table", default=None, help="a code table file (default: the shipped one)")
    parser.add_argument("--misses", action="store_true", help="list each row proposed wrong")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    table = codes.load(args.table)
    with ROWS.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if args.split in ("all", r["split"])]
    right: Counter[str] = Counter()
    misses = []
    for r in rows:
        got = table.propose(r["text"])
        wrong = [d for d in codes.DIMENSIONS if getattr(got, d) != r[d]]
        right.update(d for d in codes.DIMENSIONS if d not in wrong)
        right["all three"] += not wrong
        if wrong:
            misses.append({"id": r["id"], "wrong": {d: [r[d], getattr(got, d)] for d in wrong}})
    figures = {"split": args.split, "rows": len(rows), "table": table.version,
               **{d: round(right[d] / len(rows), 3) for d in (*codes.DIMENSIONS, "all three")}}
    if args.json:
        print(json.dumps({**figures, **({"misses": misses} if args.misses else {})}, ensure_ascii=False))
        return
    print(f"{figures['rows']} complaints ({args.split}), table {table.version}")
    for d in (*codes.DIMENSIONS, "all three"):
        print(f"  {d:<10} {right[d]:>4} right  {figures[d]:.0%}")
    if args.misses:
        for miss in misses:
            print(f"  #{miss['id']}: " + ", ".join(f"{d} {want}→{got}" for d, (want, got) in miss["wrong"].items()))


if __name__ == "__main__":
    main()
