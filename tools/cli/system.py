"""Operators' commands: run the system or a part of it, and the tools that talk to Temporal or the database directly (they need the key file)."""
import json as jsonlib
from pathlib import Path
from typing import Annotated

import typer

from complaints.config import settings
from complaints.files import open_private
from complaints.temporal import connect
from models.intake import workflow_id_for
from tools.cli.app import Force, app
from tools.cli.common import JsonFlag, emit, fail, run
from tools.cli.render import console


@app.command()
def up() -> None:
    """Everything on the embedded default: Temporal dev server (state in ./.data/), worker, search attributes."""
    from tools.up import run_up

    run(run_up(settings()))


@app.command()
def init(only_missing: Annotated[bool, typer.Option("--only-missing", help="Make the files that are missing and "
                                                    "keep the others (never overwrites).")] = False,
         json: JsonFlag = False) -> None:
    """Make every key and secret file the system reads (mode 0600), before the first start; refuses to
    overwrite one. Paths from the settings (DATA_DIR, COMPLAINTS_KEY_FILE, ...): compose mounts ./.data's."""
    from complaints import keys

    try:
        made = keys.make(settings(), only_missing)
    except keys.Exists as e:
        fail(str(e))
    rows = [{"secret": m.name, "path": str(m.path), "made": m.made} for m in made]
    emit(rows, json, "\n".join(f"{'[green]made[/]' if r['made'] else 'kept'} {r['path']} ({r['secret']})"
                               for r in rows))


@app.command()
def prepare(json: JsonFlag = False) -> None:
    """Make the system whole in Temporal: the namespace checked, the search attributes, every Schedule at the
    policy's periods (look-back, outbox, reconciliation, incident watch). Idempotent; compose runs it as a
    one-shot job before the workers, and `up` runs the same."""
    from workers.system import prepare as prepare_system

    async def go():
        return await prepare_system(await connect(settings()), settings())

    with console.status("preparing Temporal…"):
        done = run(go())
    emit(done.as_json(), json, "\n".join(
        [f"namespace {done.namespace}: ready"]
        + [f"search attributes added: {', '.join(done.search_attributes_added)}"] * bool(done.search_attributes_added)
        + [f"schedule {sid}: {how}" for sid, how in done.schedules.items()]))


@app.command()
def api(host: Annotated[str | None, typer.Option(help="Interface to listen on (default API_HOST, 127.0.0.1).")] = None,
        port: Annotated[int | None, typer.Option(help="Port (default API_PORT, 8000).")] = None) -> None:
    """The HTTP API (and the workbench) only, for the configured Temporal, database and key."""
    from server.app import serve

    cfg = settings()
    where = f"http://{host or cfg.api_host}:{port or cfg.api_port}"
    console.print(f"API at [bold]{where}[/] (docs {where}/docs); Ctrl-C stops it")
    run(serve(cfg, host, port))


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
    from tools.codec_server import operators_and_supervisors, serve

    cfg = settings()
    origins = tuple(origin or [cfg.temporal_ui_origin])
    port = port or cfg.codec_port
    token = token or cfg.codec_token_value(create=False)
    people = operators_and_supervisors(cfg)
    console.print(f"codec server on http://{host}:{port} (CORS for {', '.join(origins)}; bearer token required"
                  + ("; or an operator's or supervisor's OIDC token" if people else "") + ")")
    serve(EncryptionCodec(*load_or_create_key(cfg.key_file, create=False)), host, port, token, origins, people)



@app.command()
def reconcile(json: JsonFlag = False) -> None:
    """Find complaints whose workflow ended outside their lifecycle (terminated, timed out, failed,
    cancelled) and record how and by whom; the schedule does this every 5 minutes. An operators' tool."""
    from complaints.db import make_engine
    from complaints.reconcile import reconcile as run_reconcile

    async def go():
        return await run_reconcile(await connect(settings()), make_engine(settings().db_url))

    with console.status("comparing Temporal with the read model…"):
        found = run(go())
    rows = [{"complaint_id": f.complaint_id, "how": f.how, "at": f.at.isoformat(), "by": f.by, "reason": f.reason}
            for f in found]
    emit(rows, json, "\n".join(f"[red]{r['complaint_id']}[/] {r['how']} at {r['at'][:16]} UTC by {r['by']}: "
                               f"{r['reason']}" for r in rows) or "[green]the read model agrees with Temporal[/]")


@app.command()
def outbox(pending: Annotated[bool, typer.Option("--pending", help="Only what is not delivered yet.")] = False,
           failed: Annotated[bool, typer.Option("--failed", help="Only what could not be delivered.")] = False,
           limit: int = 30, json: JsonFlag = False) -> None:
    """The notifications: to whom, by what, and whether each was sent (an operators' tool: the database)."""
    from rich.table import Table

    from complaints.db import make_engine
    from tools.cli.render import plain
    from tools.outbox import listed, status

    rows = listed(make_engine(settings().db_url), limit, "pending" if pending else "failed" if failed else None)
    data = [{"key": n.key, "complaint_id": n.complaint_id, "to": n.recipient_kind, "channel": n.channel,
             "template": n.template, "status": status(n), "attempts": n.attempts,
             "sent_at": n.sent_at.isoformat() if n.sent_at else None, "error": n.last_error} for n in rows]
    if json:
        emit(data, True)
        return
    table = Table(title=f"outbox: {len(data)} notification(s), newest first", title_justify="left")
    for col in ("complaint", "to", "by", "template", "status", "tries", "error"):
        table.add_column(col)
    colour = {"sent": "green", "pending": "yellow", "failed": "red", "undelivered": "bold red"}
    for d in data:
        shown = str(d["status"])
        table.add_row(str(d["complaint_id"]), str(d["to"]), str(d["channel"]), str(d["template"]),
                      f"[{colour[shown]}]{shown}[/]", str(d["attempts"]), plain(str(d["error"] or "")[:60]))
    console.print(table)


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
    from tools.replay import replay_open

    async def go():
        return await replay_open(await connect(settings()), query)

    with console.status("replaying open workflows…"):
        report = run(go())
    if wrong_key := next((why for why in report.failed.values() if "unknown key id" in why), None):
        # Not this code's fault: this operator holds another key than the one the complaints were written with.
        said = wrong_key[wrong_key.index("unknown key id"):]
        fail(said[:said.index("DATA_DIR)") + len("DATA_DIR)")] if "DATA_DIR)" in said else said.split('"')[0], 2)
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
