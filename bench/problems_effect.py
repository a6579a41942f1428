"""The effect rule (problems/effect.py) judged on the generated year of planted problems
(bench/problem_traffic.py): at 30, 60 and 90 days after each problem's actions were done, what the rule says
against what was planted. Prints figures; passes or fails nothing.

    .venv/bin/python bench/problems_effect.py bench/data/problems/year-2026.jsonl [--json]

Right: a fix planted (rate × 0.2–0.5) judged effective; a fix on the surface (× 0.85–1.15) judged not
effective. A partial fix (× 0.55–0.75) is shown apart: either verdict is defensible. The line that must
stay at 0: "effective" on a pattern that did not fall (a surface fix)."""
import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.policy import Problems  # noqa: E402
from problems.effect import Verdict, judge  # noqa: E402

RIGHT = {"fixed": Verdict.EFFECTIVE, "surface": Verdict.NOT_EFFECTIVE}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("year", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rules = Problems()
    planted = [json.loads(line) for line in args.year.read_text(encoding="utf-8").splitlines() if line.strip()]
    figures: dict = {}
    for days in rules.checks_days:
        verdicts: Counter[tuple[str, str]] = Counter()
        for p in planted:
            before_from = max(0, p["opened_day"] - rules.before_days)
            before = sum(p["daily"][before_from:p["opened_day"]])
            after_to = min(365, p["done_day"] + days)
            after = sum(p["daily"][p["done_day"]:after_to])
            effect = judge(before, p["opened_day"] - before_from, after, after_to - p["done_day"],
                           alpha=rules.alpha, material=rules.material, target=rules.target,
                           min_total=rules.min_total)
            verdicts[(p["truth"], effect.verdict.value)] += 1
        judged = [(t, v) for (t, v), n in verdicts.items() for _ in range(n) if t in RIGHT]
        right = sum(1 for t, v in judged if RIGHT[t] == v)
        figures[f"{days}d"] = {
            "right_share": round(right / len(judged), 3) if judged else None,
            "effective_on_surface": verdicts[("surface", "effective")],
            "by_truth": {t: {v: verdicts[(t, v)] for v in Verdict} for t in ("fixed", "surface", "partly")},
        }
    if args.json:
        print(json.dumps({"problems": len(planted), **figures}))
        return
    print(f"{len(planted)} planted problems; rule: alpha {rules.alpha}, material {rules.material}, "
          f"target {rules.target}, before {rules.before_days} days")
    for window, f in figures.items():
        print(f"  {window}: judged right {f['right_share']:.1%} of fixed + surface; effective on a surface fix: "
              f"{f['effective_on_surface']}")
        for truth, counts in f["by_truth"].items():
            print(f"      {truth:<8} " + "  ".join(f"{v} {n}" for v, n in counts.items()))


if __name__ == "__main__":
    main()
