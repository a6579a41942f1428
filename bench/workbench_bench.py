"""How fast the workbench's lists answer with a big read model: the queue, its search, the supervisor's
list and the API list, with 50,000 open complaints. Prints server time (the API's Server-Timing header,
audit row included) and time at the client; passes or fails nothing.

    .venv/bin/python bench/workbench_bench.py                 # 50,000 open complaints, 200 requests a page
    .venv/bin/python bench/workbench_bench.py --open 100000 --requests 500

Like bench/api_bench.py it starts its own dev server and `complaints api` on a fresh data folder; the rows
are written straight into the read model (the workflows behind them do not matter to a list), spread over
20 departments, with deadlines over the next week, 5% breached and 3% waiting for a review. The generator
is seeded; nothing in the code was changed for these figures."""
import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from api_bench import PASSWORD, System, pct  # noqa: E402

from complaints.config import Settings  # noqa: E402
from complaints.db import make_engine  # noqa: E402
from complaints.fields import cipher_for, sealed_row  # noqa: E402
from models.tables import ComplaintRow  # noqa: E402

DEPARTMENTS = [f"dept-{i:02d}" for i in range(19)] + ["credit-card-centre"]
TEXTS = ["信用卡年费乱收费，流程太繁琐", "我的银行卡丢了，有人盗刷", "手机银行无法登录，系统故障", "理财产品收益与宣传不符",
         "贷款利率计算有误", "网点排队时间太长"]


def fill(db_url: str, n: int, cipher, seed: int = 7) -> None:
    """The rows as the worker writes them: personal data sealed, search tags beside it."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    engine = make_engine(db_url)
    rows = []
    for i in range(n):
        dept = rng.choice(DEPARTMENTS)
        cid = f"BR{i:010d}"
        rows.append(dict(
            id=cid, workflow_id=f"complaint-{cid}", channel="branch", external_ref=f"B-{i}", customer_masked="王*",
            **sealed_row(cipher, cid, customer_id=f"C{rng.randrange(10**6):06d}", customer_name="王芳",
                         customer_phone=f"138{rng.randrange(10**8):08d}", text=rng.choice(TEXTS)),
            tier=rng.choice(["standard", "vip", "private"]),
            received_at=now - timedelta(minutes=rng.randrange(60 * 24 * 14)),
            first_responder_id=f"E{rng.randrange(1000):03d}", owner_id=f"E{rng.randrange(1000):03d}",
            department=dept, stage=rng.choice(["handle", "handle", "handle", "respond", "verify"]),
            level=rng.choice(["I", "II", "III", "III"]), emergency=rng.random() < 0.05,
            breached=rng.random() < 0.05, awaiting="review" if rng.random() < 0.03 else None,
            next_deadline=now + timedelta(minutes=rng.randrange(-600, 60 * 24 * 7)), next_clock="result",
            waiting_on_customer=rng.random() < 0.04, version=1))
    with engine.begin() as conn:
        for start in range(0, n, 5000):
            conn.execute(ComplaintRow.__table__.insert(), rows[start:start + 5000])


async def measure(h: httpx.AsyncClient, path: str, n: int, headers: dict) -> tuple[list[float], list[float]]:
    server, client = [], []
    for _ in range(n):
        t = time.perf_counter()
        r = await h.get(path, headers=headers)
        client.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
        server.append(float(r.headers["server-timing"].split("dur=")[1]))
    return server, client


async def main(args) -> None:
    system = System(Path(tempfile.mkdtemp(prefix="workbench-bench-")))
    try:
        t = time.perf_counter()
        await system.start()
        for user, role, dept in (("H900", "handler", "credit-card-centre"), ("S900", "supervisor", "complaints")):
            system.cli("users", "add", user, "--role", role, "--dept", dept, stdin=PASSWORD + "\n")
        fill(f"sqlite:///{system.work / 'data' / 'complaints.db'}", args.open,
             cipher_for(Settings(data_dir=system.work / "data")))
        print(f"{args.open} open complaints written in {time.perf_counter() - t:.0f} s (with the system's start)")
        async with httpx.AsyncClient(base_url=system.api, timeout=60) as h:
            cookies = {}
            for user in ("H900", "S900"):
                r = await h.post("/ui/login", data={"username": user, "password": PASSWORD})
                cookies[user] = {"Cookie": "; ".join(f"{k}={v}" for k, v in r.cookies.items())}
                h.cookies.clear()
            token = (await h.post("/v1/auth/token", data={"username": "S900", "password": PASSWORD})).json()
            pages = [("H900", "/ui/queue"), ("H900", "/ui/queue/rows"), ("H900", "/ui/queue?q=有人盗刷"),
                     ("H900", "/ui/queue?q=13800000000"), ("S900", "/ui/supervise"),
                     ("S900", "/ui/supervise?department=dept-03&breached=true"), ("S900", "/ui/supervise?level=I")]
            print(f"\n{'page':<52} {'server p50':>10} {'p95':>8} {'max':>8}   {'client p50':>10} {'p95':>8}")
            for user, path in pages:
                await measure(h, path, 5, cookies[user])  # warm-up
                server, client = await measure(h, path, args.requests, cookies[user])
                print(f"{user + ' ' + path:<52} {statistics.median(server):8.1f} ms {pct(server, .95):6.1f} ms "
                      f"{max(server):6.1f} ms   {statistics.median(client):8.1f} ms {pct(client, .95):6.1f} ms")
            bearer = {"Authorization": f"Bearer {token['access_token']}"}
            server, client = await measure(h, "/v1/complaints?stage=handle&limit=200", args.requests, bearer)
            print(f"{'S900 GET /v1/complaints?stage=handle&limit=200':<52} {statistics.median(server):8.1f} ms "
                  f"{pct(server, .95):6.1f} ms {max(server):6.1f} ms   {statistics.median(client):8.1f} ms "
                  f"{pct(client, .95):6.1f} ms")
    finally:
        system.stop()
        shutil.rmtree(system.work, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=200)
    asyncio.run(main(parser.parse_args()))
