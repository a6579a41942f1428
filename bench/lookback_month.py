"""A large bank's look-back month on the dev server: N resolved complaints in the read model, their 10% sampled
and revisited, every revisit decided, the month summarised. Prints the time to start every revisit, the time
from the last outcome to the month's end, the largest history (the month's and a revisit's) and the events
per revisit; passes or fails nothing.

    .venv/bin/python bench/lookback_month.py                    # 50,000 resolved -> 5,000 revisits
    .venv/bin/python bench/lookback_month.py --resolved 400     # a quick look

The complaints are rows written straight into the read model (the month reads nothing else of them); the
revisits are real workflows on one in-process worker, their outcomes recorded as a handler would, by update,
32 at a time. The design that keeps it bounded is in docs/sla.md ("A large bank's month")."""
import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from api import lookbacks  # noqa: E402
from complaints.db import make_engine  # noqa: E402
from complaints.temporal import ensure_search_attributes  # noqa: E402
from models.intake import workflow_id_for  # noqa: E402
from models.lookback import LookBackState, RevisitOutcome  # noqa: E402
from models.policy import Policy  # noqa: E402
from models.tables import ComplaintRow  # noqa: E402
from tests.conftest import bench_settings, dev_environment  # noqa: E402
from workers.worker import build_worker  # noqa: E402
from workflows.lookback import lookback_id, revisit_id  # noqa: E402

MONTH = "2025-06"
DEPARTMENTS = [f"dept-{i:02d}" for i in range(20)]
SUPERVISOR = {"id": "S001", "role": "supervisor", "department": "complaints"}


def seed(engine, n: int) -> None:
    rows = []
    for i in range(n):
        cid = f"LB{i:010d}"
        rows.append(dict(
            id=cid, workflow_id=workflow_id_for(cid), channel="hotline", external_ref=f"LB-{i}", customer_id="",
            customer_masked="王*", customer_name="", customer_phone="", tier="standard", text="",
            received_at=datetime(2025, 6, 1, tzinfo=UTC), first_responder_id="E207",
            first_responder_department="branch-0101", owner_id="E207", department=DEPARTMENTS[i % 20],
            stage="closed", level="III", outcome="resolved",
            closed_at=datetime(2025, 6, 2, tzinfo=UTC) + timedelta(minutes=i % 40_000), version=1))
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(ComplaintRow.__table__.insert(), rows[start:start + 5000])  # type: ignore[attr-defined]


async def history_length(client, workflow_id: str) -> int:
    total = 0
    async for run in client.list_workflows(f"WorkflowId = '{workflow_id}'"):
        total = max(total, run.history_length or 0)
    return total


async def main(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        settings = bench_settings(work, "lookback-bench")
        engine = make_engine(settings.db_url)
        seed(engine, args.resolved)
        policy = Policy.model_validate({"lookback": {"poll": "2s"}})
        env = await dev_environment(settings)
        try:
            client = env.client
            await ensure_search_attributes(client, "default")
            async with build_worker(client, settings, engine, policy):
                t0 = time.perf_counter()
                await lookbacks.run_month(client, MONTH, settings.task_queue)
                state = await wait_for(lambda: lookbacks.month_state(client, engine, MONTH),
                                       lambda s: s.sampled > 0 and s.sampled == len(s.revisits))
                sampled = state.sampled
                started = await wait_for(lambda: count_revisits(client), lambda n: n >= sampled)
                t_started = time.perf_counter() - t0
                gate, latency = asyncio.Semaphore(32), []

                async def decide(cid: str) -> None:
                    async with gate:
                        t = time.perf_counter()
                        await lookbacks.record_outcome(client, MONTH, cid, RevisitOutcome.model_validate(
                            {"actor": SUPERVISOR, "outcome": "confirmed_resolved"}))
                        latency.append((time.perf_counter() - t) * 1000)

                await asyncio.gather(*(decide(r.complaint_id) for r in state.revisits))
                t_last = time.perf_counter()
                final = await client.get_workflow_handle(lookback_id(MONTH), result_type=LookBackState).result()
                t_end = time.perf_counter()
            month_events = await history_length(client, lookback_id(MONTH))
            some = [r.complaint_id for r in state.revisits[:: max(1, len(state.revisits) // 50)]]
            revisit_events = [await history_length(client, revisit_id(MONTH, c)) for c in some]
        finally:
            await env.shutdown()
    out = {"resolved": args.resolved, "sampled": sampled, "revisits_started": started,
           "seconds_to_start_every_revisit": round(t_started, 1),
           "seconds_from_last_outcome_to_month_end": round(t_end - t_last, 1),
           "month_confirmed": final.total.confirmed, "largest_month_history_events": month_events,
           "largest_revisit_history_events": max(revisit_events), "events_per_revisit_median":
               statistics.median(revisit_events), "outcome_update_ms_p50": round(statistics.median(latency), 1)}
    print(json.dumps(out) if args.json else "\n".join(f"{k:<42} {v}" for k, v in out.items()))
    return out


async def count_revisits(client) -> int:
    return len([w async for w in client.list_workflows(
        f"WorkflowType = 'RevisitWorkflow' AND WorkflowId STARTS_WITH 'revisit-{MONTH}-'")])


async def wait_for(read, ok, timeout: float = 1800):  # noqa: ASYNC109 - a bench's own patience
    deadline = time.perf_counter() + timeout
    while True:
        try:
            got = await read()
            if ok(got):
                return got
        except Exception:  # noqa: BLE001, S110 - not there yet
            pass
        if time.perf_counter() > deadline:
            raise TimeoutError("the look-back did not get there")
        await asyncio.sleep(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolved", type=int, default=50_000)
    parser.add_argument("--json", action="store_true")
    asyncio.run(main(parser.parse_args()))
