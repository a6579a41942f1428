"""Nothing is lost: a killed worker, a killed server, a retried activity."""
import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.complaint import ComplaintActivities
from api import service
from complaints.temporal import data_converter, ensure_search_attributes
from models import messages as m
from models.enums import Stage
from models.intake import workflow_id_for
from models.state import ComplaintState
from models.tables import AuditEvent, ComplaintRow, Notification, SlaEventRow
from models.workflow_io import AuditEntry, OutgoingNotification, RecordBatch, StartComplaint
from tests.actors import DECISION, GOOD_RESPONSE, HANDLER, INTAKE
from tests.conftest import eventually, make_intake, rows, temporal_binary
from tests.helpers import free_port, result, stage_is
from tests.policies import CALM

FROZEN = "我的账户被冻结了，请尽快帮我解冻"
FAST_POLICY = """
name = "crash"
warn_at = 0.5
verify_window = "1h"
[level.I]
first_response = "1h"
plan = "2h"
[level.II]
plan = "2h"
[level.III]
first_response = "3s"
result = "1h"
[regulatory]
decision = "15d"
extended = "30d"
"""



def worker_env(settings, address: str, queue: str, policy: Path) -> dict:
    return {**os.environ, "TEMPORAL_ADDRESS": address, "TASK_QUEUE": queue, "DATABASE_URL": settings.db_url,
            "COMPLAINTS_KEY_FILE": str(settings.key_file), "COMPLAINTS_ACTOR_KEY_FILE": str(settings.actor_key_file),
            "COMPLAINTS_POLICY": str(policy), "LOG_FORMAT": "json"}


async def start_worker(env: dict, log: Path) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "workers", env=env, stdout=log.open("ab"),
                                                stderr=subprocess.STDOUT)
    await eventually(lambda: log.read_text().count("worker running") >= 1, timeout=30)
    return proc


async def kill(proc: asyncio.subprocess.Process) -> None:
    proc.send_signal(signal.SIGKILL)
    await proc.wait()


def assert_written_once(engine, cid: str, state: ComplaintState) -> None:
    audit = rows(engine, AuditEvent, complaint_id=cid)
    assert sorted(a.seq for a in audit) == list(range(1, len(state.history) + 1))
    breaches = [e for e in rows(engine, SlaEventRow, complaint_id=cid) if e.kind == "breached"]
    assert Counter(e.clock for e in breaches)["first_response"] == 1
    sent = Counter(n.template for n in rows(engine, Notification, complaint_id=cid))
    assert sent["acknowledgement"] == 1 and sent["sla_breach"] == 1 and sent["progress"] == 1
    assert [h.action for h in state.history].count("sla_breached") == 1


async def test_killed_worker_resumes_on_a_new_one_and_due_timers_fire_once(client, env, settings, engine, tmp_path):
    policy = tmp_path / "crash.toml"
    policy.write_text(FAST_POLICY)
    wenv = worker_env(settings, env.client.service_client.config.target_host, "complaints-crash-worker", policy)
    worker = await start_worker(wenv, tmp_path / "w1.log")
    try:
        cid = (await service.submit(client, make_intake(FROZEN), "complaints-crash-worker")).complaint_id
        await eventually(lambda: stage_is(client, cid, Stage.HANDLE))
    finally:
        await kill(worker)  # SIGKILL: no goodbye, the workflow is mid-handle with live timers
    await asyncio.sleep(4)  # first_response (3s) comes due while no worker runs
    worker = await start_worker(wenv, tmp_path / "w2.log")
    try:
        s = await eventually(lambda: _breached(client, cid), timeout=30)
        assert s.clock("first_response").breached_at is not None
        await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
        await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE, **DECISION))
        await eventually(lambda: stage_is(client, cid, Stage.VERIFY), timeout=20)
        s = await service.send(client, cid, "customer_feedback",
                               m.CustomerFeedback(actor=INTAKE, satisfied=True, csat=4))
        final = await result(client, cid)
    finally:
        await kill(worker)
    assert final.stage is Stage.CLOSED
    assert_written_once(engine, cid, final)
    assert rows(engine, ComplaintRow, id=cid)[0].stage == "closed"


async def test_killed_server_restarts_from_its_file_and_nothing_is_lost(settings, engine, tmp_path):
    port = free_port()
    address = f"127.0.0.1:{port}"
    db = tmp_path / "temporal.db"
    args = [temporal_binary(), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port), "--headless",
            "--db-filename", str(db), "--sqlite-pragma", "journal_mode=wal", "--log-level", "error"]
    server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    policy = tmp_path / "crash.toml"
    policy.write_text(FAST_POLICY)
    worker = None
    try:
        client = await eventually(lambda: _connect(address, settings), timeout=30)
        await ensure_search_attributes(client, "default")
        wenv = worker_env(settings, address, "complaints-crash-server", policy)
        worker = await start_worker(wenv, tmp_path / "w.log")
        cid = (await service.submit(client, make_intake(FROZEN), "complaints-crash-server")).complaint_id
        await eventually(lambda: stage_is(client, cid, Stage.HANDLE))

        server.send_signal(signal.SIGKILL)
        server.wait()
        await asyncio.sleep(4)  # the deadline passes while the server is down
        server = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = await eventually(lambda: _connect(address, settings), timeout=30)
        # The same worker process reconnects by itself; the timer fires once after the restart.
        s = await eventually(lambda: _breached(client, cid), timeout=60)
        s = await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
        assert s.accepted and s.stage is Stage.HANDLE
        await service.send(client, cid, "withdraw", m.Withdraw(actor=INTAKE))
        final = await result(client, cid)
        assert_written_once(engine, cid, final)
    finally:
        if worker is not None:
            await kill(worker)
        server.kill()
        server.wait()


async def test_a_retried_activity_writes_once(settings, engine, cipher):
    acts = ComplaintActivities(engine, CALM, cipher)
    intake = make_intake(FROZEN)
    cid = intake.complaint_id
    start = StartComplaint(intake=intake, complaint_id=cid)
    runner = ActivityEnvironment()
    runner.info = dataclasses.replace(runner.info, workflow_id=workflow_id_for(cid))
    for _ in range(3):  # a retry after a lost acknowledgement runs the same activity again
        runner.run(acts.intake_complaint, start)
    now = datetime.now(UTC)
    state = ComplaintState(complaint_id=cid, channel=intake.channel, external_ref=intake.external_ref,
                           customer_id=intake.customer.id, customer_masked="王*", tier=intake.customer.tier,
                           received_at=intake.received_at, first_responder=intake.received_by,
                           owner_id=HANDLER.id, department="operations", stage=Stage.HANDLE)
    batch = RecordBatch(state=state, version=2, events=[
        AuditEntry(seq=1, at=now, action="received", actor_id="E207", actor_role="handler", stage="receive"),
        AuditEntry(seq=2, at=now, action="stage", actor_id="system", actor_role="system", stage="handle",
                   detail="handle")],
        notifications=[OutgoingNotification(key=f"{cid}/1/acknowledgement/C1", recipient_kind="customer",
                                            recipient="C1", channel="sms", template="acknowledgement", body="ok",
                                            at=now)])
    for _ in range(3):
        runner.run(acts.record_batch, batch)
    assert len(rows(engine, ComplaintRow, id=cid)) == 1
    assert len(rows(engine, AuditEvent, complaint_id=cid)) == 2
    assert len(rows(engine, Notification, complaint_id=cid)) == 1
    # A late retry of an older batch never rolls the row back.
    runner.run(acts.record_batch, batch.model_copy(update={"version": 1, "state": state.model_copy(
        update={"stage": Stage.RECEIVE})}))
    assert rows(engine, ComplaintRow, id=cid)[0].stage == "handle"


async def test_an_activity_never_writes_another_complaints_rows(engine, cipher):
    """The activity checks the complaint it writes against the workflow that runs it."""
    acts = ComplaintActivities(engine, CALM, cipher)
    intake = make_intake(FROZEN)
    runner = ActivityEnvironment()
    runner.info = dataclasses.replace(runner.info, workflow_id="complaint-SOMEONE-ELSE")
    with pytest.raises(ApplicationError, match="may not write complaint"):
        runner.run(acts.intake_complaint, StartComplaint(intake=intake, complaint_id=intake.complaint_id))
    assert rows(engine, ComplaintRow, id=intake.complaint_id) == []


async def _breached(client, cid):
    s = await service.state(client, cid)
    return s if s.breached else None


async def _connect(address: str, settings) -> Client | None:
    try:
        return await Client.connect(address, data_converter=data_converter(settings))
    except Exception:
        return None


def test_the_migrations_build_exactly_the_models_schema(engine):
    """On the test database (SQLite, and PostgreSQL in CI's second run), made by the migrations alone."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlmodel import SQLModel

    from complaints import schema

    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
        head = ScriptDirectory.from_config(schema.config()).get_current_head()
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head


def test_a_database_made_before_migrations_is_adopted(tmp_path):
    from alembic import command
    from sqlalchemy import create_engine, inspect

    from complaints import schema
    from complaints.db import make_engine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    # As every release before migrations did: the baseline's tables, with no alembic_version to say so.
    old = create_engine(url)
    with old.begin() as conn:
        command.upgrade(schema.config(conn), schema.BASELINE)
        conn.exec_driver_sql("DROP TABLE alembic_version")
    assert "complaint" in inspect(old).get_table_names()
    engine = make_engine(url)  # stamped at the baseline, then upgraded: no "table already exists"
    assert "alembic_version" in inspect(engine).get_table_names()
    make_engine(url)  # and again: nothing to do
