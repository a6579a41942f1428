"""The monthly look-back (回头看): run a month, read it, record outcomes, keep the schedule."""
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from complaints.config import settings
from complaints.temporal import connect
from tools.cli.app import app
from tools.cli.client import request
from tools.cli.common import JsonFlag, emit, run
from tools.cli.render import console

lookback_app = typer.Typer(no_args_is_help=True, help="The monthly look-back (回头看): 10% of last month's resolved.")
app.add_typer(lookback_app, name="lookback")


@lookback_app.command("run")
def lookback_run(month: Annotated[str, typer.Option(help="The month to revisit, e.g. 2026-10.")],
                 json: JsonFlag = False) -> None:
    """Start a month's look-back by hand (supervisors, operators). Running a month twice starts nothing the
    second time."""
    out = request("POST", f"/v1/lookbacks/{month}/run", idempotent=True)
    emit(out, json, f"[green]look-back {month} started[/] ({out['workflow_id']})" if out["created"]
         else f"[yellow]look-back {month} already ran; nothing new started[/] ({out['workflow_id']})")


@lookback_app.command("show")
def lookback_show(month: Annotated[str, typer.Option(help="The month, e.g. 2026-10.")], json: JsonFlag = False) -> None:
    """A month's sample, each revisit's outcome, and the summary by department."""
    from models.lookback import LookBackState

    state = LookBackState.model_validate(request("GET", f"/v1/lookbacks/{month}"))
    if json:
        emit(state, True)
        return
    summary = Table(title=f"look-back {month}: {state.candidates} resolved, {len(state.revisits)} sampled"
                    + (" (finished)" if state.finished_at else " (in progress)"), title_justify="left")
    for col in ("department", "sampled", "confirmed", "recurred", "unreachable"):
        summary.add_column(col)
    for dept, d in state.by_department.items():
        summary.add_row(dept, str(d.sampled), str(d.confirmed), Text(str(d.recurred), style="red" if d.recurred
                                                                       else ""), str(d.unreachable))
    t = state.total
    summary.add_row("[bold]all[/]", str(t.sampled), str(t.confirmed), str(t.recurred), str(t.unreachable))
    console.print(summary)
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(settings().policy().timezone)
    revisits = Table(title="revisits", title_justify="left")
    for col in ("complaint", "department", f"due ({tz.key})", "outcome", "by", "reopened as"):
        revisits.add_column(col)
    for r in state.revisits:
        revisits.add_row(r.complaint_id, r.department, r.due.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                         (r.outcome.value if r.outcome else ("overdue" if r.escalated else "waiting")),
                         r.actor_id or "", r.reopened_as or "")
    console.print(revisits)


@lookback_app.command("outcome")
def lookback_outcome(complaint_id: str, month: Annotated[str, typer.Option(help="The look-back month.")],
                     outcome: Annotated[str, typer.Option(help="confirmed_resolved, recurred or unreachable.")],
                     note: str = "", json: JsonFlag = False) -> None:
    """Record what the revisit call found (`revisit_outcome`). `recurred` reopens the complaint."""
    from models.lookback import RevisitState

    state = RevisitState.model_validate(request("POST", f"/v1/lookbacks/{month}/revisits/{complaint_id}",
                                                json={"outcome": outcome, "note": note}, idempotent=True))
    emit(state, json, f"revisit of {complaint_id}: [bold]{state.outcome.value if state.outcome else '—'}[/]"
         + (f"; reopened as [bold]{state.reopened_as}[/]" if state.reopened_as else ""))


@lookback_app.command("schedule")
def lookback_schedule(json: JsonFlag = False) -> None:
    """Create or update the monthly schedule (first working day, policy hour and time zone). An operators'
    tool: it talks to Temporal directly and needs the key file."""
    from api.lookbacks import ensure_schedule
    from lookback.schedule import SCHEDULE_ID

    async def go():
        cfg = settings()
        return await ensure_schedule(await connect(cfg), cfg.policy(), cfg.task_queue, datetime.now(UTC).date())

    times = run(go())
    policy = settings().policy()
    from zoneinfo import ZoneInfo

    local = [t.astimezone(ZoneInfo(policy.timezone)) for t in times]
    emit({"schedule_id": SCHEDULE_ID, "next_runs": [t.isoformat() for t in local]}, json,
         f"schedule [bold]{SCHEDULE_ID}[/]; next runs: " + ", ".join(t.strftime("%Y-%m-%d %H:%M %Z") for t in local))
