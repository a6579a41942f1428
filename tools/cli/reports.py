"""Supervisor reports and the regulatory CSV export, fetched from the API as the signed-in supervisor."""
import json as jsonlib
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from complaints.files import FileExists, open_private, open_private_bytes
from tools.cli.app import Force, app
from tools.cli.client import request
from tools.cli.common import JsonFlag, emit, fail
from tools.cli.render import console

report_app = typer.Typer(no_args_is_help=True, help="Supervisor reports from the read model.")
app.add_typer(report_app, name="report")
OutDir = Annotated[Path, typer.Option("--out", help="Folder for the PNG/HTML/JSON files.")]


def _fetch(path: str, params: dict, out: Path, stem: str) -> tuple[dict, list[Path]]:
    """The report as JSON, and its PNG and HTML written to `out`."""
    with console.status(f"fetching {stem}…"):
        data = request("GET", path, params={**params, "format": "json"})
        out.mkdir(parents=True, exist_ok=True)
        files = []
        for fmt in ("png", "html"):
            body = request("GET", path, params={**params, "format": fmt}, raw=True).content
            target = out / f"{stem}.{fmt}"
            target.write_bytes(body)
            files.append(target)
        (out / f"{stem}.json").write_text(jsonlib.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return data, files + [out / f"{stem}.json"]


@report_app.command("heatmap")
def report_heatmap(week: Annotated[str | None, typer.Option(help="ISO week, e.g. 2026-W47; default: last full week.")]
                   = None, out: OutDir = Path("reports-out"), json: JsonFlag = False) -> None:
    """Weekly heat map: business type × problem nature per customer tier (PNG + HTML)."""
    h, files = _fetch("/v1/reports/heatmap", {"week": week} if week else {}, out, f"heatmap-{week or 'last-week'}")
    if json:
        emit({**h, "png": str(files[0]), "html": str(files[1])}, True)
        return
    console.print(f"heat map {h['week']}: {h['total']} complaints → [bold]{files[0]}[/], {files[1]}")
    for c in h["frequent"]:
        console.print(f"  most frequent: {c['business_type']} × {c['problem_nature']}: {c['count']}")
    for c in h["high_risk"]:
        console.print(f"  [red]high risk[/]: {c['tier']} {c['business_type']} × {c['problem_nature']}: {c['count']}")


@report_app.command("dashboard")
def report_dashboard(month: Annotated[str | None, typer.Option(help="e.g. 2026-10; default: last month.")] = None,
                     out: OutDir = Path("reports-out"), json: JsonFlag = False) -> None:
    """Monthly quality dashboard with the month before (PNG + HTML + JSON)."""
    d, files = _fetch("/v1/reports/dashboard", {"month": month} if month else {}, out,
                      f"dashboard-{month or 'last-month'}")
    if json:
        emit(d, True)
        return
    m, p = d["month"], d["previous"]
    table = Table(title=f"quality dashboard {m['month']} (vs {p['month']})", title_justify="left")
    for col in ("figure", m["month"], p["month"]):
        table.add_column(col)
    for name, key in (("received", "received"), ("closed", "closed"), ("CSAT mean", "csat_mean"),
                      ("no feedback", "no_feedback"), ("handling h median", "handling_hours_median"),
                      ("handling h p90", "handling_hours_p90"), ("breaches", "breaches"), ("reopens", "reopens"),
                      ("surface fixes", "surface_fixes")):
        table.add_row(name, _shown(m[key]), _shown(p[key]))
    for level, v in m["on_time"].items():
        rate = "—" if v["rate"] is None else f"{v['rate']:.1%}"
        before = p["on_time"][level]["rate"]
        table.add_row(f"on time, level {level}", Text(rate, style="" if v["meets_commitment"] is not False
                                                      else "bold red"), "—" if before is None else f"{before:.1%}")
    console.print(table)
    console.print("files: " + ", ".join(str(f) for f in files))


def _shown(value) -> str:
    return "—" if value is None else str(value)


@app.command("export")
def export(month: Annotated[str, typer.Option(help="e.g. 2026-10: complaints received that month.")],
           out: Annotated[Path | None, typer.Option(help="CSV file; default complaints-<month>.csv")] = None,
           unmasked: Annotated[bool, typer.Option(help="Customer names and phones in clear (supervisors only; "
                                                        "the API records who asked).")] = False,
           force: Force = False) -> None:
    """A month's complaints as CSV for regulatory statistics; personal data masked unless --unmasked."""
    path = out or Path(f"complaints-{month}.csv")
    if path.exists() and not force:
        fail(str(FileExists(path)))
    with console.status(f"exporting {month}…"):
        text = request("GET", f"/v1/exports/{month}.csv", params={"unmasked": unmasked}, raw=True).content.decode()
    try:
        with open_private(path, force, newline="") as f:
            f.write(text)  # with its byte-order mark, for the spreadsheet regulators open it in
    except FileExistsError as e:
        fail(str(e))
    count = max(len(text.splitlines()) - 1, 0)
    console.print(f"wrote {count} complaints to [bold]{path}[/]" + (" [red](unmasked)[/]" if unmasked else ""))


@report_app.command("quarterly")
def report_quarterly(quarter: Annotated[str, typer.Argument(help="e.g. 2026Q4")],
                     out: Annotated[Path | None, typer.Option(
                         help="Write the return here: .xlsx or .csv by its suffix.")] = None,
                     force: Force = False, json: JsonFlag = False) -> None:
    """The quarterly statistics return: complaints by the regulator's codes and branch, decided within 15/30/60
    days, findings, reviews, redress (JSON, or a CSV / XLSX file)."""
    if out is not None:
        fmt = out.suffix.lstrip(".").lower()
        if fmt not in ("csv", "xlsx"):
            fail(f"{out}: the return is written as .csv or .xlsx")
        if out.exists() and not force:
            fail(str(FileExists(out)))
        with console.status(f"fetching the {quarter} return…"):
            body = request("GET", f"/v1/returns/quarterly/{quarter}", params={"format": fmt}, raw=True).content
        try:
            with open_private_bytes(out, force) as f:
                f.write(body)
        except FileExistsError as e:
            fail(str(e))
    data = request("GET", f"/v1/returns/quarterly/{quarter}")
    if json:
        emit(data, True)
        return
    t = data["total"]
    share = "—" if data["upheld_share"] is None else f"{data['upheld_share']:.1%}"
    console.print(f"return {data['quarter']} ({data['code_table']}): received {t['received']} "
                  f"({t['unconfirmed']} codes unconfirmed) · decided {t['decided']} (within 15/30/60 days "
                  f"{t['within_15d']}/{t['within_30d']}/{t['within_60d']}, later {t['later']}) · upheld {share} · "
                  f"reviews {t['reviews']} (revised {t['reviews_revised']}) · redress {t['redress_lines']} lines, "
                  f"{t['redress_cny']} CNY" + (f" → [bold]{out}[/]" if out else ""))


@report_app.command("disclosure")
def report_disclosure(year: Annotated[int, typer.Argument(help="e.g. 2026")], out: OutDir = Path("reports-out"),
                      json: JsonFlag = False) -> None:
    """The annual public disclosure beside the year before: HTML (with its chart), PDF and JSON files."""
    path = f"/v1/returns/disclosure/{year}"
    with console.status(f"making the {year} disclosure…"):
        data = request("GET", path)
        out.mkdir(parents=True, exist_ok=True)
        files = []
        for fmt in ("html", "pdf"):
            target = out / f"disclosure-{year}.{fmt}"
            target.write_bytes(request("GET", path, params={"format": fmt}, raw=True).content)
            files.append(target)
    if json:
        emit({**data, "files": [str(f) for f in files]}, True)
        return
    y, p = data["year"], data["previous"]
    console.print(f"{year}: received {y['received']} (last year {p['received']}), decided {y['decided']}, "
                  f"reviews {y['reviews']} → " + ", ".join(f"[bold]{f}[/]" for f in files))
