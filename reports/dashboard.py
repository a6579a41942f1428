"""The monthly quality dashboard (服务质量仪表盘), with the month before for comparison."""
from collections import Counter
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy.engine import Engine

from complaints import reads
from models.policy import Policy
from reports import labels
from reports.render import html_page, html_table, save_png, use_cjk_font
from sla.periods import month_before, month_bounds

DEFAULT_COMMITMENT = Policy().commitment
LEVELS = ["I", "II", "III"]


class LevelOnTime(BaseModel):
    closed: int
    on_time: int
    rate: float | None
    meets_commitment: bool | None


class MonthFigures(BaseModel):
    month: str
    received: int
    closed: int
    csat_mean: float | None
    csat_responses: int
    csat_distribution: dict[int, int]
    no_feedback: int
    withdrawn: int
    handling_hours_median: float | None
    handling_hours_p90: float | None
    on_time: dict[str, LevelOnTime]
    breaches: int
    breached_complaints: int
    reopens: int
    reopen_rate: float | None
    revisits_decided: int
    surface_fixes: int
    surface_fix_rate: float | None
    surface_fixes_by_department: dict[str, int]
    by_department: dict[str, int]
    by_channel: dict[str, int]


class Dashboard(BaseModel):
    month: MonthFigures
    previous: MonthFigures
    commitment: float = DEFAULT_COMMITMENT


def _percentile(sorted_values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (the usual definition, as numpy's default)."""
    if not sorted_values:
        return None
    pos = (len(sorted_values) - 1) * q
    lo, hi = int(pos), min(int(pos) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def month_figures(engine: Engine, month: str, tz: str, commitment: float = DEFAULT_COMMITMENT) -> MonthFigures:
    start, end = month_bounds(month, tz)
    facts = reads.month_facts(engine, start, end)
    closed, by_department, by_channel = facts.closed, facts.by_department, facts.by_channel
    reopens, breaches, revisits = facts.reopens, facts.breaches, facts.revisits
    # Withdrawn complaints are the customer's choice: they count apart, not in handling time or on-time rates.
    handled = [r for r in closed if r.outcome != "withdrawn"]
    hours = sorted((r.closed_at - r.received_at).total_seconds() / 3600 for r in handled)
    csats = [r.csat for r in handled if r.csat is not None and r.outcome == "resolved"]
    on_time = {}
    for level in LEVELS:
        of_level = [r for r in handled if r.level == level]
        ok = sum(1 for r in of_level if not r.breached)
        rate = _rate(ok, len(of_level))
        on_time[level] = LevelOnTime(closed=len(of_level), on_time=ok, rate=rate,
                                     meets_commitment=None if rate is None else rate >= commitment)
    recurred = Counter(d for d, outcome in revisits if outcome == "recurred")
    return MonthFigures(
        month=month, received=sum(by_department.values()), closed=len(closed),
        csat_mean=round(sum(csats) / len(csats), 2) if csats else None, csat_responses=len(csats),
        csat_distribution={k: sum(1 for c in csats if c == k) for k in range(1, 6)},
        no_feedback=sum(1 for r in closed if r.outcome == "no_feedback"),
        withdrawn=sum(1 for r in closed if r.outcome == "withdrawn"),
        handling_hours_median=_round(_percentile(hours, 0.5)), handling_hours_p90=_round(_percentile(hours, 0.9)),
        on_time=on_time, breaches=breaches, breached_complaints=sum(1 for r in closed if r.breached),
        reopens=reopens, reopen_rate=_rate(reopens, len(closed)),
        revisits_decided=len(revisits), surface_fixes=sum(recurred.values()),
        surface_fix_rate=_rate(sum(recurred.values()), len(revisits)),
        surface_fixes_by_department=dict(sorted(recurred.items())),
        by_department=dict(sorted(by_department.items())), by_channel=dict(sorted(by_channel.items())))


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def compute(engine: Engine, month: str, tz: str, commitment: float = DEFAULT_COMMITMENT) -> Dashboard:
    return Dashboard(month=month_figures(engine, month, tz, commitment),
                     previous=month_figures(engine, month_before(month), tz, commitment), commitment=commitment)


def no_data(value: float | None, fmt: str) -> str:
    """How a figure reads on a picture: "—" when there is nothing to measure (no complaint closed at that
    level, say), never a 0 that would say the bank met none of them."""
    return "—" if value is None else fmt.format(value)


def render(d: Dashboard, out_dir: Path) -> tuple[Path, Path, Path]:
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    use_cjk_font()
    cur, prev = d.month, d.previous
    fig, axes = plt.subplots(2, 3, figsize=(18, 10), constrained_layout=True)
    colours = ("#1f6fb4", "#b8c7d9")

    def pair(ax, keys, now, before, title, fmt="{:.0f}", names=None, counts=True):
        """Bars for this month beside last month's. A figure with no data is labelled "—", not drawn as 0;
        count axes tick in whole numbers."""
        x = np.arange(len(keys))
        ax.bar(x - 0.2, [before.get(k) or 0 for k in keys], 0.4, color=colours[1], label=prev.month)
        bars = ax.bar(x + 0.2, [now.get(k) or 0 for k in keys], 0.4, color=colours[0], label=cur.month)
        ax.bar_label(bars, labels=[no_data(now.get(k), fmt) for k in keys], fontsize=8)
        ax.set_xticks(x, names or keys, fontsize=8)
        ax.set_title(title)
        ax.set_ylim(bottom=0)
        if counts:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.legend(fontsize=8)
        return bars

    pair(axes[0, 0], list(range(1, 6)), cur.csat_distribution, prev.csat_distribution,
         f"满意度 CSAT: {cur.csat_mean or '—'} (上月 {prev.csat_mean or '—'}) · 未反馈 no feedback {cur.no_feedback}")
    pair(axes[0, 1], ["median", "p90"], {"median": cur.handling_hours_median, "p90": cur.handling_hours_p90},
         {"median": prev.handling_hours_median, "p90": prev.handling_hours_p90}, "处理时长 handling time (hours)",
         fmt="{:.1f}", names=["中位数 median", "P90"], counts=False)
    ax = axes[0, 2]
    bars = pair(ax, LEVELS, {k: None if v.rate is None else v.rate * 100 for k, v in cur.on_time.items()},
                {k: None if v.rate is None else v.rate * 100 for k, v in prev.on_time.items()},
                f"按时率 on time by level (%) · red: below {d.commitment:.0%}", fmt="{:.1f}%", counts=False)
    for bar, level in zip(bars, LEVELS, strict=True):
        if cur.on_time[level].meets_commitment is False:
            bar.set_color("#c00000")
    ax.axhline(d.commitment * 100, color="#c00000", linestyle="--", label=f"{d.commitment:.0%} 承诺 commitment")
    ax.set_ylim(0, 105)
    ax.legend(fontsize=8, loc="lower right")
    depts = sorted(set(cur.by_department) | set(prev.by_department))
    pair(axes[1, 0], depts, cur.by_department, prev.by_department, "各部门投诉量 complaints by department")
    axes[1, 0].tick_params(axis="x", rotation=30)
    chans = sorted(set(cur.by_channel) | set(prev.by_channel))
    pair(axes[1, 1], chans, cur.by_channel, prev.by_channel, "各渠道 by channel",
         names=[labels.label(labels.CHANNELS, c) for c in chans])
    pair(axes[1, 2], ["breaches", "reopens", "surface_fixes"],
         {"breaches": cur.breaches, "reopens": cur.reopens, "surface_fixes": cur.surface_fixes},
         {"breaches": prev.breaches, "reopens": prev.reopens, "surface_fixes": prev.surface_fixes},
         "超时·重开·表面整改 breaches · reopens · surface fixes", names=["超时 breaches", "重开 reopens", "表面整改"])
    fig.suptitle(f"服务质量仪表盘 quality dashboard {cur.month} · 受理 {cur.received} · 办结 {cur.closed}", fontsize=15)
    out_dir.mkdir(parents=True, exist_ok=True)
    png_path = out_dir / f"dashboard-{cur.month}.png"
    html_path, json_path = png_path.with_suffix(".html"), png_path.with_suffix(".json")
    png = save_png(fig, png_path)
    rows = [[lv, v.closed, v.on_time, "—" if v.rate is None else f"{v.rate:.1%}",
             "—" if v.meets_commitment is None else ("✔" if v.meets_commitment else f"✘ below {d.commitment:.0%}")]
            for lv, v in cur.on_time.items()]
    html_path.write_text(html_page(f"服务质量仪表盘 {cur.month}", png, [
        ("按时率 on time per level", html_table(["level", "closed", "on time", "rate", "commitment"], rows)),
        ("表面整改 surface fixes by department", html_table(
            ["department", "recurred"], [[k, v] for k, v in cur.surface_fixes_by_department.items()])),
    ]), encoding="utf-8")
    json_path.write_text(d.model_dump_json(indent=2), encoding="utf-8")
    return png_path, html_path, json_path
