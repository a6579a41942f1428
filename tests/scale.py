"""Several worker processes against one server, one of them killed mid-run: the run and its checks, shared by
tests/test_workers_scale.py (small) and bench/workers_scale.py (larger, with figures)."""
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from api import service
from models import messages as m
from models.enums import Stage
from models.tables import AuditEvent, SlaEventRow
from tests.actors import HANDLER, LOANS_AGENT
from tests.conftest import eventually, make_intake, rows
from tests.test_durability import FAST_POLICY

QUEUE = "complaints-scale"
# Clocks of seconds where this run needs them to fire: the first response (3 s, so complaints accepted late
# breach it) and a work order's reply (3 s); everything else far away.
POLICY = FAST_POLICY.replace('name = "crash"', 'name = "scale"') + """
[emergency]
first_response = "1h"
first_disposal = "2h"
[work_order]
reply = "3s"
"""


@dataclass
class Report:
    complaints: int
    messages: int
    lost: list[str] = field(default_factory=list)
    twice: list[str] = field(default_factory=list)
    clock_faults: list[str] = field(default_factory=list)
    takeover_seconds: float = 0.0
    breaches: int = 0
    latency_ms: list[float] = field(default_factory=list)

    def line(self) -> str:
        lat = sorted(self.latency_ms) or [0.0]
        return (f"{self.complaints} complaints, {self.messages} messages on 3 workers, one SIGKILLed: "
                f"lost {len(self.lost)}, twice {len(self.twice)}, clock faults {len(self.clock_faults)}, "
                f"{self.breaches} clocks fired once each; survivors took over in {self.takeover_seconds:.1f} s; "
                f"message p50 {statistics.median(lat):.0f} ms, p99 {lat[max(0, int(len(lat) * 0.99) - 1)]:.0f} ms")


class Scale:
    def __init__(self, client, settings, engine, folder: Path, complaints: int, notes_each: int, workers: int = 3):
        self.client, self.settings, self.engine, self.folder = client, settings, engine, folder
        self.n, self.notes_each, self.worker_count = complaints, notes_each, workers
        self.procs: list[asyncio.subprocess.Process] = []
        self.cids: list[str] = []
        self.latency: list[float] = []
        self.takeover = 0.0
        self.messages = 0

    def env(self) -> dict:
        policy = self.folder / "scale.toml"
        policy.write_text(POLICY)
        s = self.settings
        return {**os.environ, "TEMPORAL_ADDRESS": self.client.service_client.config.target_host, "TASK_QUEUE": QUEUE,
                "DATABASE_URL": s.db_url, "COMPLAINTS_KEY_FILE": str(s.key_file),
                "COMPLAINTS_ACTOR_KEY_FILE": str(s.actor_key_file), "COMPLAINTS_POLICY": str(policy),
                "COMPLAINTS_EMERGENCY": "rules", "LOG_FORMAT": "json", "DATA_DIR": str(self.folder / "data")}

    async def measure(self) -> Report:
        """Start the workers, run, stop them (whatever happened), and check."""
        await self.start_workers()
        try:
            await self.run()
        finally:
            await self.stop_workers()
        return self.check()

    async def start_workers(self) -> None:
        env = self.env()
        for i in range(self.worker_count):
            log = self.folder / f"worker-{i}.log"
            proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "workers", env=env,
                                                        stdout=log.open("ab"), stderr=subprocess.STDOUT)
            self.procs.append(proc)
            await eventually(lambda log=log: "worker running" in log.read_text(), timeout=60)

    async def stop_workers(self) -> None:
        for p in self.procs:
            if p.returncode is None:
                p.send_signal(signal.SIGKILL)
                await p.wait()

    async def _send(self, cid: str, name: str, msg) -> None:
        started = time.perf_counter()
        await service.acknowledge(self.client, cid, name, msg, f"{cid}-{name}-{getattr(msg, 'text', '')}")
        self.latency.append((time.perf_counter() - started) * 1000)
        self.messages += 1

    async def run(self) -> None:
        gate = asyncio.Semaphore(24)

        async def open_one(i: int) -> str:
            async with gate:
                sub = await service.submit(self.client, make_intake("我的账户被冻结了，请尽快帮我解冻"), QUEUE)
                await eventually(lambda: _in_handle(self.client, sub.complaint_id), timeout=60)
                return sub.complaint_id

        self.cids = list(await asyncio.gather(*(open_one(i) for i in range(self.n))))

        async def work(cid: str, i: int) -> None:
            async with gate:
                if i % 2 == 0:  # the others stay unaccepted: their first response breaches
                    await self._send(cid, "accept", m.Accept(actor=HANDLER))
                await self._send(cid, "open_work_order", m.OpenWorkOrder(
                    actor=HANDLER, department="loans", question="贷款账户状态？"))
            await asyncio.gather(*(self._note(cid, k) for k in range(self.notes_each)))

        await asyncio.gather(*(work(cid, i) for i, cid in enumerate(self.cids)))
        # One worker dies mid-run, holding its share of the complaints in its cache and its timers due.
        self.procs[0].send_signal(signal.SIGKILL)
        await self.procs[0].wait()
        killed = time.perf_counter()
        await asyncio.gather(*(self._note(cid, self.notes_each) for cid in self.cids))
        self.takeover = time.perf_counter() - killed
        # Half the work orders are answered; the others' reply clocks (3 s) fire on the survivors.
        await asyncio.gather(*(self._send(cid, "answer_work_order", m.AnswerWorkOrder(
            actor=LOANS_AGENT, work_order_id="WO-1", answer="正常")) for cid in self.cids[::2]))
        await asyncio.sleep(5)
        await eventually(lambda: self._all_written(), timeout=60)

    async def _note(self, cid: str, k: int) -> None:
        await self._send(cid, "add_note", m.AddNote(actor=HANDLER, text=f"scale note {k}"))

    def _all_written(self) -> bool:
        expected = self.notes_each + 1
        return all(sum(1 for e in rows(self.engine, AuditEvent, complaint_id=cid) if e.action == "add_note")
                   >= expected for cid in self.cids)

    def check(self) -> Report:
        report = Report(complaints=len(self.cids), messages=self.messages, latency_ms=self.latency,
                        takeover_seconds=self.takeover)
        for i, cid in enumerate(self.cids):
            trail = rows(self.engine, AuditEvent, complaint_id=cid)
            seqs = Counter(e.seq for e in trail)
            if sorted(seqs) != list(range(1, len(seqs) + 1)):
                report.lost.append(f"{cid}: audit seqs not contiguous")
            notes = Counter(e.detail for e in trail if e.action == "add_note")
            report.twice += [f"{cid}: {t} x{k}" for t, k in notes.items() if k != 1]
            if len(notes) != self.notes_each + 1:
                report.lost.append(f"{cid}: {len(notes)} notes of {self.notes_each + 1}")
            fired = Counter((e.clock, e.kind) for e in rows(self.engine, SlaEventRow, complaint_id=cid))
            breached = Counter(e.detail.split(" was due")[0] for e in trail if e.action == "sla_breached")
            report.clock_faults += [f"{cid}: {label} breached x{k}" for label, k in breached.items() if k != 1]
            expect = {"reply:WO-1"} if i % 2 else set()
            if i % 2:
                expect.add("first_response")
            for clock in expect:
                if fired[(clock, "breached")] != 1:
                    report.clock_faults.append(f"{cid}: {clock} breached {fired[(clock, 'breached')]} times")
            report.breaches += sum(k for (_, kind), k in fired.items() if kind == "breached")
        return report


async def _in_handle(client, cid: str) -> bool:
    return (await service.state(client, cid)).stage is Stage.HANDLE
