"""A generated year of complaints per pattern, with planted problems whose fix lowers their complaints or
does not: the traffic `bench/problems_effect.py` judges the effect rule on. Written (and its year committed)
before the rule was: the rule is judged on traffic it was not tuned on.

    .venv/bin/python bench/problem_traffic.py --out bench/data/problems/year.jsonl [--seed 2026] [--problems 120]

Each planted problem is one pattern (a cell of business × nature) with its own daily rate (0.3 to 12 a day:
a large bank's cells), weekly seasonality (weekends at 60%), a month of holiday lull, and noise beyond Poisson
(a gamma-distributed day factor, the over-dispersion real complaint counts show). It is opened on a day in the
first half of the year; its actions are done 10 to 40 days later; from then its rate is multiplied by its
planted effect: 0.2–0.5 (fixed), 0.85–1.15 (a fix on the surface: nothing changed) or 0.55–0.75 (partly).
Every line: {"problem", "truth", "effect", "opened_day", "done_day", "daily": [365 counts]}."""
import argparse
import json
import math
import random
from pathlib import Path

KINDS = (("fixed", 0.2, 0.5, 0.45), ("surface", 0.85, 1.15, 0.35), ("partly", 0.55, 0.75, 0.20))


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's for small means, a rounded normal beyond (counts of a day: exact enough, no numpy needed)."""
    if lam < 30:
        limit, k, p = math.exp(-lam), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
    return max(0, round(rng.gauss(lam, math.sqrt(lam))))


def planted(rng: random.Random, n: int) -> dict:
    kind = rng.choices(KINDS, weights=[k[3] for k in KINDS])[0]
    effect = rng.uniform(kind[1], kind[2])
    base = math.exp(rng.uniform(math.log(0.3), math.log(12)))
    opened = rng.randrange(30, 180)
    done = opened + rng.randrange(10, 41)
    lull = rng.randrange(0, 330)
    daily = []
    for day in range(365):
        lam = base * (0.6 if day % 7 in (5, 6) else 1.0) * (0.7 if lull <= day < lull + 30 else 1.0)
        lam *= rng.gammavariate(8, 1 / 8)  # over-dispersion: a day's factor with mean 1, sd 0.35
        if day >= done:
            lam *= effect
        daily.append(poisson(rng, lam))
    return {"problem": f"P{n:03d}", "truth": kind[0], "effect": round(effect, 3), "base_rate": round(base, 3),
            "opened_day": opened, "done_day": done, "daily": daily}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--problems", type=int, default=120)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as f:
        for n in range(args.problems):
            f.write(json.dumps(planted(rng, n)) + "\n")
    print(f"wrote {args.problems} planted problems to {args.out}")


if __name__ == "__main__":
    main()
