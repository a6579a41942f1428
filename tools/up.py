"""`complaints up`: the whole system on the embedded default."""
import asyncio
import socket
from zoneinfo import ZoneInfo

from rich.console import Console

from complaints import keys
from complaints.codec import EncryptionCodec, load_or_create_key
from complaints.config import Settings
from complaints.devserver import reachable, start_dev_server, wait_until_up
from complaints.temporal import connect
from server.app import serve as serve_api
from tools.codec_server import start as start_codec
from workers.system import prepare
from workers.worker import run_worker

FIRST_SUPERVISOR = "supervisor"


def first_sign_in(settings: Settings) -> None:
    """On a database with no account yet, a first supervisor with a random password in a 0600 file; then
    say how to sign in (that account adds the others, with `complaints users add`)."""
    from api.accounts import add_account, no_account_yet
    from complaints.codec import secret_file
    from complaints.db import make_engine

    engine = make_engine(settings.db_url)
    password_file = settings.data_dir / "first-supervisor.password"
    empty = no_account_yet(engine)
    if empty:
        add_account(engine, FIRST_SUPERVISOR, "supervisor", "complaints", secret_file(password_file, create=True))
    if password_file.exists():
        console.print(f"sign in: [bold]complaints login --user {FIRST_SUPERVISOR} < {password_file}[/] "
                      "(then `complaints users add` for your colleagues)", soft_wrap=True)

console = Console(stderr=True)


class PortInUse(RuntimeError):
    """One line for a person: which port, and the likely reason."""


def ensure_free(host: str, port: int, what: str) -> None:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            raise PortInUse(f"port {port} ({what}) is in use on {host}: is `complaints up` already running? "
                            f"(or set {what.upper().replace(' ', '_')}_PORT)") from None


async def run_up(settings: Settings) -> None:
    settings.policy()  # a bad policy file stops us before anything starts
    host = settings.temporal_address.rpartition(":")[0] or "localhost"
    sinks_wanted = not (settings.smtp_url or settings.sms_gateway_url or settings.app_gateway_url)
    ports = [(settings.codec_port, "codec"), (settings.api_port, "api")]
    if sinks_wanted:
        ports += [(settings.sink_smtp_port, "sink smtp"), (settings.sink_gateway_port, "sink gateway")]
    for port, what in ports:
        ensure_free(settings.api_host if what == "api" else host, port, what)
    made = [m for m in keys.make(settings, only_missing=True) if m.made]  # `complaints init`, for a newcomer
    if made:
        console.print(f"keys and secrets made (mode 0600): {', '.join(m.path.name for m in made)}")
    codec_url = f"http://{host}:{settings.codec_port}"
    token = settings.codec_token_value(create=False)
    codec = await start_codec(EncryptionCodec(*load_or_create_key(settings.key_file, create=False)), host,
                              settings.codec_port, token=token,
                              origins=(f"http://{host}:{settings.temporal_ui_port}",
                                       f"http://localhost:{settings.temporal_ui_port}"))
    proc = None
    if await reachable(settings.temporal_address, settings.temporal_namespace):
        console.print(f"[yellow]a Temporal server already answers at {settings.temporal_address}; using it[/]")
    else:
        proc = start_dev_server(settings.data_dir, settings.temporal_address, settings.temporal_ui_port,
                                settings.temporal_namespace, codec_url, settings.temporal_ui_ip)
        with console.status("starting the Temporal dev server…"):
            await wait_until_up(settings.temporal_address, settings.temporal_namespace, proc)
        console.print(f"[green]Temporal dev server[/] at {settings.temporal_address}, state in "
                      f"{settings.data_dir / 'temporal.db'}")
        console.print(f"[bold]Temporal UI:[/] http://{settings.temporal_ui_ip}:{settings.temporal_ui_port} "
                      "(operators only; bound to this machine)")
    token_hint = "$CODEC_TOKEN" if settings.codec_token else \
        f"$(cat {settings.codec_token_file or settings.data_dir / 'codec.token'})"
    console.print(f"codec server: {codec_url}, for operators only: temporal workflow show -w ID "
                  f"--codec-endpoint {codec_url} --codec-auth \"Bearer {token_hint}\"", soft_wrap=True)
    client = await connect(settings)
    from tools.outbox import Sinks

    sinks = None
    if sinks_wanted:  # a newcomer sees what would have been sent, in files
        sinks = Sinks(settings.data_dir / "outbox")
        smtp, gateway = await sinks.start(host, settings.sink_smtp_port, settings.sink_gateway_port)
        settings = settings.model_copy(update={"smtp_url": smtp, "sms_gateway_url": f"{gateway}/sms",
                                               "app_gateway_url": f"{gateway}/app"})
        console.print(f"outbox: local sinks (mail {smtp}, SMS and app {gateway}) keep what is sent in "
                      f"{settings.data_dir / 'outbox'}; `complaints outbox` lists it", soft_wrap=True)
    # The same step production runs as compose's one-shot `prepare` job.
    prepared = await prepare(client, settings)
    tz = ZoneInfo(settings.policy().timezone)
    runs = prepared.lookback_next
    console.print(f"look-back schedule: next run {runs[0].astimezone(tz):%Y-%m-%d %H:%M %Z}"
                  if runs else "look-back schedule: no run in the horizon")
    console.print("outbox: every 30 s; reconciliation with Temporal: every 5 minutes (`complaints reconcile` "
                  "runs it now)")
    console.print(f"incident watch: every {settings.policy().incidents.every} (docs/incidents.md)")
    console.print(f"database: {settings.db_url}")
    listening = asyncio.Event()
    api = asyncio.create_task(serve_api(settings, started=listening))
    await asyncio.wait([api, asyncio.create_task(listening.wait())], return_when=asyncio.FIRST_COMPLETED)
    if api.done():
        api.result()  # it could not start (the port is taken, say): say so and stop
    where = f"http://{settings.api_host}:{settings.api_port}"
    console.print(f"[bold]Workbench:[/] {where}/ui/ (Chinese; English by the switch in its header)")
    console.print(f"[bold]API:[/] {where} (docs {where}/docs)")
    first_sign_in(settings)
    console.print("worker starting on task queue "
                  f"[bold]{settings.task_queue}[/]; Ctrl-C stops everything")
    try:
        await run_worker(settings)
    finally:
        api.cancel()
        await codec.cleanup()
        if sinks is not None:
            await sinks.stop()
        if proc is not None:
            proc.terminate()
            try:
                await asyncio.wait_for(asyncio.to_thread(proc.wait), timeout=15)
            except TimeoutError:
                proc.kill()
