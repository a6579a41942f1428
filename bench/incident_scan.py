"""What the incident watch's look costs when a bank is large: `scan_intake` over a week of intake.

The new-story rule reads the newest `STORY_HISTORY_AT_MOST` complaints of the week before its window, each
meaning sealed in its row (decrypted, not encoded again), every `incidents.every`. This fills a database with
`--per-day` complaints a day for 8 days (random meanings, sealed like the product's; texts sealed too) and
times the activity itself, run as Temporal's activity environment runs it, several times.

    .venv/bin/python bench/incident_scan.py --per-day 3000 [--json out.json]
"""
import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session  # noqa: E402
from temporalio.testing import ActivityEnvironment  # noqa: E402

from activities.incidents import IncidentActivities  # noqa: E402
from classifier import embedding  # noqa: E402
from complaints.db import insert_ignore, make_engine  # noqa: E402
from complaints.fields import FieldCipher, sealed_row  # noqa: E402
from incidents.detect import STORY_HISTORY_AT_MOST  # noqa: E402
from models.policy import Policy  # noqa: E402
from models.tables import ComplaintRow  # noqa: E402

TYPES = ["credit_card", "loans", "debit_account", "payments", "wealth_management", "service"]


def fill(engine, cipher: FieldCipher, now: datetime, per_day: int, days: int, seed: int = 7) -> int:
    rng = np.random.default_rng(seed)
    total = per_day * days
    rows = []
    for i in range(total):
        v = rng.standard_normal(embedding.DIMENSIONS).astype(np.float32)
        cid = f"B{i:08d}"
        rows.append(dict(
            id=cid, workflow_id=f"complaint-{cid}", channel="app", external_ref=cid, customer_masked="王*",
            **sealed_row(cipher, cid, customer_id=f"C{i}", text=f"投诉 {i}", meaning=embedding.as_text(v / np.linalg.norm(v))),
            customer_language="zh", tier="standard", received_at=now - timedelta(days=days) + timedelta(
                seconds=float(rng.uniform(0, days * 86400))), first_responder_id="E1", owner_id="E1",
            department="branch", stage="handle", business_type=TYPES[i % len(TYPES)], problem_nature="other"))
        if len(rows) == 2000:
            _write(engine, rows)
            rows = []
    _write(engine, rows)
    return total


def _write(engine, rows: list[dict]) -> None:
    with Session(engine) as session:
        insert_ignore(session, ComplaintRow, rows)
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-day", type=int, default=3000)
    parser.add_argument("--days", type=int, default=8)
    parser.add_argument("--looks", type=int, default=5)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory(prefix="incident-scan-") as tmp:
        engine = make_engine(f"sqlite:///{tmp}/complaints.db")
        cipher = FieldCipher("bench", os.urandom(32))
        started = time.perf_counter()
        total = fill(engine, cipher, now, args.per_day, args.days)
        print(f"{total:,} complaints written in {time.perf_counter() - started:.1f} s", flush=True)
        acts = IncidentActivities(engine, Policy(), cipher)
        env = ActivityEnvironment()
        took = []
        for k in range(args.looks):
            t = time.perf_counter()
            found = env.run(acts.scan_intake, now - timedelta(minutes=2 * k))
            if asyncio.iscoroutine(found):
                found = asyncio.run(found)
            took.append(time.perf_counter() - t)
        out = {"complaints": total, "per_day": args.per_day, "history_read_at_most": STORY_HISTORY_AT_MOST,
               "look_s_median": round(statistics.median(took), 3), "look_s_max": round(max(took), 3),
               "found": len(found)}
        print(f"a look over {args.per_day:,} a day (the newest {STORY_HISTORY_AT_MOST:,} of the week read): "
              f"median {out['look_s_median']} s, max {out['look_s_max']} s over {args.looks} looks; "
              f"random meanings, so nothing found ({len(found)})")
        if args.json:
            args.json.write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
