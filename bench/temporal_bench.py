"""What a complaint costs on this machine, against bare Temporal. Prints its figures; nothing here passes or fails.

    .venv/bin/python bench/temporal_bench.py                       # quick: 500 lifecycles, 2,000 open complaints
    .venv/bin/python bench/temporal_bench.py --capacity 50000      # the full capacity run
    .venv/bin/python bench/temporal_bench.py --modes wal --profile # one server mode, with a worker profile

For each server mode (a WAL SQLite file, and in-memory) it starts its own `temporal server start-dev`, a
complaint worker (`python -m workers`) and a floor worker (bench/floor.py) as separate processes, then:
1. lifecycle: N complaints through a full satisfied lifecycle by updates, `--in-flight` at a time, beside the
   same number of floor workflows doing the same activities, timers and updates with empty bodies;
2. latency: every update of the contract, a refused update, and the `state`/`sla` queries, on warm complaints;
3. capacity: C complaints left open with live SLA timers: memory, and how long visibility queries take."""
import argparse
import asyncio
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from floor import FloorWorkflow  # noqa: E402
from temporalio.client import Client  # noqa: E402

from api import service  # noqa: E402
from complaints.config import Settings  # noqa: E402
from complaints.devserver import temporal_binary  # noqa: E402
from complaints.temporal import data_converter, ensure_search_attributes  # noqa: E402
from models import messages as m  # noqa: E402
from models.intake import Intake, workflow_id_for  # noqa: E402, workflow_id_for

POLICY = """name = "bench"
verify_window = "3wd"
"""
HANDLER = {"id": "E207", "role": "handler", "department": "branch-0101"}
COLLEAGUE = {"id": "E300", "role": "handler", "department": "branch-0101"}
INTAKE = {"id": "ivr", "role": "intake", "department": "hotline"}
SUPERVISOR = {"id": "S001", "role": "supervisor", "department": "complaints"}
REVIEWERS = [{"id": "R1", "role": "reviewer", "department": "risk"}, {"id": "R2", "role": "reviewer", "department": "risk"}]
LOANS = {"id": "A601", "role": "department_agent", "department": "loans"}
RESPONSE = ("非常抱歉给您带来不便。经核实，您反映的问题属实。我们已为您退还费用。如有疑问请联系我们，我们将回访。")
DECISION = {"finding": "upheld", "relief": "monetary", "facts": "费用系误收", "basis": "收费标准", "reasons": "误收应退",
            "channel_code": "A101", "business_code": "B03", "reason_code": "C03", "redress_amount": "300",
            "redress_for": "退还误收年费"}
FEE_TEXT = "信用卡年费乱收费，办理流程太繁琐"
LOST_CARD = "我的银行卡昨天丢了，卡丢了咋整？"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def tree_rss_mib(pid: int) -> float:
    """RSS of a process and its children (the temporal CLI runs the server in-process, but be safe)."""
    total = rss_mib(pid)
    for child in Path(f"/proc/{pid}/task").iterdir():
        children = child / "children"
        if children.exists():
            for c in children.read_text().split():
                total += rss_mib(int(c))
    return total


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(int(round(q * (len(values) - 1))), len(values) - 1)] if values else float("nan")


def intake(text: str) -> Intake:
    ref = uuid.uuid4().hex[:12]
    return Intake.model_validate({
        "channel": "hotline", "external_ref": f"BENCH-{ref}",
        "customer": {"id": f"C{ref[:6]}", "name": "王芳", "phone": "13800138000", "tier": "vip"},
        "text": text, "received_at": datetime.now(UTC).isoformat(), "received_by": HANDLER})


class Stack:
    """A dev server, a complaint worker and a floor worker, each its own process."""

    def __init__(self, mode: str, work: Path, profile: bool):
        self.mode, self.work, self.profile = mode, work, profile
        self.address = f"127.0.0.1:{free_port()}"
        self.settings = Settings(data_dir=work, database_url=f"sqlite:///{work / 'complaints.db'}",
                                 complaints_key_file=work / "bench.key", temporal_address=self.address)
        self.procs: dict[str, subprocess.Popen] = {}

    async def start(self) -> tuple[Client, Client]:
        args = [temporal_binary(), "server", "start-dev", "--ip", "127.0.0.1", "--port", self.address.split(":")[1],
                "--headless", "--log-level", "error"]
        if self.mode == "wal":
            args += ["--db-filename", str(self.work / "temporal.db"), "--sqlite-pragma", "journal_mode=wal"]
        self.procs["server"] = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = await self._connect(data_converter(self.settings, create_key=True))
        await ensure_search_attributes(client, "default")
        (self.work / "bench.toml").write_text(POLICY)
        env = {**os.environ, "TEMPORAL_ADDRESS": self.address, "DATABASE_URL": self.settings.db_url,
               "COMPLAINTS_KEY_FILE": str(self.settings.key_file),
               "COMPLAINTS_ACTOR_KEY_FILE": str(self.settings.actor_key_file), "COMPLAINTS_POLICY": str(self.work / "bench.toml"),
               "LOG_FORMAT": "json", "LOG_LEVEL": "WARNING"}
        self.procs["worker"] = subprocess.Popen([sys.executable, "-m", "workers"], env=env, cwd=ROOT,
                                                stdout=subprocess.DEVNULL, stderr=open(self.work / "worker.log", "w"))
        self.procs["floor"] = subprocess.Popen([sys.executable, str(ROOT / "bench" / "floor.py"), self.address,
                                                "floor"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        await asyncio.sleep(3)  # let both workers start polling
        return client, await self._connect(None)

    async def _connect(self, converter) -> Client:
        for _ in range(120):
            try:
                kwargs = {"data_converter": converter} if converter else {}
                return await Client.connect(self.address, **kwargs)
            except Exception:
                await asyncio.sleep(0.5)
        raise RuntimeError("the dev server did not start")

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each process of the stack, and by this driver."""
        tick = os.sysconf("SC_CLK_TCK")
        used = {}
        for name, proc in self.procs.items():
            fields = Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            used[name] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        t = os.times()
        used["driver"] = t.user + t.system
        return used

    def stop(self) -> None:
        for proc in self.procs.values():
            proc.kill()
            proc.wait()


async def lifecycle(client: Client, queue: str = "complaints") -> float:
    started = time.perf_counter()
    sub = await service.submit(client, intake(FEE_TEXT), queue)
    cid = sub.complaint_id
    await service.acknowledge(client, cid, "accept", m.Accept(actor=HANDLER))
    await service.acknowledge(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=RESPONSE, **DECISION))
    await service.acknowledge(client, cid, "customer_feedback", m.CustomerFeedback(actor=INTAKE, satisfied=True, csat=5))
    await client.get_workflow_handle(sub.workflow_id).result()
    return time.perf_counter() - started


async def floor_run(client: Client, segments: list[dict]) -> float:
    started = time.perf_counter()
    handle = await client.start_workflow(FloorWorkflow.run, segments, id=f"floor-{uuid.uuid4().hex}", task_queue="floor")
    for _ in range(sum(1 for s in segments if s["wait"])):
        await handle.execute_update(FloorWorkflow.step, {"actor": HANDLER})
    await handle.result()
    return time.perf_counter() - started


async def history_plan(client: Client, workflow_id: str) -> tuple[list[dict], dict]:
    """The complaint's commands between updates, read from a real history: the floor does the same."""
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    segments, seg = [], {"activities": 0, "locals": 0, "timers": 0, "wait": True}
    counts = {"activities": 0, "local activities": 0, "timers": 0, "updates": 0, "events": len(history.events)}
    for e in history.events:
        kind = e.WhichOneof("attributes")
        if kind == "activity_task_scheduled_event_attributes":
            seg["activities"] += 1
            counts["activities"] += 1
        elif kind == "marker_recorded_event_attributes" and e.marker_recorded_event_attributes.marker_name == "core_local_activity":
            seg["locals"] += 1
            counts["local activities"] += 1
        elif kind == "timer_started_event_attributes":
            seg["timers"] += 1
            counts["timers"] += 1
        elif kind == "workflow_execution_update_accepted_event_attributes":
            counts["updates"] += 1
            segments.append(seg)
            seg = {"activities": 0, "locals": 0, "timers": 0, "wait": True}
    seg["wait"] = False
    segments.append(seg)
    return segments, counts


async def run_many(n: int, in_flight: int, make) -> tuple[float, list[float]]:
    gate = asyncio.Semaphore(in_flight)

    async def one():
        async with gate:
            return await make()

    started = time.perf_counter()
    durations = await asyncio.gather(*(one() for _ in range(n)))
    return time.perf_counter() - started, list(durations)


async def timed(samples: dict[str, list[float]], name: str, coro):
    started = time.perf_counter()
    try:
        return await coro
    finally:
        samples.setdefault(name, []).append((time.perf_counter() - started) * 1000)


async def latencies(client: Client, warm: int) -> dict[str, list[float]]:
    """Every contract update on warm complaints (already analysed and in the worker's cache)."""
    samples: dict[str, list[float]] = {}

    async def normal():
        cid = (await service.submit(client, intake(FEE_TEXT), "complaints")).complaint_id
        await service.acknowledge(client, cid, "add_note", m.AddNote(actor=HANDLER, text="warm up"))
        for _ in range(5):
            await timed(samples, "query state", service.state(client, cid))
            await timed(samples, "query sla", service.sla(client, cid))
        s = lambda name, msg: timed(samples, name, service.acknowledge(client, cid, name, msg))  # noqa: E731
        await s("accept", m.Accept(actor=HANDLER))
        for i in range(3):
            await s("add_note", m.AddNote(actor=HANDLER, text=f"note {i}"))
        for _ in range(3):
            try:
                await timed(samples, "refused update", service.acknowledge(client, cid, "customer_feedback", m.CustomerFeedback(
                    actor=INTAKE, satisfied=True, csat=5)))
            except service.ComplaintError:
                pass
        await s("open_work_order", m.OpenWorkOrder(actor=HANDLER, department="loans", question="分期?"))
        await s("answer_work_order", m.AnswerWorkOrder(actor=LOANS, work_order_id="WO-1", answer="有"))
        await service.acknowledge(client, cid, "open_work_order", m.OpenWorkOrder(actor=HANDLER, department="it", question="?"))
        await s("cancel_work_order", m.CancelWorkOrder(actor=HANDLER, work_order_id="WO-2", reason="不需要"))
        await s("request_customer_info", m.RequestCustomerInfo(actor=HANDLER, what="身份证"))
        await s("customer_info_received", m.CustomerInfoReceived(actor=INTAKE))
        await s("correct_classification", m.CorrectClassification(actor=SUPERVISOR, business_type="loans", reason="x"))
        await s("extend_deadline", m.ExtendDeadline(actor=SUPERVISOR, reason="复杂"))
        await s("escalate", m.Escalate(actor=SUPERVISOR, reason="关注"))
        await s("reassign", m.Reassign(actor=SUPERVISOR, owner_id=COLLEAGUE["id"], reason="轮岗"))
        await s("propose_response", m.ProposeResponse(actor=COLLEAGUE, text=RESPONSE, **DECISION))
        await s("customer_feedback", m.CustomerFeedback(actor=INTAKE, satisfied=True, csat=5))
        await s("approve_close", m.ApproveClose(actor=SUPERVISOR))

    async def emergency():
        cid = (await service.submit(client, intake(LOST_CARD), "complaints")).complaint_id
        await service.acknowledge(client, cid, "accept", m.Accept(actor=HANDLER))
        await timed(samples, "record_disposal", service.acknowledge(client, cid, "record_disposal",
                                                                 m.RecordDisposal(actor=HANDLER, text="卡片已冻结")))
        for reviewer in REVIEWERS:
            await timed(samples, "approve_disposal", service.acknowledge(client, cid, "approve_disposal",
                                                                  m.ApproveDisposal(actor=reviewer)))
        await timed(samples, "withdraw", service.acknowledge(client, cid, "withdraw", m.Withdraw(actor=INTAKE)))

    # One message at a time: a person's latency, not the queueing of a loaded machine (the lifecycle run
    # measures throughput under load).
    gate = asyncio.Semaphore(1)

    async def bounded(make):
        async with gate:
            await make()

    await asyncio.gather(*(bounded(normal) for _ in range(warm)), *(bounded(emergency) for _ in range(warm)))
    return samples


async def capacity(client: Client, stack: Stack, count: int) -> dict:
    async def handled() -> int:
        return (await client.count_workflows("WorkflowType = 'ComplaintWorkflow' AND ComplaintStage = 'handle' AND "
                                             "ExecutionStatus = 'Running'")).count

    # Warm first: the worker loads its classifier with the first analysis; "before" is a warm, empty worker.
    for _ in range(3):
        cid = (await service.submit(client, intake(FEE_TEXT), "complaints")).complaint_id
        while (await service.state(client, cid)).stage.value != "handle":  # noqa: ASYNC110 - the worker moves it
            await asyncio.sleep(0.5)
    count_before = await handled()
    worker_before, server_before = rss_mib(stack.procs["worker"].pid), tree_rss_mib(stack.procs["server"].pid)
    started = time.perf_counter()
    gate = asyncio.Semaphore(200)

    async def start():
        async with gate:
            await service.submit(client, intake(FEE_TEXT), "complaints")

    await asyncio.gather(*(start() for _ in range(count)))
    start_s = time.perf_counter() - started
    print(f"    {count:,} started in {start_s:.0f} s", flush=True)

    last_report = time.perf_counter()
    while (done := await handled() - count_before) < count and time.perf_counter() - started < 3600:
        if time.perf_counter() - last_report > 30:
            last_report = time.perf_counter()
            print(f"    … {done:,} in handling after {last_report - started:.0f} s; worker "
                  f"{rss_mib(stack.procs['worker'].pid):.0f} MiB, server {tree_rss_mib(stack.procs['server'].pid):.0f} MiB",
                  flush=True)
        await asyncio.sleep(2)
    ready_s = time.perf_counter() - started
    await asyncio.sleep(2)
    list_started = time.perf_counter()
    page = [w async for w in client.list_workflows("ComplaintStage = 'handle' AND ComplaintLevel = 'II'", limit=100)]
    list_ms = (time.perf_counter() - list_started) * 1000
    count_started = time.perf_counter()
    total = await handled()
    count_ms = (time.perf_counter() - count_started) * 1000
    worker_after, server_after = rss_mib(stack.procs["worker"].pid), tree_rss_mib(stack.procs["server"].pid)
    cached = min(count, stack.settings.max_cached_workflows)
    return {"open": total, "start_s": start_s, "ready_s": ready_s, "list_ms": list_ms, "list_rows": len(page),
            "count_ms": count_ms, "worker_mib": (worker_before, worker_after),
            "server_mib": (server_before, server_after),
            "per_complaint_kib": (worker_after - worker_before) * 1024 / cached, "cached": cached}


def profile_start(stack: Stack, seconds: int) -> subprocess.Popen | None:
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("  (py-spy is not installed: pip install py-spy)")
        return None
    out = stack.work / f"worker-profile-{stack.mode}.txt"
    return subprocess.Popen([spy, "record", "--pid", str(stack.procs["worker"].pid), "--duration", str(seconds),
                             "--format", "raw", "--output", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def profile_report(stack: Stack, top: int = 12) -> None:
    """Own-code frames by samples (collapsed stacks): where our code spends the worker's time."""
    path = stack.work / f"worker-profile-{stack.mode}.txt"
    if not path.exists():
        return
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack_text, _, n = line.rpartition(" ")
        n = int(n)
        total += n
        seen = set()
        for frame in stack_text.split(";"):
            if str(ROOT) in frame or any(f"({p}/" in frame for p in ("models", "workflows", "activities", "complaints")):
                name = frame.split(" (")[0] + " (" + frame.split("(")[-1].split(":")[0].replace(str(ROOT) + "/", "") + ")"
                if name not in seen:
                    inclusive[name] = inclusive.get(name, 0) + n
                    seen.add(name)
    print(f"  worker profile ({total} samples), our code by inclusive share:")
    for name, n in sorted(inclusive.items(), key=lambda kv: -kv[1])[:top]:
        print(f"    {100 * n / total:5.1f}%  {name}")


async def bench_mode(mode: str, args) -> None:
    work = Path(tempfile.mkdtemp(prefix=f"bench-{mode}-"))
    stack = Stack(mode, work, args.profile)
    client, bare = await stack.start()
    try:
        print(f"\n== server: {'WAL SQLite file' if mode == 'wal' else 'in-memory'} ({work})")
        phases = set(args.phases.split(","))
        if "lifecycle" in phases:
            await lifecycle_phase(client, bare, stack, args)
        if "latency" in phases:
            await latency_phase(client, args)
        if "capacity" in phases:
            await capacity_phase(client, bare, stack, args)
    finally:
        stack.stop()
        shutil.rmtree(work, ignore_errors=True)


async def lifecycle_phase(client: Client, bare: Client, stack: Stack, args) -> None:
    for _ in range(5):  # warm up both workers
        await lifecycle(client)
    sample = (await service.submit(client, intake(FEE_TEXT), "complaints")).complaint_id
    await service.send(client, sample, "accept", m.Accept(actor=HANDLER))
    await service.send(client, sample, "propose_response", m.ProposeResponse(actor=HANDLER, text=RESPONSE, **DECISION))
    await service.send(client, sample, "customer_feedback", m.CustomerFeedback(actor=INTAKE, satisfied=True, csat=5))
    await client.get_workflow_handle(workflow_id_for(sample)).result()
    segments, counts = await history_plan(client, workflow_id_for(sample))
    print("  one satisfied lifecycle: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    for _ in range(5):
        await floor_run(bare, segments)

    # Rounds alternate which side goes first: the server's database grows as the run goes on, and the
    # machine's background load drifts; one pair of runs alone moved the ratio by ±0.2.
    spy = profile_start(stack, 60) if args.profile else None
    ratios, results = [], {"ours": [], "floor": []}
    for r in range(args.rounds):
        rate = {}
        for side in (("ours", "floor") if r % 2 == 0 else ("floor", "ours")):
            make = (lambda: lifecycle(client)) if side == "ours" else (lambda: floor_run(bare, segments))
            before = stack.cpu()
            took, durations = await run_many(args.complaints, args.in_flight, make)
            after = stack.cpu()
            rate[side] = args.complaints / took
            results[side].append((rate[side], durations, {k: after[k] - before[k] for k in after}))
            if spy and side == "ours":
                spy.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
                spy.wait()
                spy = None
        ratios.append(rate["floor"] / rate["ours"])
    print(f"  lifecycle, {args.complaints} complaints, {args.in_flight} in flight, {args.rounds} rounds:")
    per = args.complaints / 1000
    for side, worker, unit in (("ours", "worker", "complaints/s"), ("floor", "floor", "workflows/s ")):
        rates = [x[0] for x in results[side]]
        durations = [d for x in results[side] for d in x[1]]
        cpu = {k: statistics.median(x[2][k] for x in results[side]) / per for k in ("server", worker, "driver")}
        print(f"    {side:<6}{statistics.median(rates):6.1f} {unit} (rounds: {', '.join(f'{x:.1f}' for x in rates)})"
              f"  end-to-end p50 {pct(durations, .5) * 1000:6.0f} ms  p99 {pct(durations, .99) * 1000:6.0f} ms")
        print(f"          CPU per lifecycle: server {cpu['server']:5.1f} ms, worker {cpu[worker]:5.1f} ms, "
              f"driver {cpu['driver']:5.1f} ms")
    print(f"    ratio (ours / floor, time per lifecycle at the same concurrency): median "
          f"{statistics.median(ratios):.2f} (rounds: {', '.join(f'{x:.2f}' for x in ratios)})")
    if args.profile:
        profile_report(stack)


async def latency_phase(client: Client, args) -> None:
    samples = await latencies(client, args.warm)
    print(f"  latency on warm complaints ({args.warm} normal + {args.warm} emergency), ms:")
    for name in sorted(samples, key=lambda n: (n.startswith("query"), n)):
        v = samples[name]
        print(f"    {name:<24} n={len(v):4d}  p50 {statistics.median(v):6.1f}  p99 {pct(v, .99):6.1f}")


async def floor_capacity(bare: Client, stack: Stack, count: int) -> float:
    """KiB per cached floor workflow: what the same SDK costs for a workflow that ran an open complaint's
    commands (two activities, a live timer, waiting for its next update) with empty bodies."""
    pid = stack.procs["floor"].pid
    gate = asyncio.Semaphore(200)
    segments = [{"activities": 2, "locals": 0, "timers": 1, "wait": True}]

    async def start() -> None:
        async with gate:
            await bare.start_workflow(FloorWorkflow.run, segments, id=f"floor-open-{uuid.uuid4().hex}", task_queue="floor")

    async def settled() -> None:
        idle = 0
        while idle < 3:  # the floor worker has run every workflow's first tasks when its CPU stays quiet
            used = stack.cpu()["floor"]
            await asyncio.sleep(1)
            idle = idle + 1 if stack.cpu()["floor"] - used < 0.02 else 0

    await asyncio.gather(*(start() for _ in range(3)))  # warm, as ours is
    await settled()
    before = rss_mib(pid)
    await asyncio.gather(*(start() for _ in range(count)))
    await settled()
    return (rss_mib(pid) - before) * 1024 / min(count, 10_000)


async def capacity_phase(client: Client, bare: Client, stack: Stack, args) -> None:
    work, mode = stack.work, stack.mode
    cap = await capacity(client, stack, args.capacity)
    floor_kib = await floor_capacity(bare, stack, args.capacity)
    print(f"  capacity: {cap['open']:,} open complaints with live SLA timers")
    print(f"    started in {cap['start_s']:.1f} s, all analysed and in handling after {cap['ready_s']:.1f} s")
    print(f"    worker RSS {cap['worker_mib'][0]:.0f} -> {cap['worker_mib'][1]:.0f} MiB "
          f"(~{cap['per_complaint_kib']:.0f} KiB per cached complaint, cache {cap['cached']:,}; the floor's "
          f"workflow ~{floor_kib:.0f} KiB, ratio {cap['per_complaint_kib'] / max(floor_kib, 0.1):.2f}); "
          f"server RSS {cap['server_mib'][0]:.0f} -> {cap['server_mib'][1]:.0f} MiB")
    print(f"    visibility: first page of a filtered list {cap['list_ms']:.0f} ms ({cap['list_rows']} rows); "
          f"count {cap['count_ms']:.0f} ms")
    if mode == "wal":
        print(f"    dev server database {(work / 'temporal.db').stat().st_size / 2**20:.0f} MiB")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=500)
    parser.add_argument("--in-flight", type=int, default=100)
    parser.add_argument("--warm", type=int, default=30)
    parser.add_argument("--capacity", type=int, default=2000)
    parser.add_argument("--modes", default="wal,memory")
    parser.add_argument("--rounds", type=int, default=3, help="lifecycle rounds, ours and floor in turn")
    parser.add_argument("--profile", action="store_true", help="py-spy the worker during the lifecycle run")
    parser.add_argument("--phases", default="lifecycle,latency,capacity", help="which parts to run")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"{Path('/proc/meminfo').read_text().split()[1] and int(Path('/proc/meminfo').read_text().split()[1]) // 2**20} GiB")
    for mode in args.modes.split(","):
        await bench_mode(mode.strip(), args)


if __name__ == "__main__":
    asyncio.run(main())
    os._exit(0)  # skip interpreter teardown (temporalio/sdk-python#300)
