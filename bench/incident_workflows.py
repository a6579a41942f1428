"""The incident detector through the real workflows, on a compressed clock: slices of a month around its outages
replayed into a dev server, a complaint worker and the incident watch's Schedule, faster by `--speed`.

Every time in the incident policy is divided by the speed (window, watch period, quiet hours; the floor's rate
multiplied), so that a 30-minute window is one real minute at x30 and each complaint arrives when its time,
compressed, comes. Each slice gets a stack of its own (dev server, worker, empty database). With `--history N`
the N days of the month before the slice are submitted first, at once, each received at its compressed time in
the past: what the new-story rule and the everyday check read. The watch never looks at that week, so its
outages stay unlinked in the story's history (the replay links them): a new outage alike one of them sounds
less new here than on a watched week. No past weeks: `baseline_weeks` 0 on both sides.
Figures are read from the database the workflows wrote (incidents, links) and converted back to the month's minutes; beside them, the bench replay
(bench/incident_detector.py) of the same slice under the same rules, uncompressed: where the two differ, the
workflows do something the replay does not model (classification and scan latency, the scan's own timing).

    .venv/bin/python bench/incident_workflows.py bench/data/incidents/held-2027-04.jsonl --outages O2,O7 --speed 30
"""
import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from incident_detector import measure, replay, seen  # noqa: E402
from sqlmodel import Session, col, create_engine, select  # noqa: E402
from temporal_bench import free_port  # noqa: E402
from temporalio.client import Client  # noqa: E402

from api import service  # noqa: E402
from bench import incident_traffic as traffic  # noqa: E402
from complaints.config import Settings  # noqa: E402
from complaints.devserver import temporal_binary  # noqa: E402
from complaints.temporal import data_converter, ensure_search_attributes  # noqa: E402
from incidents.detect import Rules  # noqa: E402
from models.intake import Intake  # noqa: E402
from models.tables import ComplaintRow, IncidentLink, IncidentRow  # noqa: E402
from workers.system import WATCH_ID, put_schedule, watch_schedule  # noqa: E402

RECEIVER = {"id": "E207", "role": "handler", "department": "branch-0101"}


def compressed(speed: float) -> Rules:
    """The policy's incident rules on a clock `speed` times faster, with no past weeks to compare against."""
    d = Rules()
    return d.model_copy(update={"window_minutes": d.window_minutes / speed, "quiet_hours": d.quiet_hours / speed,
                                "floor_per_hour": d.floor_per_hour * speed, "baseline_weeks": 0,
                                "every": f"{max(1, round(120 / speed))}s",
                                "story_window_minutes": d.story_window_minutes / speed,
                                "story_days": d.story_days / speed, "story_after_days": d.story_after_days / speed})


def policy_toml(rules: Rules) -> str:
    keys = ("window_minutes", "quiet_hours", "floor_per_hour", "baseline_weeks", "every", "story_window_minutes",
            "story_days", "story_after_days")
    return 'name = "incident-bench"\n[incidents]\n' + "".join(
        f"{k} = {json.dumps(getattr(rules, k))}\n" for k in keys)


class Stack:
    """A dev server (in memory) and a complaint worker, each its own process, over an empty database."""

    def __init__(self, work: Path, rules: Rules):
        self.work, self.rules = work, rules
        self.address = f"127.0.0.1:{free_port()}"
        self.settings = Settings(data_dir=work, database_url=f"sqlite:///{work / 'complaints.db'}",
                                 complaints_key_file=work / "bench.key", temporal_address=self.address)
        self.procs: list[subprocess.Popen] = []

    async def start(self) -> Client:
        self.procs.append(subprocess.Popen([temporal_binary(), "server", "start-dev", "--ip", "127.0.0.1", "--port",
                                            self.address.split(":")[1], "--headless", "--log-level", "error"],
                                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        client = None
        for _ in range(120):
            try:
                client = await Client.connect(self.address, data_converter=data_converter(self.settings,
                                                                                          create_key=True))
                break
            except Exception:  # noqa: BLE001 - not listening yet
                await asyncio.sleep(0.5)
        if client is None:
            raise RuntimeError("the dev server did not start")
        await ensure_search_attributes(client, "default")
        (self.work / "policy.toml").write_text(policy_toml(self.rules))
        env = {**os.environ, "TEMPORAL_ADDRESS": self.address, "DATABASE_URL": self.settings.db_url,
               "COMPLAINTS_KEY_FILE": str(self.settings.key_file), "DATA_DIR": str(self.work),
               "COMPLAINTS_ACTOR_KEY_FILE": str(self.settings.actor_key_file),
               "COMPLAINTS_POLICY": str(self.work / "policy.toml"), "LOG_FORMAT": "json", "LOG_LEVEL": "WARNING"}
        self.procs.append(subprocess.Popen([sys.executable, "-m", "workers"], env=env, cwd=ROOT,
                                           stdout=subprocess.DEVNULL, stderr=open(self.work / "worker.log", "w")))
        await asyncio.sleep(8)  # the worker loads the classifier and the encoder, then polls
        await put_schedule(client, WATCH_ID, watch_schedule("complaints", self.rules.every))
        return client

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.kill()
            proc.wait()


def intake(c: traffic.Complaint, at: datetime) -> Intake:
    ref = uuid.uuid4().hex[:12]
    return Intake.model_validate({
        "channel": c.channel, "external_ref": f"INC-BENCH-{ref}", "text": c.text, "received_at": at.isoformat(),
        "customer": {"id": f"C{ref[:6]}", "name": "王芳", "phone": "13800138000", "tier": c.tier},
        "received_by": RECEIVER})


async def run_slice(rows: list[tuple[str, traffic.Complaint]], speed: float, rules: Rules, settle: float,
                    history: int = 0, lead: float = 15) -> dict:
    """Each complaint submitted when its compressed time comes (the first `history` of them, the days before the
    slice, at once, received at their compressed times in the past); then the incidents the workflows wrote,
    with their times and members in the month's terms (ids as in the month: C<row>)."""
    with tempfile.TemporaryDirectory(prefix="incident-bench-") as tmp:
        stack = Stack(Path(tmp), rules)
        client = await stack.start()
        try:
            t0 = datetime.fromisoformat(rows[history][1].at)
            # The slice begins after time enough to submit the history and for the worker to classify it (about
            # 20 a second here; `lead` a second for each): no complaint is received later than it is submitted,
            # the slice's arrivals wait for none, and the story rule reads the whole week (an unclassified
            # complaint is not yet intake to it: a week half read makes every story look commoner).
            real0, month_of, late = datetime.now(UTC) + timedelta(seconds=history / lead), {}, []
            gate = asyncio.Semaphore(32)

            async def one(n: int, key: str, c: traffic.Complaint) -> None:
                due = (datetime.fromisoformat(c.at) - t0).total_seconds() / speed
                await asyncio.sleep(max(0.0, due - (datetime.now(UTC) - real0).total_seconds()))
                async with gate:
                    now = datetime.now(UTC)
                    if n >= history:
                        late.append((now - real0).total_seconds() - due)
                    sub = await service.submit(client, intake(c, min(now, real0 + timedelta(seconds=due))),
                                               "complaints")
                    month_of[sub.complaint_id] = key
            engine = create_engine(stack.settings.db_url)

            async def unclassified_at_start() -> int:
                await asyncio.sleep(max(0.0, (real0 - datetime.now(UTC)).total_seconds()))
                with Session(engine) as session:
                    return len(session.exec(select(ComplaintRow.id).where(
                        col(ComplaintRow.business_type).is_(None))).all()) + max(0, history - len(month_of))
            *_, waiting = await asyncio.gather(*(one(n, k, c) for n, (k, c) in enumerate(rows)),
                                               unclassified_at_start())
            await asyncio.sleep(settle)
            with Session(engine) as session:
                incidents = session.exec(select(IncidentRow)).all()
                links = session.exec(select(IncidentLink)).all()
            out = []
            for inc in sorted(incidents, key=lambda r: r.opened_at):
                opened = inc.opened_at.replace(tzinfo=inc.opened_at.tzinfo or UTC)
                out.append({"opened": t0 + (opened - real0) * speed, "rule": inc.rule, "key": inc.key,
                            "members": [month_of[x.complaint_id] for x in links
                                        if x.incident_id == inc.id and x.complaint_id in month_of],
                            "centre": np.zeros(1), "neighbours": set()})
            return {"incidents": out, "late_p95_s": float(np.percentile(late, 95)) if late else 0.0,
                    "history_unclassified_at_start": waiting}
        finally:
            stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traffic", type=Path)
    parser.add_argument("--outages", default="", help="ids, comma-separated (default: all)")
    parser.add_argument("--speed", type=float, default=30)
    parser.add_argument("--before", type=float, default=35, help="month minutes before an outage starts")
    parser.add_argument("--after", type=float, default=150, help="month minutes after it starts")
    parser.add_argument("--history", type=float, default=0,
                        help="days of the month before each slice submitted first (the story rule and the everyday "
                             "check read them; 0: a fresh install)")
    parser.add_argument("--lead", type=float, default=15, help="history complaints a second the slice waits for")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    complaints, outages = traffic.read(args.traffic)
    stream, truth, _, _ = seen(args.traffic, args.cache)
    chosen = [o for o in outages if not args.outages or o.id in args.outages.split(",")]
    rules, fast = Rules(baseline_weeks=0), compressed(args.speed)
    results = []
    for o in chosen:
        lo, hi = o.start - timedelta(minutes=args.before), o.start + timedelta(minutes=args.after)
        early = lo - timedelta(days=args.history)
        before = [i for i, c in enumerate(complaints) if early <= datetime.fromisoformat(c.at) < lo]
        keys = before + [i for i, c in enumerate(complaints) if lo <= datetime.fromisoformat(c.at) < hi]
        part = [stream[i] for i in keys]
        started = time.perf_counter()
        live = asyncio.run(run_slice([(f"C{i}", complaints[i]) for i in keys], args.speed, fast,
                                     settle=20.0, history=len(before), lead=args.lead))
        wall = time.perf_counter() - started
        mine = [x for x in outages if x.id == o.id]
        by_workflows = measure(part, truth, mine, live["incidents"])
        # The history is submitted at once, in the past: the watch never looks at its moments, so the replay's
        # incidents are counted from the slice's start too.
        by_replay = measure(part, truth, mine, [x for x in replay(part, rules, timedelta(minutes=2))
                                                if x["opened"] >= lo])
        row = {"outage": o.id, "service": o.service, "complaints": len(part), "wall_s": round(wall),
               "late_p95_s": round(live["late_p95_s"], 2),
               "history_unclassified_at_start": live["history_unclassified_at_start"],
               "workflows": by_workflows, "replay": by_replay}
        results.append(row)
        w, r = by_workflows["outages"][0], by_replay["outages"][0]
        print(f"{o.id} {o.service:16} {w['size']:4d} outage / {len(part):4d} in slice | workflows: after 10th "
              f"{w['detected_after_10th_min']} min, linked {w['linked']:.1%}, unrelated {by_workflows['unrelated_linked']}, "
              f"incidents {by_workflows['incidents']} | replay: {r['detected_after_10th_min']} min, "
              f"linked {r['linked']:.1%}, unrelated {by_replay['unrelated_linked']}, incidents {by_replay['incidents']} "
              f"| {wall:.0f} s, arrivals late p95 {live['late_p95_s']:.2f} s, history unclassified at the start "
              f"{live['history_unclassified_at_start']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps({"speed": args.speed, "rules_compressed": fast.model_dump(),
                                         "results": results}, indent=1, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
