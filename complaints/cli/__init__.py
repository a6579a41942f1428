"""`complaints`: run the system, submit complaints, act on them, and look at them."""
import asyncio
import json as jsonlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table
from rich.text import Text

from complaints import service
from complaints.cli import messages
from complaints.cli.common import ActorDept, ActorId, ActorRole, JsonFlag, actor, emit, explain_validation, fail, run
from complaints.cli.render import clocks_table, console, human, state_panel
from complaints.config import settings
from complaints.files import open_private
from complaints.logs import configure
from complaints.temporal import connect
from complaints.visibility import ListFilter
from models.intake import Intake, complaint_id_of, workflow_id_for
from workflows.permissions import WHO_MAY, unmasked_refusal

Force = Annotated[bool, typer.Option("--force", help="Overwrite the file if it exists.")]

app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="Complaint lifecycle pipeline: every complaint a durable Temporal workflow.")


@app.callback()
def _setup() -> None:
    cfg = settings()
    configure(cfg.log_format, cfg.log_level)


@app.command()
def up() -> None:
    """Everything on the embedded default: Temporal dev server (state in ./.data/), worker, search attributes."""
    from complaints.up import run_up

    run(run_up(settings()))


@app.command()
def worker() -> None:
    """A worker only, for the configured Temporal address (same as `python -m workers`)."""
    from workers.worker import run_worker

    run(run_worker(settings()))


@app.command("codec-server")
def codec_server(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int | None, typer.Option(help="Port (default CODEC_PORT, 8081).")] = None,
    token: Annotated[str | None, typer.Option(envvar="CODEC_TOKEN", help="The bearer token callers must send; "
                                              "default: the token file (created on first run).")] = None,
    origin: Annotated[list[str] | None, typer.Option(help="Browser origin allowed by CORS (repeatable).")] = None,
) -> None:
    """Decrypt payloads for the `temporal` CLI (--codec-endpoint) and the Temporal UI."""
    from complaints.codec import EncryptionCodec, load_or_create_key
    from complaints.codec_server import serve

    cfg = settings()
    origins = tuple(origin or [f"http://localhost:{cfg.temporal_ui_port}", f"http://127.0.0.1:{cfg.temporal_ui_port}",
                               "http://localhost:8080"])
    port = port or cfg.codec_port
    token = token or cfg.codec_token_value(create=True)
    console.print(f"codec server on http://{host}:{port} (CORS for {', '.join(origins)}; bearer token required)")
    serve(EncryptionCodec(*load_or_create_key(cfg.key_file)), host, port, token, origins)


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
    items = run(_list(query, limit))
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


async def _list(query: str, limit: int) -> list[dict]:
    client = await connect(settings())
    items = []
    async for wf in client.list_workflows(query, limit=limit):
        sa = wf.typed_search_attributes
        from models import search_attributes as keys

        items.append({
            "complaint_id": complaint_id_of(wf.id), "workflow_id": wf.id, "status": wf.status.name,
            "stage": sa.get(keys.STAGE) or "", "level": sa.get(keys.LEVEL), "department": sa.get(keys.DEPARTMENT) or "",
            "business_type": sa.get(keys.BUSINESS_TYPE), "tier": sa.get(keys.CUSTOMER_TIER) or "",
            "breached": bool(sa.get(keys.SLA_BREACHED)), "emergency": bool(sa.get(keys.EMERGENCY)),
            "received_at": (sa.get(keys.RECEIVED_AT) or wf.start_time).isoformat()})
    # Owner and the nearest clock come from the live workflows (a query each, at most `limit`).
    now = datetime.now(timezone.utc)

    async def enrich(item: dict) -> None:
        if item["status"] != "RUNNING":
            return
        try:
            s = await service.state(client, item["complaint_id"])
        except service.ComplaintError:
            return
        item["owner"] = s.owner_id
        running = [c for c in s.clocks if c.running]
        if running:
            c = min(running, key=lambda c: c.deadline(now))
            item["nearest"] = f"{c.name} {human(c.time_left(now))}"

    await asyncio.gather(*(enrich(i) for i in items))
    return items


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


lookback_app = typer.Typer(no_args_is_help=True, help="The monthly look-back (回头看): 10% of last month's resolved.")
app.add_typer(lookback_app, name="lookback")


@lookback_app.command("run")
def lookback_run(month: Annotated[str, typer.Option(help="The month to revisit, e.g. 2026-10.")],
                 json: JsonFlag = False) -> None:
    """Start a month's look-back by hand. Running a month twice starts nothing the second time."""
    from complaints.lookbacks import run_month

    async def go():
        cfg = settings()
        return await run_month(await connect(cfg), month, cfg.task_queue)

    started = run(go())
    out = {"month": started.month, "workflow_id": started.workflow_id, "created": started.created}
    emit(out, json, f"[green]look-back {month} started[/] ({started.workflow_id})" if started.created
         else f"[yellow]look-back {month} already ran; nothing new started[/] ({started.workflow_id})")


@lookback_app.command("show")
def lookback_show(month: Annotated[str, typer.Option(help="The month, e.g. 2026-10.")], json: JsonFlag = False) -> None:
    """A month's sample, each revisit's outcome, and the summary by department."""
    from complaints.lookbacks import month_state

    async def go():
        return await month_state(await connect(settings()), month)

    state = run(go())
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
    revisits = Table(title="revisits", title_justify="left")
    for col in ("complaint", "department", "due", "outcome", "by", "reopened as"):
        revisits.add_column(col)
    for r in state.revisits:
        revisits.add_row(r.complaint_id, r.department, r.due.strftime("%Y-%m-%d %H:%M"),
                         (r.outcome.value if r.outcome else ("overdue" if r.escalated else "waiting")),
                         r.actor_id or "", r.reopened_as or "")
    console.print(revisits)


@lookback_app.command("outcome")
def lookback_outcome(complaint_id: str, month: Annotated[str, typer.Option(help="The look-back month.")],
                     outcome: Annotated[str, typer.Option(help="confirmed_resolved, recurred or unreachable.")],
                     who: ActorId, role: ActorRole, dept: ActorDept, note: str = "", json: JsonFlag = False) -> None:
    """Record what the revisit call found (`revisit_outcome`). `recurred` reopens the complaint."""
    from complaints.lookbacks import record_outcome
    from models.lookback import RevisitOutcome

    async def go():
        msg = RevisitOutcome(actor=actor(who, role, dept), outcome=outcome, note=note)
        return await record_outcome(await connect(settings()), month, complaint_id, msg)

    state = run(go())
    emit(state, json, f"revisit of {complaint_id}: [bold]{state.outcome.value}[/]"
         + (f"; reopened as [bold]{state.reopened_as}[/]" if state.reopened_as else ""))


@lookback_app.command("schedule")
def lookback_schedule(json: JsonFlag = False) -> None:
    """Create or update the monthly schedule (first working day, policy hour and time zone)."""
    from complaints.lookbacks import ensure_schedule
    from lookback.schedule import SCHEDULE_ID

    async def go():
        cfg = settings()
        return await ensure_schedule(await connect(cfg), cfg.policy(), cfg.task_queue, datetime.now(timezone.utc).date())

    times = run(go())
    policy = settings().policy()
    from zoneinfo import ZoneInfo

    local = [t.astimezone(ZoneInfo(policy.timezone)) for t in times]
    emit({"schedule_id": SCHEDULE_ID, "next_runs": [t.isoformat() for t in local]}, json,
         f"schedule [bold]{SCHEDULE_ID}[/]; next runs: " + ", ".join(t.strftime("%Y-%m-%d %H:%M %Z") for t in local))


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


classifier_app = typer.Typer(no_args_is_help=True, help="Train and measure the analyse stage's classifier.")
app.add_typer(classifier_app, name="classifier")
CsvFile = Annotated[Path, typer.Option("--csv", help="A CSV file with a header row.")]
TextCol = Annotated[str, typer.Option("--text", help="The column holding the complaint text.")]
LabelCol = Annotated[str, typer.Option("--label", help="The column holding the label (business type).")]


@classifier_app.command("train")
def classifier_train(csv_file: CsvFile, text: TextCol, label: LabelCol,
                     out: Annotated[Path, typer.Option(help="A file, or a folder for a versioned file name.")]
                     = Path(".data/models")) -> None:
    """Train the model on labelled rows and save a versioned model file (set COMPLAINTS_MODEL_FILE to use it)."""
    from classifier.evaluate import read_csv
    from classifier.model import TrainedModel

    try:
        texts, labels = read_csv(csv_file, text, label)
    except (OSError, ValueError) as e:
        fail(str(e))
    with console.status(f"training on {len(texts)} rows…"):
        model = TrainedModel.train(texts, labels)
        path = model.save(out)
    console.print(f"trained [bold]{model.version}[/] on {len(texts)} rows, labels {', '.join(model.labels)} → {path}")
    console.print(f"use it: COMPLAINTS_CLASSIFIER=model COMPLAINTS_MODEL_FILE={path}")


@classifier_app.command("evaluate")
def classifier_evaluate(csv_file: CsvFile, text: TextCol, label: LabelCol,
                        model: Annotated[Path | None, typer.Option(help="A trained model file; without it, "
                                                                        "k-fold cross-validation of a new one.")] = None,
                        folds: int = 5, json: JsonFlag = False) -> None:
    """Accuracy, macro-F1 and the confusion matrix."""
    from classifier.evaluate import cross_validate, metrics, read_csv
    from classifier.model import TrainedModel

    try:
        texts, labels = read_csv(csv_file, text, label)
    except (OSError, ValueError) as e:
        fail(str(e))
    with console.status("evaluating…"):
        if model is not None:
            predicted = [p for p, _ in TrainedModel.load(model).predict(texts)]
            result = metrics(labels, predicted)
        else:
            result = cross_validate(texts, labels, folds)
    if json:
        emit(result, True)
        return
    how = f"{folds}-fold cross-validation" if model is None else f"model {model}"
    console.print(f"{result.rows} rows, {how}: accuracy [bold]{result.accuracy:.3f}[/], "
                  f"macro-F1 [bold]{result.macro_f1:.3f}[/]")
    table = Table(title="confusion matrix (rows: true, columns: predicted)", title_justify="left")
    table.add_column("")
    for name in result.labels:
        table.add_column(name[:14], justify="right")
    for name, row in zip(result.labels, result.confusion):
        table.add_row(name, *[Text(str(v), style="bold green" if i == j else ("red" if v else "dim"))
                              for j, v in enumerate(row) for i in [result.labels.index(name)]])
    console.print(table)


@classifier_app.command("corrections")
def classifier_corrections(out: Annotated[Path, typer.Option(help="CSV file to write.")] = Path("corrections.csv"),
                           force: Force = False) -> None:
    """Supervisors' corrections (`correct_classification`) as new training rows."""
    from classifier.corrections import export_corrections
    from complaints.db import make_engine

    try:
        count = export_corrections(make_engine(settings().db_url), out, force)
    except FileExistsError as e:
        fail(str(e))
    console.print(f"wrote {count} corrected complaints to [bold]{out}[/] (train with --text text --label business_type)")


history_app = typer.Typer(no_args_is_help=True, help="Workflow histories, for replay tests.")
app.add_typer(history_app, name="history")


@history_app.command("export")
def history_export(complaint_id: str, out: Annotated[Path, typer.Option(help="Where to write the JSON.")],
                   force: Force = False) -> None:
    """Save a complaint's history (payloads stay encrypted) for tests/histories/ and the replay test."""
    async def go():
        client = await connect(settings())
        return await client.get_workflow_handle(workflow_id_for(complaint_id)).fetch_history()

    history = run(go())
    try:
        with open_private(out, force) as f:
            f.write(history.to_json())
    except FileExistsError as e:
        fail(str(e))
    console.print(f"wrote {len(history.events)} events to {out}")


@history_app.command("replay-open")
def history_replay_open(
        query: Annotated[str, typer.Option(help="Which workflows (a visibility query).")] = "ExecutionStatus = 'Running'",
        json: JsonFlag = False) -> None:
    """Replay every open workflow's history with this code: run it before a deploy (an operators' tool; it
    needs the key file)."""
    from complaints.replay import replay_open

    async def go():
        return await replay_open(await connect(settings()), query)

    with console.status("replaying open workflows…"):
        report = run(go())
    emit({"replayed": report.replayed, "failed": report.failed}, json,
         f"[green]replayed {report.replayed} open workflows, none failed[/]" if not report.failed else
         f"[red]{len(report.failed)} of {report.replayed} would not replay:[/] " + "; ".join(
             f"{wid}: {why}" for wid, why in report.failed.items()))
    if report.failed:
        raise typer.Exit(1)


db_app = typer.Typer(no_args_is_help=True, help="The read model's schema (Alembic migrations).")
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database to the newest schema (every process that opens it does this too)."""
    from complaints.db import make_engine

    make_engine(settings().db_url)
    console.print(f"database at the newest schema: {settings().db_url}")


@db_app.command("revision")
def db_revision(message: Annotated[str, typer.Option("-m", "--message", help="What the change is.")]) -> None:
    """For developers: write a new migration from what the models have and the database lacks."""
    from complaints.db import make_engine
    from complaints.schema import revision

    revision(make_engine(settings().db_url), message)


policy_app = typer.Typer(no_args_is_help=True, help="The SLA policy.")
app.add_typer(policy_app, name="policy")


@policy_app.command("show")
def policy_show(file: Annotated[Path | None, typer.Argument(help="A policy file; default: the one in force.")] = None,
                json: JsonFlag = False) -> None:
    """Validate and print a policy (COMPLAINTS_POLICY, or the built-in default)."""
    from sla.policy_file import PolicyError, load_policy

    try:
        policy = load_policy(file or settings().complaints_policy)
    except PolicyError as e:
        fail(str(e))
    emit(policy, json, jsonlib.dumps(policy.model_dump(mode="json"), ensure_ascii=False, indent=2))


# The contract messages come after the commands above in `--help`.
app.registered_commands += messages.app.registered_commands


def main() -> None:
    """Run the CLI, then leave without interpreter teardown.

    Temporal's core keeps native threads that can outlive Python's finalisation and abort the process
    after the command has succeeded (temporalio/sdk-python#300); exiting at once once everything is
    flushed keeps the exit code the command's."""
    code = 0
    try:
        app()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    exit_now(code)


def exit_now(code: int) -> None:
    import logging
    import os
    import sys

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
