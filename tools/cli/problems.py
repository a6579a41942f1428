"""Problems and their corrective actions from the command line, through the API as the signed-in person."""
from typing import Annotated

import typer
from rich.table import Table

from tools.cli.app import app
from tools.cli.client import request
from tools.cli.common import JsonFlag, emit
from tools.cli.render import console

problems_app = typer.Typer(no_args_is_help=True, help="Problems: root causes traced and fixed (溯源整改).")
app.add_typer(problems_app, name="problems")


@problems_app.command("list")
def problems_list(json: JsonFlag = False) -> None:
    """Every problem, newest first: its status, plan, root cause and verdict."""
    got = request("GET", "/v1/problems")
    if json:
        emit(got, True)
        return
    table = Table(title="problems", title_justify="left")
    for column in ("problem", "title", "status", "plan due", "cause", "linked", "verdict"):
        table.add_column(column)
    for p in got:
        table.add_row(p["id"], p["title"][:40], p["status"], p["plan_due"][:16], p["root_cause"] or "—",
                      str(p["linked"]), p["verdict"] or "—")
    console.print(table)


@problems_app.command("show")
def problems_show(problem_id: Annotated[str, typer.Argument(help="e.g. PRB-20261207-abcdef")],
                  json: JsonFlag = False) -> None:
    """One problem: its actions, checks and the complaints offered for linking."""
    got = request("GET", f"/v1/problems/{problem_id}")
    if json:
        emit(got, True)
        return
    s = got["state"]
    console.print(f"[bold]{s['problem_id']}[/] {s['title']} · {s['status']} · plan due {s['plan_due'][:16]} · "
                  f"cause {s['root_cause'] or '—'}")
    for a in s["actions"]:
        console.print(f"  {a['id']} {a['department']} due {a['due']}: {a['what']} "
                      + ("[green]done[/]" if a["done_at"] else "[yellow]open[/]"))
    for c in s["checks"]:
        console.print(f"  {c['days']} days: {c['verdict']} (ratio {c['ratio']}, p {c['p_fell']:.3f}/{c['p_short']:.3f})")
    if got["offered"]:
        console.print("  offered for linking: " + ", ".join(got["offered"][:10]))
