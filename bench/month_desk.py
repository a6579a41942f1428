"""The people of bench/bank_month.py: the month's complaints as channels send them, the staff who handle each
one through the API as a desk would (with the mix of work a bank sees), and staff sessions keeping their
pages open. A helper of bank_month.py, not a bench of its own.

Every message carries an Idempotency-Key and is sent again with the same key when its answer is lost, as a
channel or a browser would; what the system refuses is counted by its reason, never retried."""
import asyncio
import json
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
RESPONSE = ("非常抱歉给您带来不便。经核实，您反映的问题属实。我们已为您退还费用。如有疑问请联系我们，我们将回访。")
DECISION = {"finding": "upheld", "relief": "monetary", "facts": "费用系误收", "basis": "收费标准", "reasons": "误收应退",
            "channel_code": "A101", "business_code": "B03", "reason_code": "C03", "redress_amount": "300",
            "redress_for": "退还误收费用"}
# Shares of the month's complaints that get each kind of work beside the decision (seeded).
MIX = {"note": 0.30, "work_order": 0.15, "info_request": 0.08, "dissatisfied": 0.08}


@dataclass
class Arrival:
    offset: float  # seconds after the month's start, compressed
    channel: str
    tier: str
    text: str
    outage_day: bool = False


def month(seed: int, complaints: int, days: int, day_seconds: float, work: Path) -> list[Arrival]:
    """bench/incident_traffic.py's month (its daily and weekly rhythm, outages hidden in it), compressed so a
    day lasts `day_seconds`, with one outage day at ten times the day's average (its outage's own words)."""
    per_day = complaints / (days + 9)
    out = work / "month.jsonl"
    subprocess.run([sys.executable, str(BENCH / "incident_traffic.py"), "--seed", str(seed), "--days", str(days),
                    "--per-day", f"{per_day:.2f}", "--outages", "2", "--fresh", "--out", str(out)],
                   check=True, capture_output=True)
    rows = [r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines()) if "text" in r]
    first = min(datetime.fromisoformat(r["at"]) for r in rows)
    start = first.replace(hour=0, minute=0, second=0, microsecond=0)
    arrivals = [Arrival((datetime.fromisoformat(r["at"]) - start).total_seconds() / 86400 * day_seconds,
                        r["channel"], r["tier"], r["text"]) for r in rows]
    outage_texts = [r["text"] for r in rows if r.get("outage")] or [r["text"] for r in rows]
    rng = random.Random(seed)
    day = days // 2  # the outage day: mid-month, nine days' worth on top of its own
    for _ in range(round(per_day * 9)):
        at = (day + rng.betavariate(2, 3)) * day_seconds  # a morning rise, an afternoon fade
        arrivals.append(Arrival(at, rng.choice(["app", "hotline", "wechat"]), "standard",
                                rng.choice(outage_texts), outage_day=True))
    arrivals.sort(key=lambda a: a.offset)
    return arrivals[:complaints]


@dataclass
class Staff:
    """Bearer tokens by person, grouped by department and role."""
    tokens: dict[str, str]
    handlers: dict[str, list[str]]  # department -> handlers
    agents: dict[str, list[str]]    # department -> department agents
    supervisors: list[str]
    reviewers: list[str]

    def handler_of(self, department: str, i: int) -> str:
        people = self.handlers.get(department) or self.supervisors
        return people[i % len(people)]


@dataclass
class Tally:
    submitted: list[str] = field(default_factory=list)
    closed: set[str] = field(default_factory=set)
    intake_ms: list[float] = field(default_factory=list)
    message_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    page_ms: list[float] = field(default_factory=list)
    refused: Counter = field(default_factory=Counter)
    resent: int = 0
    stuck: Counter = field(default_factory=Counter)
    sent: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # cid -> action -> applied


class Desk:
    """Each complaint's life through the API, from its channel's intake to the customer's feedback."""

    def __init__(self, h: httpx.AsyncClient, staff: Staff, channels: dict[str, str], seed: int,
                 day_seconds: float, tally: Tally, in_handling) -> None:
        self.h, self.staff, self.channels, self.day = h, staff, channels, day_seconds
        self.in_handling = in_handling  # cid -> bool, from the read model
        self.rng, self.tally = random.Random(seed), tally
        self.started = 0.0

    async def post(self, who: str, path: str, body: dict, key: str, kind: str) -> httpx.Response | None:
        """One request, sent again with the same key while its answer is lost."""
        auth = {"Authorization": f"Bearer {self.staff.tokens.get(who) or self.channels[who]}",
                "Idempotency-Key": key}
        for attempt in range(6):
            t = time.perf_counter()
            try:
                r = await self.h.post(path, json=body, headers=auth)
            except httpx.TransportError:
                self.tally.resent += 1
                await asyncio.sleep(0.5 * (attempt + 1))
                continue
            if r.status_code >= 500:
                self.tally.resent += 1
                await asyncio.sleep(0.5 * (attempt + 1))
                continue
            (self.tally.intake_ms if kind == "intake" else self.tally.message_ms[kind]).append(
                (time.perf_counter() - t) * 1000)
            if r.status_code >= 400:
                detail = r.json().get("code") or str(r.json().get("detail", ""))[:60]
                self.tally.refused[f"{kind} {r.status_code} {detail}"] += 1
                return None
            return r
        self.tally.stuck[f"{kind}: no answer"] += 1
        return None

    async def wait(self, days: float) -> None:
        await asyncio.sleep(days * self.day)

    async def life(self, i: int, a: Arrival) -> None:
        await asyncio.sleep(max(0.0, self.started + a.offset - time.monotonic()))
        ref = f"M{i:06d}"
        body = {"external_ref": ref, "text": a.text, "received_at": datetime.now(UTC).isoformat(),
                "customer": {"id": f"C{self.rng.randrange(10**7):07d}", "name": "王芳", "tier": a.tier,
                             "phone": f"138{self.rng.randrange(10**8):08d}",
                             **({"email": f"c{i}@example.com"} if a.channel == "email" else {})}}
        r = await self.post(a.channel, "/v1/complaints", body, f"intake-{ref}", "intake")
        if r is None:
            return
        cid = r.json()["complaint_id"]
        self.tally.submitted.append(cid)
        roll = {k: self.rng.random() < share for k, share in MIX.items()}
        await self.wait(self.rng.uniform(0.05, 0.5))
        state = await self.analysed(cid)
        if state is None:
            return
        owner = self.staff.handler_of(state["department"], i)
        if not await self.send(owner, cid, "accept", {}):
            return
        if roll["note"]:
            await self.send(owner, cid, "add_note", {"text": f"已联系客户 {ref}"})
        if roll["work_order"]:
            await self.work_order(owner, cid, state["department"], i)
        if roll["info_request"]:
            await self.send(owner, cid, "request_customer_info", {"what": "请提供交易流水截图"})
            await self.wait(self.rng.uniform(0.2, 2))
            await self.send(a.channel, cid, "customer_info_received", {"note": "已补充材料"})
        if state.get("emergency"):
            await self.send(owner, cid, "record_disposal", {"text": "已冻结卡片并拦截交易"})
            for reviewer in self.rng.sample(self.staff.reviewers, 2):
                await self.send(reviewer, cid, "approve_disposal", {"note": "核实"})
        await self.wait(self.rng.uniform(0.5, 6))
        if not await self.decide(owner, cid, "propose_response"):
            return
        await self.wait(self.rng.uniform(0.1, 1.5))
        if roll["dissatisfied"]:
            await self.send(a.channel, cid, "customer_feedback#1", {"satisfied": False, "csat": 2, "comment": "不满意"})
            await self.wait(self.rng.uniform(0.2, 1))
            if not await self.decide(owner, cid, "propose_response#2"):
                return
            await self.wait(self.rng.uniform(0.1, 1))
        ack = await self.send(a.channel, cid, "customer_feedback", {"satisfied": True, "csat": 5, "comment": "谢谢"})
        if ack and ack.get("stage") == "closed":
            self.tally.closed.add(cid)

    async def decide(self, owner: str, cid: str, step: str) -> bool:
        ack = await self.send(owner, cid, step, {"text": RESPONSE, **DECISION})
        if ack and ack.get("pending_outcome"):
            await self.send(self.rng.choice(self.staff.supervisors), cid, "approve_close", {"note": "同意"})
        return ack is not None

    async def work_order(self, owner: str, cid: str, department: str, i: int) -> None:
        asked = next((d for d in self.rng.sample(sorted(self.staff.agents), len(self.staff.agents))
                      if d != department), None)
        if asked is None:
            return
        ack = await self.send(owner, cid, "open_work_order", {"department": asked, "question": "请核实账户状态"})
        if ack and ack.get("open_work_orders"):
            await self.wait(self.rng.uniform(0.1, 0.8))
            agent = self.staff.agents[asked][i % len(self.staff.agents[asked])]
            await self.send(agent, cid, "answer_work_order", {"work_order_id": ack["open_work_orders"][-1],
                                                              "answer": "账户状态正常"})

    async def send(self, who: str, cid: str, step: str, body: dict) -> dict | None:
        action = step.split("#")[0]
        r = await self.post(who, f"/v1/complaints/{cid}/{action}", body, f"{cid}-{step}", action)
        if r is None:
            return None
        self.tally.sent[cid][action] += 1
        return r.json()

    async def analysed(self, cid: str) -> dict | None:
        """The complaint once its analysis is done (its department known): found in the read model, as a
        handler finds it in their queue, then read once through the API."""
        deadline = time.monotonic() + max(600.0, 4 * self.day)
        while time.monotonic() < deadline:
            if await asyncio.to_thread(self.in_handling, cid):
                r = await self.h.get(f"/v1/complaints/{cid}", headers={
                    "Authorization": f"Bearer {self.staff.tokens[self.staff.supervisors[0]]}"})
                if r.status_code == 200:
                    return r.json()
            await asyncio.sleep(2.0)
        self.tally.stuck["not analysed in time"] += 1
        return None


async def pages(h: httpx.AsyncClient, cookie: str, path: str, until: float, every: float, tally: Tally,
                rng: random.Random) -> None:
    """A person with a page open: its list read again every `every` seconds, as the page's poll does."""
    await asyncio.sleep(rng.uniform(0, every))
    while time.monotonic() < until:
        t = time.perf_counter()
        try:
            r = await h.get(path, headers={"Cookie": cookie})
            if r.status_code == 200:
                tally.page_ms.append((time.perf_counter() - t) * 1000)
            else:
                tally.refused[f"page {path} {r.status_code}"] += 1
        except httpx.TransportError:
            tally.refused[f"page {path} no answer"] += 1
        await asyncio.sleep(every * rng.uniform(0.8, 1.2))

