"""A worker's port for operators (`WORKER_METRICS_PORT`): `/metrics` (the Temporal SDK's runtime metrics, the
process's own and the domain's), `/readyz` (database, Temporal, migrations, a delivery transport, and that this
worker polls its task queue) and `/healthz`.

The SDK exposes its metrics (schedule-to-start latency, sticky cache, pollers, task slots) through its own
Prometheus endpoint; it listens on a loopback port of its own, and this port serves those families beside
ours, so Prometheus scrapes one address per worker."""
import asyncio
import os
import socket
import urllib.request
from collections.abc import Iterator

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.core import Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from complaints import metrics, readiness
from complaints.config import Settings


def loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sdk_runtime() -> tuple[Runtime, str]:
    """A runtime whose metrics the SDK serves on a loopback port; (runtime, that address)."""
    address = f"127.0.0.1:{loopback_port()}"
    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address))), address


class SdkMetrics(Collector):
    """The SDK's families, read from its own endpoint at scrape time."""

    def __init__(self, address: str):
        self.url = f"http://{address}/metrics"

    def collect(self) -> Iterator[Metric]:
        try:
            with urllib.request.urlopen(self.url, timeout=2) as r:  # noqa: S310 - our own loopback port
                text = r.read().decode()
        except OSError:
            return
        yield from text_string_to_metric_families(text)


def identity(task_queue: str) -> str:
    """Who this worker is to Temporal (and to its readiness check)."""
    return f"{os.getpid()}@{socket.gethostname()}/{task_queue}"


async def serve(port: int, engine: Engine, client: Client, task_queue: str, worker_identity: str,
                sdk_address: str | None, settings: Settings | None = None) -> web.AppRunner:
    registry = metrics.registry(engine)
    if sdk_address:
        registry.register(SdkMetrics(sdk_address))

    async def scrape(_: web.Request) -> web.Response:
        body = await asyncio.to_thread(generate_latest, registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def ready(_: web.Request) -> web.Response:
        found = await readiness.problems(engine, client, task_queue, worker_identity, settings)
        return web.json_response({"ready": not found, "problems": found}, status=503 if found else 200)

    async def alive(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/metrics", scrape)
    app.router.add_get("/readyz", ready)
    app.router.add_get("/healthz", alive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", port).start()  # noqa: S104 - scraped from the compose network
    return runner
