"""Python heap per cached workflow, ours against the floor's, measured with tracemalloc in one process: the
part of bench/README.md's "Memory per cached complaint" that RSS alone cannot split (what is our objects,
what is the SDK's). A complaint worker and a floor worker on one dev server; after a warm-up, N complaints
are brought into handling and N floor workflows left waiting for their update, and the heap is compared
before and after each. The RSS figure itself is temporal_bench.py's capacity phase.

    .venv/bin/python bench/memory_heap.py --complaints 200 [--top 8] [--json]
"""
import argparse
import asyncio
import gc
import json
import sys
import tempfile
import tracemalloc
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from temporalio.client import Client  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from api import service  # noqa: E402
from bench.floor import FloorWorkflow, noop  # noqa: E402
from complaints.db import make_engine  # noqa: E402
from complaints.temporal import ensure_search_attributes  # noqa: E402
from tests.conftest import bench_settings, dev_environment, make_intake  # noqa: E402
from workers.worker import build_worker  # noqa: E402

FEE = "信用卡年费乱收费，要求退还"
OPEN = [{"activities": 2, "locals": 0, "timers": 1, "wait": True}]  # an open complaint's commands, as in the capacity phase


async def heap_per(n: int, fill: Callable[[int], Awaitable[None]], top: int) -> tuple[float, list[tuple[str, float]]]:
    """KiB of Python heap per workflow that `fill(n)` leaves cached, and the files that hold most of it."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        await fill(n)
        await asyncio.sleep(2)
        gc.collect()
        stats = tracemalloc.take_snapshot().compare_to(before, "filename")
    finally:
        tracemalloc.stop()
    where = [(s.traceback[0].filename.split("site-packages/")[-1].replace(str(ROOT) + "/", ""), s.size_diff / n / 1024)
             for s in stats[:top]]
    return sum(s.size_diff for s in stats) / n / 1024, where


async def complaints(client: Client, queue: str, n: int) -> None:
    ids = [(await service.submit(client, make_intake(FEE), queue)).complaint_id for _ in range(n)]
    for cid in ids:
        while (await service.state(client, cid)).stage.value != "handle":  # noqa: ASYNC110 - the worker moves it
            await asyncio.sleep(0.2)


async def floors(client: Client, n: int) -> None:
    for _ in range(n):
        await client.start_workflow(FloorWorkflow.run, OPEN, id=f"floor-{uuid.uuid4().hex}", task_queue="floor")
    await asyncio.sleep(3)  # their first tasks run; nothing tells the driver when, and there is no result yet


async def main(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        settings = bench_settings(Path(folder), "heap")
        env = await dev_environment(settings)
        try:
            await ensure_search_attributes(env.client, "default")
            bare = await Client.connect(env.client.service_client.config.target_host)
            async with build_worker(env.client, settings, make_engine(settings.db_url)), \
                    Worker(bare, task_queue="floor", workflows=[FloorWorkflow], activities=[noop],
                           max_cached_workflows=10_000):
                warm = max(3, args.complaints // 2)
                await complaints(env.client, settings.task_queue, warm)  # the classifier loads with the first
                await floors(bare, warm)
                ours, ours_where = await heap_per(args.complaints, lambda n: complaints(env.client, settings.task_queue, n),
                                                  args.top)
                floor, floor_where = await heap_per(args.complaints, lambda n: floors(bare, n), args.top)
        finally:
            await env.shutdown()
    return {"complaints": args.complaints, "ours_kib": round(ours, 1), "floor_kib": round(floor, 1),
            "ours_where": [(f, round(k, 2)) for f, k in ours_where],
            "floor_where": [(f, round(k, 2)) for f, k in floor_where]}


def report(out: dict) -> None:
    print(f"Python heap per cached workflow, {out['complaints']} of each: ours {out['ours_kib']} KiB, "
          f"the floor's {out['floor_kib']} KiB")
    for name in ("ours", "floor"):
        print(f"  {name}: " + "; ".join(f"{f} {k:.1f}" for f, k in out[f"{name}_where"]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=200)
    parser.add_argument("--top", type=int, default=8, help="how many files to name, largest first")
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args()
    result = asyncio.run(main(a))
    if a.json:
        print(json.dumps(result))
    else:
        report(result)
