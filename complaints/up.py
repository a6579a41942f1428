"""`complaints up`: the whole system on the embedded default."""
import asyncio

from rich.console import Console

from complaints.config import Settings
from complaints.devserver import reachable, start_dev_server, wait_until_up
from workers.worker import run_worker

console = Console(stderr=True)


async def run_up(settings: Settings) -> None:
    settings.policy()  # a bad policy file stops us before anything starts
    proc = None
    if await reachable(settings.temporal_address, settings.temporal_namespace):
        console.print(f"[yellow]a Temporal server already answers at {settings.temporal_address}; using it[/]")
    else:
        proc = start_dev_server(settings.data_dir, settings.temporal_address, settings.temporal_ui_port,
                                settings.temporal_namespace)
        with console.status("starting the Temporal dev server…"):
            await wait_until_up(settings.temporal_address, settings.temporal_namespace, proc)
        host = settings.temporal_address.rpartition(":")[0] or "localhost"
        console.print(f"[green]Temporal dev server[/] at {settings.temporal_address}, state in "
                      f"{settings.data_dir / 'temporal.db'}")
        console.print(f"[bold]Temporal UI:[/] http://{host}:{settings.temporal_ui_port}")
    console.print(f"database: {settings.db_url}")
    console.print("worker starting on task queue "
                  f"[bold]{settings.task_queue}[/]; Ctrl-C stops everything")
    try:
        await run_worker(settings)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                await asyncio.wait_for(asyncio.to_thread(proc.wait), timeout=15)
            except asyncio.TimeoutError:
                proc.kill()
