"""A days-long SLA clock on the real default policy, with the dev server's per-workflow time skipping:
the working-day deadline is met to the minute by the durable timer, not only by the calendar arithmetic."""
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment

from api import service
from complaints.temporal import data_converter, ensure_search_attributes
from models.enums import Stage
from models.intake import workflow_id_for
from sla.calendar import calendar_for
from sla.policy_file import load_policy
from tests.conftest import eventually, make_intake, temporal_binary
from tests.helpers import stage_is
from workers.worker import build_worker


@pytest.fixture(scope="module")
async def skipping_env(settings):
    env = await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=TimeSkippingConfig(enabled=False), dev_server_existing_path=temporal_binary(),
        dev_server_extra_args=["--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true"],
        data_converter=data_converter(settings), dev_server_log_level="error")
    await ensure_search_attributes(env.client, "default")
    yield env
    await env.shutdown()


async def test_one_working_day_first_response_breaches_at_its_deadline(skipping_env, settings, engine):
    policy = load_policy(None)  # the spec's table: level III first response within 1 working day
    env = skipping_env
    worker = build_worker(env.client, settings.model_copy(update={"task_queue": "complaints-skip"}), engine, policy)
    async with worker:
        received = datetime.now(UTC) - timedelta(seconds=1)
        intake = make_intake("我的账户被冻结了，请尽快帮我解冻", received_at=received)
        cid = (await service.submit(env.client, intake, "complaints-skip")).complaint_id
        await eventually(lambda: stage_is(env.client, cid, Stage.HANDLE))
        deadline = calendar_for(policy.region, policy.timezone).deadline(received, "1wd")
        clock = (await service.state(env.client, cid)).clock("first_response")
        assert clock.deadline() == deadline and deadline - received > timedelta(hours=12)

        handle = env.client.get_workflow_handle(workflow_id_for(cid))
        await env.fast_forward(handle, deadline - datetime.now(UTC) - timedelta(minutes=1))
        before = (await service.state(env.client, cid)).clock("first_response")
        assert before.warned_at is not None and before.breached_at is None

        await env.fast_forward(handle, timedelta(minutes=2))
        after = await eventually(lambda: _breached(env.client, cid))
        assert deadline <= after.breached_at <= deadline + timedelta(minutes=1)


async def _breached(client, cid):
    clock = (await service.state(client, cid)).clock("first_response")
    return clock if clock.breached_at else None


async def test_three_working_days_of_silence_close_as_no_feedback(skipping_env, settings, engine):
    """The verification window (3 working days from the response sent) only needs to pass: time skipping
    passes it, and the complaint closes as "no feedback" within a minute of the calendar deadline."""
    from models import messages as m
    from models.enums import Outcome
    from tests.actors import DECISION, HANDLER

    policy = load_policy(None)
    env = skipping_env
    worker = build_worker(env.client, settings.model_copy(update={"task_queue": "complaints-skip-verify"}), engine,
                          policy)
    async with worker:
        intake = make_intake("信用卡年费乱收费，请退还", received_at=datetime.now(UTC) - timedelta(seconds=1))
        cid = (await service.submit(env.client, intake, "complaints-skip-verify")).complaint_id
        await eventually(lambda: stage_is(env.client, cid, Stage.HANDLE))
        await service.send(env.client, cid, "accept", m.Accept(actor=HANDLER))
        sent = await service.send(env.client, cid, "propose_response", m.ProposeResponse(
            actor=HANDLER, text="非常抱歉给您带来不便。经核实，年费确属误收，已为您退还。我们将在三个工作日内回访。", **DECISION))
        window = sent.clock("verify_window")
        assert sent.stage is Stage.VERIFY and window is not None
        deadline = window.deadline()
        assert deadline == calendar_for(policy.region, policy.timezone).deadline(window.started_at, "3wd")

        handle = env.client.get_workflow_handle(workflow_id_for(cid))
        await env.fast_forward(handle, deadline - datetime.now(UTC) - timedelta(minutes=1))
        assert (await service.state(env.client, cid)).stage is Stage.VERIFY  # a minute before: still waiting
        await env.fast_forward(handle, timedelta(minutes=2))
        closed = await eventually(lambda: _closed(env.client, cid))
        assert closed.outcome is Outcome.NO_FEEDBACK
        assert deadline <= closed.closed_at <= deadline + timedelta(minutes=1)


async def _closed(client, cid):
    s = await service.state(client, cid)
    return s if s.stage is Stage.CLOSED else None
