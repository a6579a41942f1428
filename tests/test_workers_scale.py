"""Several workers, one lost: three worker processes on one server, complaints with live clocks, work orders
and concurrent messages, one worker SIGKILLed mid-run. Nothing is lost, nothing applied twice, every clock
fires once, and the survivors take over within seconds. A fault run: once, on the default database.
`bench/workers_scale.py` runs the same with larger numbers and prints the figures."""
import os

import pytest

from tests.scale import Scale

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="a fault run: once per suite, on the default database")


async def test_three_workers_one_killed_nothing_lost_nothing_twice(env, settings, engine, tmp_path):
    report = await Scale(env.client, settings, engine, tmp_path, complaints=36, notes_each=4, workers=3).measure()
    print("\n" + report.line())
    assert report.lost == [] and report.twice == [] and report.clock_faults == []
    assert report.takeover_seconds < 30
