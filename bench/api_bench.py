"""What the front door costs: an update through the API (HTTP -> update -> response) against the same
update sent to Temporal directly, and the intake rate through the API. Prints figures; passes or fails nothing.

    .venv/bin/python bench/api_bench.py                      # 200 warm complaints, 2,000 updates each way
    .venv/bin/python bench/api_bench.py --complaints 500 --updates 5000 --concurrency 8

It starts its own `temporal server start-dev` (a WAL SQLite file), a worker (`python -m workers`) and the API
(`complaints api`) as separate processes on a fresh data folder; the driver is a fourth process. The API runs
with one uvicorn worker, as `complaints up` does. Complaints are submitted through the API by a channel key,
accepted by a handler, then kept warm (in handling) while `add_note` goes to them round-robin: through the
API as the signed-in handler, then straight to Temporal with the same client code the API uses."""
import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api import service  # noqa: E402
from complaints.config import Settings  # noqa: E402
from complaints.devserver import SERVER_LIMITS, temporal_binary  # noqa: E402
from complaints.temporal import connect, ensure_search_attributes  # noqa: E402
from models import messages as m  # noqa: E402
from models.intake import Actor  # noqa: E402

CLI = str(Path(sys.executable).parent / "complaints")
PASSWORD = "a long benchmark password"
FEE_TEXT = "信用卡年费乱收费，办理流程太繁琐"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def figures(name: str, ms: list[float]) -> str:
    return (f"{name:<34} n={len(ms):>5}  p50 {statistics.median(ms):6.1f} ms  p90 {pct(ms, 0.9):6.1f} ms  "
            f"p99 {pct(ms, 0.99):6.1f} ms  max {max(ms):6.1f} ms")


class System:
    def __init__(self, work: Path) -> None:
        self.work, self.procs = work, {}
        self.address = f"127.0.0.1:{free_port()}"
        self.api = f"http://127.0.0.1:{free_port()}"
        self.env = {**os.environ, "DATA_DIR": str(work / "data"), "TEMPORAL_ADDRESS": self.address,
                    "API_PORT": self.api.rsplit(":", 1)[1], "LOG_LEVEL": "WARNING", "LOG_FORMAT": "json"}
        for inherited in ("DATABASE_URL", "COMPLAINTS_API_URL", "COMPLAINTS_CHANNEL_KEY"):
            self.env.pop(inherited, None)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        return subprocess.run([CLI, *args], env=self.env, input=stdin, capture_output=True, text=True,
                              check=True).stdout

    async def start(self):
        (self.work / "data").mkdir(parents=True)
        self.cli("init")  # the keys and secrets, as an operator makes them before the first start
        self.procs["server"] = subprocess.Popen(
            [temporal_binary(), "server", "start-dev", "--ip", "127.0.0.1", "--port", self.address.rsplit(":", 1)[1],
             "--headless", "--db-filename", str(self.work / "temporal.db"), "--sqlite-pragma", "journal_mode=wal",
             "--log-level", "error", *SERVER_LIMITS], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        settings = Settings(data_dir=self.work / "data", temporal_address=self.address)
        for _ in range(120):
            try:
                client = await connect(settings)
                break
            except Exception:
                await asyncio.sleep(0.5)
        await ensure_search_attributes(client, "default")
        self.cli("users", "add", "E207", "--role", "handler", "--dept", "credit-card-centre", stdin=PASSWORD + "\n")
        key = json.loads(self.cli("channels", "add", "app", "--json"))["key"]
        self.procs["worker"] = subprocess.Popen([sys.executable, "-m", "workers"], env=self.env, cwd=ROOT,
                                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.procs["api"] = subprocess.Popen([CLI, "api"], env=self.env, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
        async with httpx.AsyncClient(base_url=self.api) as h:
            for _ in range(120):
                try:
                    if (await h.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.25)
            token = (await h.post("/v1/auth/token", data={"username": "E207", "password": PASSWORD})).json()
        return client, key, token["access_token"]

    def stop(self) -> None:
        for p in reversed(list(self.procs.values())):
            p.terminate()
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()


def intake() -> dict:
    return {"external_ref": f"B-{uuid.uuid4().hex[:12]}", "text": FEE_TEXT,
            "customer": {"id": f"C{uuid.uuid4().hex[:6]}", "name": "王芳", "phone": "13800138000", "tier": "vip"},
            "received_at": (datetime.now(UTC) - timedelta(seconds=5)).isoformat()}


async def timed(coro) -> float:
    t = time.perf_counter()
    await coro
    return (time.perf_counter() - t) * 1000


async def in_parallel(n: int, concurrency: int, make) -> list[float]:
    sem, out = asyncio.Semaphore(concurrency), []

    async def one(i: int) -> None:
        async with sem:
            out.append(await timed(make(i)))

    await asyncio.gather(*(one(i) for i in range(n)))
    return out


async def analysed(client, cid: str) -> None:
    while (await service.state(client, cid)).stage.value in ("receive", "analyse"):  # noqa: ASYNC110 - another process
        await asyncio.sleep(0.1)


async def analyse_stage_ms(client, cid: str) -> float:
    """The analyse stage's own time as Temporal recorded it: from the workflow's start to the completion of
    the workflow task that took the intake activity's result (the analysis applied, the stage moved on)."""
    from temporalio.api.enums.v1 import EventType

    history = await client.get_workflow_handle(service.workflow_id_for(cid)).fetch_history()
    events = history.events
    started = events[0].event_time.ToDatetime()
    done = next(i for i, e in enumerate(events) if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED)
    after = next(e for e in events[done:] if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
    return (after.event_time.ToDatetime() - started).total_seconds() * 1000


async def main(args) -> None:
    work = Path(tempfile.mkdtemp(prefix="api-bench-"))
    system = System(work)
    try:
        client, key, token = await system.start()
        channel = {"Authorization": f"Bearer {key}"}
        person = {"Authorization": f"Bearer {token}"}
        limits = httpx.Limits(max_connections=args.concurrency * 2)
        async with httpx.AsyncClient(base_url=system.api, timeout=60, limits=limits) as h:
            ids: list[str] = []

            async def submit(_i: int) -> None:
                r = await h.post("/v1/complaints", json=intake(), headers=channel)
                assert r.status_code == 201, r.text
                ids.append(r.json()["complaint_id"])

            # Warm up first: the worker loads its classifier at start, after the API already answers.
            await in_parallel(4, 4, submit)
            await asyncio.gather(*(analysed(client, cid) for cid in ids))
            ids.clear()
            t0 = time.perf_counter()
            intake_ms = await in_parallel(args.complaints, args.concurrency, submit)
            rate = args.complaints / (time.perf_counter() - t0)

            async def handling(cid: str) -> None:
                while (await service.state(client, cid)).stage.value != "handle":  # noqa: ASYNC110 - polls another process
                    await asyncio.sleep(0.2)
                r = await h.post(f"/v1/complaints/{cid}/accept", json={}, headers=person)
                assert r.status_code == 200, r.text

            await asyncio.gather(*(handling(cid) for cid in ids))
            stage_ms = [await analyse_stage_ms(client, cid) for cid in ids[:50]]  # analysed by now

            async def via_api(i: int) -> None:
                r = await h.post(f"/v1/complaints/{ids[i % len(ids)]}/add_note", json={"text": f"api note {i}"},
                                 headers=person)
                assert r.status_code == 200, r.text

            actor = Actor(id="E207", role="handler", department="credit-card-centre")

            async def direct(i: int) -> None:
                await service.acknowledge(client, ids[i % len(ids)], "add_note",
                                          m.AddNote(actor=actor, text=f"direct note {i}"))

            await in_parallel(50, args.concurrency, via_api)  # warm-up: connections, caches
            rounds = {"api": [], "direct": []}
            for first, second in (("api", "direct"), ("direct", "api")):  # take turns going first
                for name in (first, second):
                    make = via_api if name == "api" else direct
                    rounds[name] += await in_parallel(args.updates // 2, args.concurrency, make)

            async def read(i: int) -> None:
                r = await h.get(f"/v1/complaints/{ids[i % len(ids)]}", headers=person)
                assert r.status_code == 200

            reads = await in_parallel(500, args.concurrency, read)
        print(f"\nAPI benchmark: {args.complaints} complaints, {args.updates} updates each way, "
              f"{args.concurrency} in flight, one uvicorn worker, WAL SQLite dev server")
        print(f"intake through the API (channel key): {rate:.1f} complaints/s")
        print(figures("POST /v1/complaints", intake_ms))
        print(figures("the analyse stage (its history)", stage_ms))
        print(f"201 against the analyse stage's own time, p50: {statistics.median(intake_ms) / statistics.median(stage_ms):.2f}")
        print(figures("add_note via API (HTTP->update)", rounds["api"]))
        print(figures("add_note direct (Temporal update)", rounds["direct"]))
        print(figures("GET /v1/complaints/{id} (query)", reads))
        extra = statistics.median(rounds["api"]) - statistics.median(rounds["direct"])
        print(f"the front door adds {extra:.1f} ms at the median (auth, audit row, validation, HTTP)")
    finally:
        system.stop()
        shutil.rmtree(work, ignore_errors=True)  # a dev server's database and a worker's data: nothing to keep


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=200)
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    asyncio.run(main(parser.parse_args()))
