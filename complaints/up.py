"""`complaints up`: the whole system on the embedded default."""
import asyncio
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from rich.console import Console

from complaints.codec import EncryptionCodec, load_or_create_key
from complaints.codec_server import start as start_codec
from complaints.config import Settings
from complaints.devserver import reachable, start_dev_server, wait_until_up
from complaints.lookbacks import ensure_schedule
from complaints.temporal import connect, ensure_search_attributes
from workers.worker import run_worker

console = Console(stderr=True)


async def run_up(settings: Settings) -> None:
    settings.policy()  # a bad policy file stops us before anything starts
    host = settings.temporal_address.rpartition(":")[0] or "localhost"
    codec_url = f"http://{host}:{settings.codec_port}"
    token = settings.codec_token_value(create=True)
    codec = await start_codec(EncryptionCodec(*load_or_create_key(settings.key_file)), host, settings.codec_port,
                              token=token, origins=(f"http://{host}:{settings.temporal_ui_port}",
                                                    f"http://localhost:{settings.temporal_ui_port}"))
    proc = None
    if await reachable(settings.temporal_address, settings.temporal_namespace):
        console.print(f"[yellow]a Temporal server already answers at {settings.temporal_address}; using it[/]")
    else:
        proc = start_dev_server(settings.data_dir, settings.temporal_address, settings.temporal_ui_port,
                                settings.temporal_namespace, codec_url)
        with console.status("starting the Temporal dev server…"):
            await wait_until_up(settings.temporal_address, settings.temporal_namespace, proc)
        console.print(f"[green]Temporal dev server[/] at {settings.temporal_address}, state in "
                      f"{settings.data_dir / 'temporal.db'}")
        console.print(f"[bold]Temporal UI:[/] http://{host}:{settings.temporal_ui_port}")
    token_hint = "$CODEC_TOKEN" if settings.codec_token else \
        f"$(cat {settings.codec_token_file or settings.data_dir / 'codec.token'})"
    console.print(f"codec server: {codec_url}, for operators only: temporal workflow show -w ID "
                  f"--codec-endpoint {codec_url} --codec-auth \"Bearer {token_hint}\"")
    client = await connect(settings, create_key=True)
    await ensure_search_attributes(client, settings.temporal_namespace)
    runs = await ensure_schedule(client, settings.policy(), settings.task_queue, datetime.now(timezone.utc).date())
    console.print(f"look-back schedule: next run {runs[0].astimezone(ZoneInfo(settings.policy().timezone)):%Y-%m-%d %H:%M %Z}"
                  if runs else "look-back schedule: no run in the horizon")
    console.print(f"database: {settings.db_url}")
    console.print("worker starting on task queue "
                  f"[bold]{settings.task_queue}[/]; Ctrl-C stops everything")
    try:
        await run_worker(settings)
    finally:
        await codec.cleanup()
        if proc is not None:
            proc.terminate()
            try:
                await asyncio.wait_for(asyncio.to_thread(proc.wait), timeout=15)
            except asyncio.TimeoutError:
                proc.kill()
