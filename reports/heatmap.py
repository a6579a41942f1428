"""The weekly heat map (服务问题热力图): business type × problem nature, one panel per customer tier."""
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.engine import Engine

from complaints import reads
from reports import labels
from reports.render import html_page, html_table, save_png, use_cjk_font
from sla.periods import week_bounds

TIERS = ["standard", "vip", "private"]
TOP = 3


class Cell(BaseModel):
    tier: str
    business_type: str
    problem_nature: str
    count: int


class HeatMap(BaseModel):
    week: str                 # ISO week, e.g. 2026-W47
    start: datetime
    end: datetime
    total: int
    cells: list[Cell]
    frequent: list[Cell]      # the most frequent cells, all tiers together
    frequent_by_tier: dict[str, list[Cell]]  # each panel's own most frequent cells (starred)
    high_risk: list[Cell]     # every non-empty cell of a high-risk nature


def compute(engine: Engine, week: str, tz: str) -> HeatMap:
    start, end = week_bounds(week, tz)
    cells = [Cell(tier=tier, business_type=b, problem_nature=n, count=c)
             for tier, b, n, c in reads.heatmap_counts(engine, start, end)]
    overall: dict[tuple[str, str], int] = defaultdict(int)
    for c in cells:
        overall[(c.business_type, c.problem_nature)] += c.count
    frequent = [Cell(tier="all", business_type=b, problem_nature=n, count=k)
                for (b, n), k in sorted(overall.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]]
    by_tier = {tier: sorted((c for c in cells if c.tier == tier),
                            key=lambda c: (-c.count, c.business_type, c.problem_nature))[:TOP] for tier in TIERS}
    high_risk = sorted((c for c in cells if c.problem_nature in labels.HIGH_RISK_NATURES),
                       key=lambda c: (-c.count, c.tier, c.business_type))
    return HeatMap(week=week, start=start, end=end, total=sum(c.count for c in cells), cells=cells,
                   frequent=frequent, frequent_by_tier=by_tier, high_risk=high_risk)


def render(h: HeatMap, out_dir: Path) -> tuple[Path, Path]:
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import Rectangle

    use_cjk_font()
    businesses = sorted({c.business_type for c in h.cells}) or ["other"]
    natures = sorted({c.problem_nature for c in h.cells}, key=lambda n: (n not in labels.HIGH_RISK_NATURES, n)) \
        or ["other"]
    grids = {t: np.zeros((len(businesses), len(natures)), dtype=int) for t in TIERS}
    for c in h.cells:
        if c.tier in grids:
            grids[c.tier][businesses.index(c.business_type), natures.index(c.problem_nature)] += c.count
    vmax = max(1, max(int(g.max()) for g in grids.values()))
    fig, axes = plt.subplots(1, len(TIERS), figsize=(6 + 2.2 * len(natures), 1.4 + 0.75 * len(businesses)),
                             sharey=True, constrained_layout=True)
    for ax, tier in zip(axes, TIERS, strict=True):
        grid = grids[tier]
        top = {(c.business_type, c.problem_nature) for c in h.frequent_by_tier.get(tier, [])}
        image = ax.imshow(grid, cmap="YlOrRd", vmin=0, vmax=vmax, aspect="auto")
        ax.set_title(f"{labels.TIERS[tier]} ({tier}) · {int(grid.sum())}", fontsize=12)
        ax.set_xticks(range(len(natures)), [labels.label(labels.PROBLEM_NATURES, n) for n in natures],
                      rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(businesses)), [labels.label(labels.BUSINESS_TYPES, b) for b in businesses], fontsize=8)
        for i, b in enumerate(businesses):
            for j, n in enumerate(natures):
                value = int(grid[i, j])
                if value:
                    star = "★" if (b, n) in top else ""
                    ax.text(j, i, f"{value}{star}", ha="center", va="center", fontsize=9,
                            color="white" if value > vmax * 0.6 else "black")
                if n in labels.HIGH_RISK_NATURES and value:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#c00000", lw=2.5))
    fig.colorbar(image, ax=axes, shrink=0.8, label="complaints")
    fig.suptitle(f"服务问题热力图 complaint heat map {h.week} ({h.start:%Y-%m-%d} – {(h.end - timedelta(days=1)):%m-%d})"
                 f" · {h.total} complaints · ★ most frequent in the tier · red frame: high risk", fontsize=13)
    out_dir.mkdir(parents=True, exist_ok=True)
    png_path, html_path = out_dir / f"heatmap-{h.week}.png", out_dir / f"heatmap-{h.week}.html"
    png = save_png(fig, png_path)
    cell_rows = [[labels.BUSINESS_TYPES.get(c.business_type, c.business_type),
                  labels.PROBLEM_NATURES.get(c.problem_nature, c.problem_nature), c.count] for c in h.frequent]
    risk_rows = [[labels.TIERS.get(c.tier, c.tier), labels.BUSINESS_TYPES.get(c.business_type, c.business_type),
                  labels.PROBLEM_NATURES.get(c.problem_nature, c.problem_nature), c.count] for c in h.high_risk]
    html_path.write_text(html_page(f"服务问题热力图 {h.week}", png, [
        ("最高频 most frequent", html_table(["业务 business", "问题 nature", "件数 count"], cell_rows)),
        ("高风险 high risk", html_table(["客群 tier", "业务 business", "问题 nature", "件数 count"], risk_rows)),
    ]), encoding="utf-8")
    return png_path, html_path
