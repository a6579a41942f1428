"""A large bank's month, compressed, through the API in the production shape: docker-compose.yml's services
as processes (the `prepare` job, three workers, the API; no `complaints up`), the schedules running, a
Temporal dev server in place of the cluster and a gateway sink in place of the bank's SMS gateway. Prints
what was lost or applied twice, each clock's lateness, notifications delivered, page times under load,
memory, database size and CPU per complaint; passes or fails nothing.

    .venv/bin/python bench/bank_month.py --complaints 2000 --database-url postgresql://…/complaints_month
    .venv/bin/python bench/bank_month.py --complaints 40 --days 3 --day-seconds 4     # the suite's tiny size

The month is bench/incident_traffic.py's (its daily and weekly rhythm, written before anything here), with
one outage day at ten times a day's volume; every SLA limit of the default policy is compressed by the same
factor as the days (`--day-seconds` per day), so the clocks fire during the run. bench/month_desk.py is the
people: channels, a hundred staff handling complaints through the API, and their pages kept open."""
import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))  # after the packages: bench/classifier.py would shadow classifier/

from month_desk import Desk, Staff, Tally, month, pages  # noqa: E402
from sqlalchemy import func, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from api.accounts import add_account  # noqa: E402
from complaints.db import make_engine  # noqa: E402
from complaints.devserver import start_dev_server, wait_until_up  # noqa: E402
from models.policy import Policy, approx_span, parse_duration  # noqa: E402
from models.tables import AuditEvent, ComplaintRow, Notification, SlaEventRow  # noqa: E402
from tests.helpers import free_port  # noqa: E402
from tests.test_production import Shape, compose, ready  # noqa: E402
from tools.outbox import Sinks  # noqa: E402

BIN = Path(sys.executable).parent
PASSWORD = "a long month of complaints"
COMPRESSED = ("verify_window", "level", "emergency", "work_order", "dissatisfied", "regulatory", "review")
CHANNELS = ("app", "hotline", "wechat", "branch", "email", "letter")


def compressed_policy(day_seconds: float) -> str:
    """The default policy with every SLA limit in seconds, a day lasting `day_seconds`."""
    def squeeze(value):
        if isinstance(value, dict):
            return {k: squeeze(v) for k, v in value.items()}
        try:
            parse_duration(value)
        except (TypeError, ValueError):
            return value
        return f"{max(1, round(approx_span(value).total_seconds() / 86400 * day_seconds))}s"

    policy = Policy().model_dump(mode="json")
    lines = ['name = "month"', 'verify_window = ' + json.dumps(squeeze(policy["verify_window"]))]
    tables: list[tuple[str, dict]] = []
    for section in COMPRESSED[1:]:
        value = squeeze(policy[section])
        nested = {k: v for k, v in value.items() if isinstance(v, dict)}
        tables.append((section, {k: v for k, v in value.items() if not isinstance(v, dict)}))
        tables += [(f"{section}.{k}", v) for k, v in nested.items()]
    tables.append(("incidents", {"every": "30s"}))
    for name, values in tables:
        lines.append(f"[{name}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in values.items() if v is not None and not isinstance(v, list)]
    return "\n".join(lines) + "\n"


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children so far."""
    total = 0.0
    pids = [pid] + [int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True,
                                                    text=True).stdout.split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (FileNotFoundError, IndexError):
            pass
    return total


def rss_mib(pid: int) -> float:
    status = Path(f"/proc/{pid}/status")
    for line in (status.read_text() if status.exists() else "").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values) or [float("nan")]
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def people(api: str, engine, departments: list[str], staff_size: int) -> tuple[Staff, dict[str, str]]:
    """A hundred staff (handlers and an agent per department, supervisors, reviewers) signed in."""
    accounts: list[tuple[str, str, str]] = [(f"S{n:03d}", "supervisor", "complaints") for n in range(6)]
    accounts += [(f"R{n:03d}", "reviewer", "complaints") for n in range(4)]
    n = 0
    while len(accounts) < staff_size:
        dept = departments[n % len(departments)]
        role = "department_agent" if n < len(departments) else "handler"
        accounts.append((f"{'A' if role == 'department_agent' else 'H'}{n:03d}", role, dept))
        n += 1
    for who, role, dept in accounts:
        add_account(engine, who, role, dept, PASSWORD)
    tokens, cookies = {}, {}
    async with httpx.AsyncClient(base_url=api, timeout=60) as h:
        for who, _, _ in accounts:
            tokens[who] = (await h.post("/v1/auth/token", data={"username": who, "password": PASSWORD})).json()[
                "access_token"]
            r = await h.post("/ui/login", data={"username": who, "password": PASSWORD})
            cookies[who] = "; ".join(f"{k}={v}" for k, v in r.cookies.items())
            h.cookies.clear()
    staff = Staff(tokens, {}, {}, [a for a, r, _ in accounts if r == "supervisor"],
                  [a for a, r, _ in accounts if r == "reviewer"])
    for who, role, dept in accounts:
        if role in ("handler", "department_agent"):
            (staff.handlers if role == "handler" else staff.agents).setdefault(dept, []).append(who)
    return staff, cookies


def database_bytes(engine, url: str) -> int:
    if url.startswith("postgresql"):
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    return Path(url.removeprefix("sqlite:///")).stat().st_size


def checks(engine, tally: Tally, drained: bool) -> dict:
    """Lost, applied twice, clocks' lateness, notifications, from the read model the workers wrote."""
    with Session(engine) as s:
        known = set(s.exec(select(ComplaintRow.id)).all())
        trail = s.exec(select(AuditEvent.complaint_id, AuditEvent.seq, AuditEvent.action, AuditEvent.accepted)).all()
        fired = s.exec(select(SlaEventRow.kind, SlaEventRow.at, SlaEventRow.deadline)).all()
        to_customers = select(func.count()).select_from(Notification).where(Notification.recipient_kind == "customer")
        notes = s.exec(to_customers).one()
        sent = s.exec(to_customers.where(Notification.sent_at.is_not(None))).one()
        given_up = Counter(s.exec(select(Notification.last_error).where(
            Notification.recipient_kind == "customer", Notification.failed_at.is_not(None))).all())
        # What still waits, and why (no personal data: the template, channel, attempts and the transport's error).
        pending = s.exec(select(Notification.template, Notification.channel, Notification.created_at,
                                Notification.attempts, Notification.last_error).where(
            Notification.recipient_kind == "customer", Notification.sent_at.is_(None),
            Notification.failed_at.is_(None)).order_by(Notification.created_at)).all()
        left = [] if drained else pending  # once the outbox was empty, what waits now was written since
        waiting = [f"{t}/{c} created {a:%H:%M:%S}, {n} attempts{f', {e[:80]}' if e else ''}"
                   for t, c, a, n, e in left[:5]]
        delays = [(b - a).total_seconds() for a, b in s.exec(select(Notification.created_at, Notification.sent_at).where(
            Notification.recipient_kind == "customer", Notification.sent_at.is_not(None))).all()]
    seqs: dict[str, list[int]] = {}
    applied: dict[str, Counter] = {}
    for cid, seq, action, accepted in trail:
        seqs.setdefault(cid, []).append(seq)
        if accepted:
            applied.setdefault(cid, Counter())[action] += 1
    lost = [c for c in tally.submitted if c not in known or sorted(seqs.get(c, [])) != list(
        range(1, len(seqs.get(c, [])) + 1))]
    twice = [f"{c} {a}" for c, sent_ in tally.sent.items() for a, k in sent_.items()
             if applied.get(c, Counter())[a] > k]
    late = [(at - due).total_seconds() for kind, at, due in fired if kind == "breached"]
    return {"lost": len(lost), "twice": len(twice), "examples": (lost + twice)[:5], "breaches": len(late),
            "lateness_p50_s": round(pct(late, .5), 2) if late else None,
            "lateness_p99_s": round(pct(late, .99), 2) if late else None,
            "lateness_max_s": round(max(late), 2) if late else None, "notifications": notes, "delivered": sent,
            "given_up": dict(given_up.most_common(5)), "waiting": waiting, "left_waiting": len(left),
            "made_after_the_drain": len(pending) - len(left),
            "delivery_p50_s": round(pct(delays, .5), 1) if delays else None,
            "delivery_p99_s": round(pct(delays, .99), 1) if delays else None}


async def drain(engine, limit: float) -> float | None:
    """Seconds after the month's last message until no customer notice waits (None: still waiting at `limit`).
    A notice written after that moment (an incident's plan, a late clock) is the outbox's next run's."""
    start = time.monotonic()
    query = select(func.count()).select_from(Notification).where(
        Notification.recipient_kind == "customer", Notification.sent_at.is_(None), Notification.failed_at.is_(None))
    while time.monotonic() - start < limit:
        with Session(engine) as s:
            if s.exec(query).one() == 0:
                return round(time.monotonic() - start, 1)
        await asyncio.sleep(2)
    return None


async def run(args, work: Path) -> dict:
    database = args.database_url or f"sqlite:///{work / 'complaints.db'}"
    if database.startswith("postgresql"):
        engine = make_engine(database)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    data = work / ".data"
    subprocess.run([str(BIN / "complaints"), "init", "--json"], env={**os.environ, "DATA_DIR": str(data)},
                   check=True, capture_output=True)
    temporal = f"127.0.0.1:{free_port()}"
    server = start_dev_server(work / "temporal", temporal, free_port(), "default")
    sinks = Sinks(work / "outbox")
    smtp, gateway = await sinks.start("127.0.0.1", free_port(), free_port())
    (work / "policy.toml").write_text(compressed_policy(args.day_seconds))
    dotenv = {"OIDC_ISSUER": "https://login.bank.example/realms/staff", "TEMPORAL_UI_CLIENT_SECRET": "unused",
              "CUSTOMER_PAGE_URL": "https://complaints.bank.example", "SMTP_URL": smtp,
              "SMS_GATEWAY_URL": f"{gateway}/sms", "APP_GATEWAY_URL": f"{gateway}/app",
              "COMPLAINTS_POLICY": str(work / "policy.toml")}
    shape = Shape(compose(dotenv), work, temporal, database)
    try:
        await wait_until_up(temporal, "default", server)
        await shape.run("prepare")
        for i in range(3):
            await shape.start(f"worker-{i}", "worker", WORKER_METRICS_PORT=str(free_port()))
        port = free_port()
        await shape.start("api", "api", API_PORT=str(port))
        api = f"http://127.0.0.1:{port}"
        for _ in range(180):
            if await ready(api):
                break
            await asyncio.sleep(0.5)
        else:
            raise SystemExit(f"the API did not come up; its log:\n{shape.log('api')}")
        engine = make_engine(database)
        channels = {c: json.loads(subprocess.run(
            [str(BIN / "complaints"), "channels", "add", c, "--json"], env=shape.env("api"), check=True,
            capture_output=True, text=True).stdout)["key"] for c in CHANNELS}
        departments = ["credit-card-centre", "loans", "wealth-management", "operations", "it", "risk",
                       "branch-0101", "app-desk", "hotline-desk", "wechat-desk", "branch-desk", "email-desk",
                       "letter-desk"]
        staff, cookies = await people(api, engine, departments, args.staff)
        arrivals = month(args.seed, args.complaints, args.days, args.day_seconds, work)
        procs = {"server": server.pid, **{k: p.pid for k, p in shape.procs.items()}}
        return await traffic(args, api, engine, database, staff, cookies, channels, arrivals, procs, work)
    finally:
        await shape.stop()
        server.terminate()
        server.wait()


async def traffic(args, api, engine, database, staff, cookies, channels, arrivals, procs, work) -> dict:
    tally = Tally()
    limits = httpx.Limits(max_connections=args.connections, max_keepalive_connections=args.connections)
    cpu0 = {k: cpu_seconds(p) for k, p in procs.items()}
    peak = {"open": 0, "worker_mib": 0.0}
    baseline = sum(rss_mib(p) for k, p in procs.items() if k.startswith("worker"))  # warm, nothing open
    def in_handling(cid: str) -> bool:
        with Session(engine) as s:
            stage = s.exec(select(ComplaintRow.stage).where(ComplaintRow.id == cid)).first()
        return stage is not None and stage not in ("receive", "analyse")

    # The staff's browsers each hold their own connection; channels and the desk share a pool.
    browsers = httpx.AsyncClient(base_url=api, timeout=120, limits=httpx.Limits(max_connections=len(cookies) + 5))
    async with httpx.AsyncClient(base_url=api, timeout=120, limits=limits) as h, browsers:
        desk = Desk(h, staff, channels, args.seed, args.day_seconds, tally, in_handling)
        desk.started = time.monotonic()
        span = args.days * args.day_seconds
        until = desk.started + span * 1.5
        rng = random.Random(args.seed)
        sessions = [asyncio.create_task(pages(browsers, cookies[who], "/ui/supervise" if who.startswith("S") else
                                              "/ui/queue/rows", until, args.poll, tally, rng)) for who in cookies]

        async def watch() -> None:
            while time.monotonic() < until:
                await asyncio.sleep(5)
                with Session(engine) as s:
                    open_now = s.exec(select(func.count()).select_from(ComplaintRow).where(
                        ComplaintRow.stage != "closed")).one()
                mib = sum(rss_mib(procs[k]) for k in procs if k.startswith("worker"))
                if open_now >= peak["open"]:
                    peak.update(open=open_now, worker_mib=mib)
                if args.progress:
                    print(f"  {time.monotonic() - desk.started:6.0f} s: {len(tally.submitted)} in, "
                          f"{len(tally.closed)} closed, {open_now} open, workers {mib:.0f} MiB", flush=True)

        watcher = asyncio.create_task(watch())
        await asyncio.gather(*(desk.life(i, a) for i, a in enumerate(arrivals)))
        took = time.monotonic() - desk.started
        for t in (*sessions, watcher):
            t.cancel()
    drained = await drain(engine, args.drain_seconds)  # the outbox's schedule delivers what is left
    cpu = {k: cpu_seconds(p) - cpu0[k] for k, p in procs.items()}
    found = checks(engine, tally, drained is not None)
    size = database_bytes(engine, database)
    done = max(1, len(tally.closed))
    messages = [ms for v in tally.message_ms.values() for ms in v]
    return {
        "complaints": len(tally.submitted), "closed": len(tally.closed), "seconds": round(took),
        "outbox_drained_after_s": drained,
        "database": "postgresql" if database.startswith("postgresql") else "sqlite", **found,
        "refused": dict(tally.refused.most_common(8)), "stuck": dict(tally.stuck), "resent": tally.resent,
        "intake_p50_ms": round(pct(tally.intake_ms, .5)), "intake_p99_ms": round(pct(tally.intake_ms, .99)),
        "message_p50_ms": round(pct(messages, .5)), "message_p99_ms": round(pct(messages, .99)),
        "pages": len(tally.page_ms), "page_p95_ms": round(pct(tally.page_ms, .95)),
        "page_p99_ms": round(pct(tally.page_ms, .99)),
        "peak_open": peak["open"], "worker_mib_at_peak": round(peak["worker_mib"]),
        "worker_mib_before": round(baseline),
        "worker_kib_per_open": round((peak["worker_mib"] - baseline) * 1024 / max(1, peak["open"]), 1),
        "database_kib_per_complaint": round(size / 1024 / max(1, len(tally.submitted)), 1),
        "cpu_ms_per_lifecycle": {k: round(v * 1000 / done, 1) for k, v in cpu.items()},
        "dead_processes": [k for k, p in procs.items() if not Path(f"/proc/{p}").exists()],
        "message_types": {k: round(pct(v, .99)) for k, v in sorted(tally.message_ms.items())},
    }


def report(out: dict, args) -> None:
    print(f"\nA month of {out['complaints']:,} complaints in {out['seconds']} s ({args.days} days of "
          f"{args.day_seconds:g} s), {args.staff} staff sessions, three workers, {out['database']}")
    waiting = out["left_waiting"]
    print(f"lost {out['lost']}, applied twice {out['twice']}, customer notices left waiting {waiting}; "
          f"closed {out['closed']:,}; "
          f"answers resent {out['resent']}; stuck {out['stuck'] or 0}")
    if out["waiting"]:
        print(f"  still waiting (the oldest five): {'; '.join(out['waiting'])}")
    if out["made_after_the_drain"]:
        print(f"  made after the outbox was empty, for its next run: {out['made_after_the_drain']}")
    print(f"clocks: {out['breaches']} breaches fired, lateness p50 {out['lateness_p50_s']} s, "
          f"p99 {out['lateness_p99_s']} s, max {out['lateness_max_s']} s")
    print(f"notifications to customers: {out['delivered']:,} of {out['notifications']:,} delivered, "
          f"{out['outbox_drained_after_s']} s after the last message (None: not within --drain-seconds); "
          f"created to sent p50 {out['delivery_p50_s']} s, p99 {out['delivery_p99_s']} s; not deliverable: "
          f"{out['given_up'] or 'none'}")
    print(f"intake p50 {out['intake_p50_ms']} ms, p99 {out['intake_p99_ms']} ms; messages p50 "
          f"{out['message_p50_ms']} ms, p99 {out['message_p99_ms']} ms; pages ({out['pages']:,}) p95 "
          f"{out['page_p95_ms']} ms, p99 {out['page_p99_ms']} ms")
    print(f"memory: the workers {out['worker_mib_before']} MiB before, {out['worker_mib_at_peak']} MiB at the peak of "
          f"{out['peak_open']:,} open "
          f"({out['worker_kib_per_open']} KiB each); database {out['database_kib_per_complaint']} KiB per complaint")
    print("CPU per lifecycle (ms): " + ", ".join(f"{k} {v}" for k, v in out["cpu_ms_per_lifecycle"].items()))
    print(f"refused: {out['refused']}")
    print(f"processes that died: {out['dead_processes'] or 'none'}")
    # The look-back runs only on a month that has ended (its activity checks the date), and this month ends
    # in real time: its cost at this size is bench/lookback_month.py's.
    print(f"the month's look-back at this size: bench/lookback_month.py --resolved {out['closed']}")


async def main(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bank-month-"))
    try:
        out = await run(args, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, ensure_ascii=False))
    report(out, args)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--day-seconds", type=float, default=60.0, help="how long a day of the month lasts")
    parser.add_argument("--staff", type=int, default=100)
    parser.add_argument("--poll", type=float, default=15.0, help="seconds between a page's reads")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--drain-seconds", type=float, default=900.0,
                        help="how long to wait after the month for the outbox to deliver what is left")
    parser.add_argument("--seed", type=int, default=43)
    parser.add_argument("--database-url", default=os.environ.get("MONTH_DATABASE_URL"))
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs, databases)")
    asyncio.run(main(parser.parse_args()))
