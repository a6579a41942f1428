"""How long the supervisor reports take on a month of generated complaints (default 100,000).

    .venv/bin/python bench/reports.py [--rows 100000] [--database-url sqlite:///…|postgresql://…]

Prints the figures; nothing here is a pass/fail test."""
import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from complaints.db import make_engine  # noqa: E402
from complaints.fields import FieldCipher  # noqa: E402
from models.intake import workflow_id_for
from models.tables import ComplaintRow  # noqa: E402
from reports import dashboard, heatmap  # noqa: E402
from reports.export import write_csv  # noqa: E402
from reports.labels import BUSINESS_TYPES, CHANNELS, PROBLEM_NATURES  # noqa: E402

TZ = "Asia/Shanghai"


# A throwaway key: the rows below are written in clear (as rows from before sealing read), so the export's
# figure leaves out opening sealed values (about 2 µs each, two per row).
CIPHER = FieldCipher("bench", bytes(32))


def generate(n: int, month_start: datetime) -> list[dict]:
    rnd = random.Random(42)
    rows = []
    for i in range(n):
        received = month_start + timedelta(seconds=rnd.randrange(0, 30 * 86400))
        closed = received + timedelta(hours=rnd.expovariate(1 / 30)) if rnd.random() < 0.9 else None
        outcome = rnd.choice(["resolved"] * 8 + ["no_feedback", "withdrawn"]) if closed else None
        rows.append(dict(
            id=f"B{i:07d}", workflow_id=workflow_id_for(f"B{i:07d}"), channel=rnd.choice(list(CHANNELS)),
            external_ref=f"BENCH-{i}", customer_id=f"C{rnd.randrange(60000)}", customer_masked="王*",
            customer_name="王芳", customer_phone="13800138000", tier=rnd.choice(["standard"] * 6 + ["vip"] * 3 + ["private"]),
            text="…", received_at=received, first_responder_id="E1", owner_id="E1",
            department=rnd.choice(["cards", "loans", "ops", "it", "wealth", "branch"]),
            stage="closed" if closed else "handle", business_type=rnd.choice(list(BUSINESS_TYPES)),
            problem_nature=rnd.choice(list(PROBLEM_NATURES)), level=rnd.choice(["I", "II", "II", "III", "III", "III"]),
            emergency=rnd.random() < 0.05, breached=rnd.random() < 0.07, outcome=outcome,
            csat=rnd.choice([2, 3, 4, 4, 5, 5]) if outcome == "resolved" else None, closed_at=closed, version=1))
    return rows


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"  {label:<34} {time.perf_counter() - start:7.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    engine = make_engine(url)
    month_start = datetime(2026, 10, 1, tzinfo=ZoneInfo(TZ))
    print(f"reports on {args.rows:,} complaints in 2026-10 ({url.split(':')[0]})")
    rows = timed("generate rows", lambda: generate(args.rows, month_start))

    def load():
        with engine.begin() as conn:
            for i in range(0, len(rows), 10_000):
                conn.execute(insert(ComplaintRow), rows[i:i + 10_000])

    timed("insert rows", load)
    h = timed("heat map figures (week 2026-W42)", lambda: heatmap.compute(engine, "2026-W42", TZ))
    timed("heat map PNG + HTML", lambda: heatmap.render(h, work))
    d = timed("dashboard figures (+ month before)", lambda: dashboard.compute(engine, "2026-10", TZ))
    timed("dashboard PNG + HTML + JSON", lambda: dashboard.render(d, work))
    count = timed("CSV export (masked)", lambda: write_csv(engine, "2026-10", TZ, work / "oct.csv", CIPHER))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  week heat map: {h.total:,} complaints; dashboard: {d.month.received:,} received, "
          f"{d.month.closed:,} closed; CSV rows: {count:,}; peak memory {peak:.0f} MiB")
    engine.dispose()
    shutil.rmtree(work, ignore_errors=True)  # the pictures and the CSV were for timing, not for keeping


if __name__ == "__main__":
    main()
