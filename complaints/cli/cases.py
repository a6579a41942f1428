"""Submitting complaints and looking at them: one, a list, a department's work orders, the role table."""
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from complaints import service
from complaints.cli.app import app
from complaints.cli.common import JsonFlag, emit, explain_validation, fail, run
from complaints.cli.render import clocks_table, console, human, state_panel
from complaints.config import settings
from complaints.temporal import connect
from complaints.visibility import ListFilter, list_complaints
from models.intake import Intake
from workflows.permissions import WHO_MAY


@app.command()
def submit(file: Annotated[Path, typer.Argument(help="The intake JSON ('-' for standard input).", allow_dash=True)],
           json: JsonFlag = False) -> None:
    """Submit a complaint. Submitting the same channel + external_ref again reaches the same complaint."""
    raw = typer.get_text_stream("stdin").read() if str(file) == "-" else _read(file)
    try:
        intake = Intake.model_validate_json(raw)
    except ValidationError as e:
        fail(f"invalid intake: {explain_validation(e)}")

    async def go():
        cfg = settings()
        return await service.submit(await connect(cfg), intake, cfg.task_queue)

    result = run(go())
    out = {"complaint_id": result.complaint_id, "workflow_id": result.workflow_id, "created": result.created}
    verb = "submitted" if result.created else "already submitted (no second complaint started)"
    emit(out, json, f"[green]{verb}[/]: reference [bold]{result.complaint_id}[/] (workflow {result.workflow_id})")


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except OSError as e:
        fail(f"cannot read {file}: {e.strerror}")


@app.command()
def show(complaint_id: str, json: JsonFlag = False) -> None:
    """A complaint's live state: stage, owner, clocks with time left, work orders, history."""
    async def go():
        return await service.state(await connect(settings()), complaint_id)

    state = run(go())
    emit(state, json, state_panel(state))


@app.command()
def sla(complaint_id: str, json: JsonFlag = False) -> None:
    """Each SLA clock: deadline, time left, warned, breached, paused time."""
    async def go():
        return await service.sla(await connect(settings()), complaint_id)

    view = run(go())
    emit(view, json, clocks_table(view.clocks, view.timezone))


@app.command("list")
def list_(stage: str | None = None, level: str | None = None, department: str | None = None,
          business_type: str | None = None, tier: str | None = None,
          breached: Annotated[bool | None, typer.Option("--breached/--not-breached")] = None,
          emergency: Annotated[bool | None, typer.Option("--emergency/--not-emergency")] = None,
          received_from: Annotated[datetime | None, typer.Option("--from", help="Received at or after.")] = None,
          received_to: Annotated[datetime | None, typer.Option("--to", help="Received before.")] = None,
          limit: int = 50, show_query: Annotated[bool, typer.Option("--query", help="Print the query.")] = False,
          json: JsonFlag = False) -> None:
    """List complaints by search attributes (the same query works in the Temporal UI)."""
    f = ListFilter(stage, level, department, business_type, tier, breached, emergency,
                   _aware(received_from), _aware(received_to))
    query = f.query()
    if show_query:
        console.print(f"[dim]{query}[/]")
    async def go():
        return await list_complaints(await connect(settings()), query, limit)

    items = run(go())
    if json:
        emit(items, True)
        return
    table = Table(title=f"{len(items)} complaint(s)", title_justify="left")
    for col in ("id", "stage", "level", "department", "business type", "tier", "owner", "nearest clock", "received"):
        table.add_column(col)
    for it in items:
        table.add_row(it["complaint_id"], it["stage"], it["level"] or "", it["department"], it["business_type"] or "",
                      it["tier"], it.get("owner") or "", Text(it.get("nearest") or "", style="bold red" if it["breached"]
                                                             else ""), it["received_at"][:16])
    console.print(table)


def _aware(dt: datetime | None) -> datetime | None:
    return dt.replace(tzinfo=timezone.utc) if dt is not None and dt.tzinfo is None else dt



@app.command("work-orders")
def work_orders(department: Annotated[str, typer.Option("--department", "--dept", help="The department asked.")],
                json: JsonFlag = False) -> None:
    """The open work orders a department owes, the most urgent first (from the read model)."""
    from complaints.db import make_engine
    from complaints.reads import work_orders_owed

    owed = work_orders_owed(make_engine(settings().db_url), department)
    if json:
        emit([w.model_dump(mode="json") for w in owed], True)
        return
    now = datetime.now(timezone.utc)
    table = Table(title=f"{len(owed)} open work order(s) for {department}", title_justify="left")
    for col in ("complaint", "work order", "question", "opened by", "due in"):
        table.add_column(col)
    for w in owed:
        due = w.due_at.replace(tzinfo=w.due_at.tzinfo or timezone.utc) if w.due_at else None
        left = due - now if due else None
        table.add_row(w.complaint_id, w.id.split("/")[-1], w.question, w.opened_by,
                      Text(human(left), style="bold red" if left.total_seconds() < 0 else "") if left else "")
    console.print(table)


@app.command()
def roles(json: JsonFlag = False) -> None:
    """Who may send which message."""
    if json:
        emit({name: [p.name.lower() for p in parties] for name, parties in WHO_MAY.items()}, True)
        return
    table = Table(title="who may send which message", title_justify="left")
    table.add_column("message")
    table.add_column("who")
    for name, parties in WHO_MAY.items():
        table.add_row(name, "; ".join(p.value for p in parties))
    console.print(table)
