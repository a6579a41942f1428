"""Keying in complaints and looking at them, through the API: one, its trail, a list, a department's
work orders; and the role table."""
import json as jsonlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from rich.text import Text

from complaints.config import settings
from models.state import ComplaintState, SlaView
from tools.cli.app import app
from tools.cli.client import request
from tools.cli.common import JsonFlag, emit, fail
from tools.cli.render import clocks_table, console, human, plain, state_panel
from workflows.contract import WHO_MAY


@app.command()
def submit(file: Annotated[Path, typer.Argument(help="The intake JSON ('-' for standard input).", allow_dash=True)],
           json: JsonFlag = False) -> None:
    """Key in a complaint (handlers). You are its first responder; the same channel + external_ref again
    reaches the same complaint."""
    raw = typer.get_text_stream("stdin").read() if str(file) == "-" else _read(file)
    try:
        body = jsonlib.loads(raw)
    except ValueError as e:
        fail(f"invalid intake: not JSON ({e})")
    r = request("POST", "/v1/complaints", json=body, raw=True, what="invalid intake", idempotent=True)
    out = r.json()
    verb = "submitted" if out["created"] else "already submitted (no second complaint started)"
    emit(out, json, f"[green]{verb}[/]: reference [bold]{out['complaint_id']}[/] (workflow {out['workflow_id']})")


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except OSError as e:
        fail(f"cannot read {file}: {e.strerror}")


@app.command("ask-review")
def ask_review(complaint_id: str, reason: Annotated[str, typer.Option(help="What the customer disagrees with.")],
               json: JsonFlag = False) -> None:
    """The customer asks for a review (核查) of the decision, within 30 days of it: their channel (with
    COMPLAINTS_CHANNEL_KEY), or a handler keying it in for a staff channel. The same request again reaches
    the same review."""
    r = request("POST", f"/v1/complaints/{complaint_id}/review", json={"reason": reason}, raw=True,
                what="review refused", idempotent=True)
    out = r.json()
    verb = "review started" if out["created"] else "review asked for before"
    emit(out, json, f"[green]{verb}[/]: reference [bold]{out['complaint_id']}[/], reviewed by {out['department']}")


@app.command()
def show(complaint_id: str, json: JsonFlag = False) -> None:
    """A complaint's live state: stage, owner, clocks with time left, work orders, history."""
    state = ComplaintState.model_validate(request("GET", f"/v1/complaints/{complaint_id}"))
    emit(state, json, state_panel(state))


@app.command()
def sla(complaint_id: str, json: JsonFlag = False) -> None:
    """Each SLA clock: deadline, time left, warned, breached, paused time."""
    view = SlaView.model_validate(request("GET", f"/v1/complaints/{complaint_id}/sla"))
    emit(view, json, clocks_table(view.clocks, view.timezone))


@app.command()
def timeline(complaint_id: str, json: JsonFlag = False) -> None:
    """The audit trail: every message, timer and stage change, refusals included."""
    entries = request("GET", f"/v1/complaints/{complaint_id}/timeline")
    if json:
        emit(entries, True)
        return
    table = Table(title=f"{complaint_id}: {len(entries)} entries", title_justify="left")
    tz = ZoneInfo(settings().policy().timezone)
    for col in ("#", f"at ({tz.key})", "action", "by", "stage", "detail"):
        table.add_column(col)
    for e in entries:
        at = _aware(datetime.fromisoformat(e["at"])).astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
        table.add_row(str(e["seq"]), at, Text(e["action"], style="" if e["accepted"] else "red"),
                      f"{e['actor_id']} ({e['actor_role']})", e["stage"], plain(e["detail"][:120]))
    console.print(table)


@app.command("list")
def list_(stage: str | None = None, level: str | None = None, department: str | None = None,
          breached: Annotated[bool | None, typer.Option("--breached/--not-breached")] = None,
          emergency: Annotated[bool | None, typer.Option("--emergency/--not-emergency")] = None,
          mine: Annotated[bool, typer.Option("--mine", help="Only complaints I own.")] = False,
          owner: Annotated[str | None, typer.Option(help="Only complaints this person owns.")] = None,
          reference: Annotated[str | None, typer.Option(help="A complaint id or external reference.")] = None,
          customer: Annotated[str | None, typer.Option(help="A customer id.")] = None,
          received_from: Annotated[datetime | None, typer.Option(
              "--from", help="Received at or after (the bank's time zone unless an offset is given).")] = None,
          received_to: Annotated[datetime | None, typer.Option(
              "--to", help="Received before (the bank's time zone unless an offset is given).")] = None,
          limit: int = 50,
          show_query: Annotated[bool, typer.Option("--query", help="Also print the same filter as a visibility "
                                                                   "query for the Temporal UI (operators).")] = False,
          json: JsonFlag = False) -> None:
    """List the complaints you may see, newest first (from the read model, through the API)."""
    if show_query:
        from tools.visibility import ListFilter

        console.print(ListFilter(stage, level, department, None, None, breached, emergency,
                                 _aware_local(received_from), _aware_local(received_to)).query(), highlight=False,
                      soft_wrap=True, style="dim")
    params = {"stage": stage, "level": level, "department": department, "breached": breached,
              "emergency": emergency, "owner": "me" if mine else owner, "reference": reference,
              "customer_id": customer, "limit": limit,
              "received_from": _iso(received_from), "received_to": _iso(received_to)}
    items = request("GET", "/v1/complaints", params={k: v for k, v in params.items() if v is not None})
    if json:
        emit(items, True)
        return
    tz = ZoneInfo(settings().policy().timezone)
    table = Table(title=f"{len(items)} complaint(s)", title_justify="left")
    for col in ("id", "stage", "level", "department", "business type", "tier", "owner", f"received ({tz.key})"):
        table.add_column(col)
    for it in items:
        flags = (" ⚠" if it["breached"] else "") + (" 急" if it["emergency"] else "")
        table.add_row(Text(it["complaint_id"] + flags, style="bold red" if it["breached"] else ""), it["stage"],
                      it["level"] or "", it["department"], it["business_type"] or "", it["tier"], it["owner_id"],
                      _aware(datetime.fromisoformat(it["received_at"])).astimezone(tz).strftime("%Y-%m-%d %H:%M"))
    console.print(table)


def _iso(dt: datetime | None) -> str | None:
    """A time typed without an offset is the bank's local time, as every time it reads."""
    if dt is None:
        return None
    return (dt.replace(tzinfo=ZoneInfo(settings().policy().timezone)) if dt.tzinfo is None else dt).isoformat()


def _aware_local(dt: datetime | None) -> datetime | None:
    return datetime.fromisoformat(iso) if (iso := _iso(dt)) else None


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


@app.command("work-orders")
def work_orders(department: Annotated[str | None, typer.Option("--department", "--dept",
                                                               help="The department asked; default yours.")] = None,
                json: JsonFlag = False) -> None:
    """The open work orders a department owes, the most urgent first."""
    owed = request("GET", "/v1/work-orders", params={"department": department} if department else {})
    if json:
        emit(owed, True)
        return
    now = datetime.now(UTC)
    table = Table(title=f"{len(owed)} open work order(s)" + (f" for {department}" if department else ""),
                  title_justify="left")
    for col in ("complaint", "work order", "question", "opened by", "due in"):
        table.add_column(col)
    for w in owed:
        left = datetime.fromisoformat(w["due_at"]) - now if w["due_at"] else None
        table.add_row(w["complaint_id"], w["work_order_id"], plain(w["question"]), w["opened_by"],
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
