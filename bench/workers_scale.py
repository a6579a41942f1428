"""Several workers, one lost, at a larger size than the test: N complaints with live clocks, work orders and
concurrent notes on three worker processes, one SIGKILLed mid-run. Prints what was lost or applied twice (none
expected), the clocks that fired, how long the survivors took to take over, and message latency.

    .venv/bin/python bench/workers_scale.py --complaints 300 --notes 5 [--json]
"""
import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from temporalio.testing import WorkflowEnvironment  # noqa: E402

from complaints.config import Settings  # noqa: E402
from complaints.db import make_engine  # noqa: E402
from complaints.devserver import SERVER_LIMITS  # noqa: E402
from complaints.temporal import data_converter, ensure_search_attributes  # noqa: E402
from tests.conftest import temporal_binary  # noqa: E402
from tests.scale import Scale  # noqa: E402


async def main(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        settings = Settings(data_dir=work, database_url=f"sqlite:///{work / 'complaints.db'}")
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=temporal_binary(), data_converter=data_converter(settings, create_key=True),
            dev_server_log_level="error", dev_server_extra_args=SERVER_LIMITS)
        try:
            await ensure_search_attributes(env.client, "default")
            report = await Scale(env.client, settings, make_engine(settings.db_url), work,
                                 complaints=args.complaints, notes_each=args.notes).measure()
        finally:
            await env.shutdown()
    if not args.json:
        print(report.line())
    return {"complaints": report.complaints, "messages": report.messages, "lost": len(report.lost),
            "twice": len(report.twice), "clock_faults": len(report.clock_faults), "breaches": report.breaches,
            "takeover_seconds": round(report.takeover_seconds, 2)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=300)
    parser.add_argument("--notes", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    a = parser.parse_args()
    out = asyncio.run(main(a))
    if a.json:
        print(json.dumps(out))
