"""Supervisor reports from the read model, and the regulatory CSV export."""
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from complaints.cli.app import Force, app
from complaints.cli.common import JsonFlag, emit, fail
from complaints.cli.render import console
from complaints.config import settings
from workflows.permissions import unmasked_refusal

report_app = typer.Typer(no_args_is_help=True, help="Supervisor reports from the read model.")
app.add_typer(report_app, name="report")
OutDir = Annotated[Path, typer.Option("--out", help="Folder for the PNG/HTML/JSON files.")]


@report_app.command("heatmap")
def report_heatmap(week: Annotated[str | None, typer.Option(help="ISO week, e.g. 2026-W47; default: last full week.")]
                   = None, out: OutDir = Path("reports-out"), json: JsonFlag = False) -> None:
    """Weekly heat map: business type × problem nature per customer tier (PNG + HTML)."""
    from complaints.db import make_engine
    from reports import heatmap
    from sla.periods import last_full_week

    cfg = settings()
    policy = cfg.policy()
    week = week or last_full_week(datetime.now(timezone.utc).date())
    try:
        h = heatmap.compute(make_engine(cfg.db_url), week, policy.timezone)
    except ValueError as e:
        fail(str(e))
    with console.status("drawing the heat map…"):
        png, page = heatmap.render(h, out)
    if json:
        emit({**h.model_dump(mode="json"), "png": str(png), "html": str(page)}, True)
        return
    console.print(f"heat map {week}: {h.total} complaints → [bold]{png}[/], {page}")
    for c in h.frequent:
        console.print(f"  most frequent: {c.business_type} × {c.problem_nature}: {c.count}")
    for c in h.high_risk:
        console.print(f"  [red]high risk[/]: {c.tier} {c.business_type} × {c.problem_nature}: {c.count}")


@report_app.command("dashboard")
def report_dashboard(month: Annotated[str | None, typer.Option(help="e.g. 2026-10; default: last month.")] = None,
                     out: OutDir = Path("reports-out"), json: JsonFlag = False) -> None:
    """Monthly quality dashboard with the month before (PNG + HTML + JSON)."""
    from complaints.db import make_engine
    from models.lookback import check_month
    from reports import dashboard
    from sla.periods import previous_month

    cfg = settings()
    policy = cfg.policy()
    month = month or previous_month(datetime.now(timezone.utc), policy.timezone)
    try:
        check_month(month)
    except ValueError as e:
        fail(str(e))
    d = dashboard.compute(make_engine(cfg.db_url), month, policy.timezone, policy.commitment)
    with console.status("drawing the dashboard…"):
        files = dashboard.render(d, out)
    if json:
        emit(d, True)
        return
    m = d.month
    table = Table(title=f"quality dashboard {month} (vs {d.previous.month})", title_justify="left")
    for col in ("figure", month, d.previous.month):
        table.add_column(col)
    p = d.previous
    for name, now, before in (("received", m.received, p.received), ("closed", m.closed, p.closed),
                              ("CSAT mean", m.csat_mean, p.csat_mean), ("no feedback", m.no_feedback, p.no_feedback),
                              ("handling h median", m.handling_hours_median, p.handling_hours_median),
                              ("handling h p90", m.handling_hours_p90, p.handling_hours_p90),
                              ("breaches", m.breaches, p.breaches), ("reopens", m.reopens, p.reopens),
                              ("surface fixes", m.surface_fixes, p.surface_fixes)):
        table.add_row(name, "—" if now is None else str(now), "—" if before is None else str(before))
    for level, v in m.on_time.items():
        rate = "—" if v.rate is None else f"{v.rate:.1%}"
        style = "" if v.meets_commitment is not False else "bold red"
        table.add_row(f"on time, level {level}", Text(rate, style=style),
                      "—" if p.on_time[level].rate is None else f"{p.on_time[level].rate:.1%}")
    console.print(table)
    console.print("files: " + ", ".join(str(f) for f in files))


@app.command("export")
def export(month: Annotated[str, typer.Option(help="e.g. 2026-10: complaints received that month.")],
           out: Annotated[Path | None, typer.Option(help="CSV file; default complaints-<month>.csv")] = None,
           unmasked: Annotated[bool, typer.Option(help="Customer names and phones in clear (supervisors only).")]
           = False,
           who: Annotated[str | None, typer.Option("--as", envvar="COMPLAINTS_ACTOR_ID")] = None,
           role: Annotated[str | None, typer.Option("--role", envvar="COMPLAINTS_ACTOR_ROLE")] = None,
           force: Force = False) -> None:
    """A month's complaints as CSV for regulatory statistics; personal data masked unless --unmasked."""
    import structlog

    from complaints.db import make_engine
    from models.lookback import check_month
    from reports.export import write_csv

    try:
        check_month(month)
    except ValueError as e:
        fail(str(e))
    if unmasked and (reason := unmasked_refusal(role)):
        fail(reason)
    cfg = settings()
    path = out or Path(f"complaints-{month}.csv")
    with console.status(f"exporting {month}…"):
        try:
            count = write_csv(make_engine(cfg.db_url), month, cfg.policy().timezone, path, unmasked, force)
        except FileExistsError as e:
            fail(str(e))
    if unmasked:
        structlog.get_logger().warning("unmasked export", month=month, actor=who, rows=count, file=str(path))
    console.print(f"wrote {count} complaints to [bold]{path}[/]" + (" [red](unmasked)[/]" if unmasked else ""))
