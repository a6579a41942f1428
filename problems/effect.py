"""Whether a problem's fix worked: its pattern's complaint rate before it was opened against the rate after
its corrective actions were done, compared as Poisson counts with exact (conditional binomial) tests.

Given n0 complaints in t0 days before and n1 in t1 days after, and the rates' ratio ρ = rate after / before,
n1 given n0 + n1 is binomial with p = ρ·t1 / (t0 + ρ·t1). Two one-sided tests at `alpha`:
- **effective**: ρ ≥ `material` (a fall smaller than material, 20% by default) is rejected: the rate fell, by
  more than noise and by more than a trifle;
- **not effective**: ρ ≤ `target` (the fall a fix should bring, a half by default) is rejected: whatever it
  fell, it fell short of a fix (表面整改, a fix on the surface);
- **too few to tell**: neither, or fewer than `min_total` complaints in both windows.
The rule was written before it was judged on the generated year (bench/problems_effect.py); its figures are
in bench/README.md."""
from dataclasses import dataclass
from enum import StrEnum

from scipy.stats import binom


class Verdict(StrEnum):
    EFFECTIVE = "effective"
    NOT_EFFECTIVE = "not_effective"
    TOO_FEW = "too_few"


@dataclass(frozen=True)
class Effect:
    before: int
    before_days: float
    after: int
    after_days: float
    ratio: float | None      # rate after / rate before (None: nothing before)
    p_fell: float            # the test that the rate fell by more than `material`
    p_short: float           # the test that it fell by less than `target`
    verdict: Verdict


def judge(before: int, before_days: float, after: int, after_days: float, *, alpha: float = 0.05,
          material: float = 0.8, target: float = 0.5, min_total: int = 10) -> Effect:
    if before < 0 or after < 0 or before_days <= 0 or after_days <= 0:
        raise ValueError("counts are never negative and windows are never empty")
    n = before + after
    ratio = (after / after_days) / (before / before_days) if before else None
    p_fell = float(binom.cdf(after, n, _share(material, before_days, after_days))) if n else 1.0
    p_short = float(binom.sf(after - 1, n, _share(target, before_days, after_days))) if n else 1.0
    if n < min_total:
        verdict = Verdict.TOO_FEW
    elif p_fell < alpha:
        verdict = Verdict.EFFECTIVE
    elif p_short < alpha:
        verdict = Verdict.NOT_EFFECTIVE
    else:
        verdict = Verdict.TOO_FEW
    return Effect(before, before_days, after, after_days, ratio, p_fell, p_short, verdict)


def _share(rho: float, before_days: float, after_days: float) -> float:
    """Under rate ratio `rho`, the chance that one of the complaints falls after."""
    return rho * after_days / (before_days + rho * after_days)
