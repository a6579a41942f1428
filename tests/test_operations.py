"""What an operations team asks first: the metrics move when their events happen, readiness says why not,
one request id leads from the answer to the log line, the audit row and the history event, polls leave no
audit rows, and a worker stops gracefully on SIGTERM."""
import asyncio
import contextlib
import dataclasses
import re
import signal
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import structlog
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from activities.faults import permanent_faults
from api import service
from complaints import metrics, readiness, reads
from complaints.db import make_engine
from models import messages as m
from models.access import RequestAudit
from models.enums import Stage
from models.intake import workflow_id_for
from models.proof import SEAL
from models.tables import LookBackRevisit
from tests.actors import HANDLER, INTAKE
from tests.conftest import eventually, make_intake
from tests.helpers import free_port, stage_is, submit
from tests.test_durability import FAST_POLICY, kill, start_worker, worker_env
from tests.test_front_door import LOST_CARD, intake_body, submitted_in_handle


def samples(text_: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text_):
        for s in family.samples:
            found[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return found


def value(scraped: dict, name: str, **labels) -> float:
    return scraped.get((name, tuple(sorted(labels.items()))), 0.0)


def domain(engine) -> dict:
    return samples(generate_latest(metrics.registry(engine)).decode())


async def test_the_domain_families_move_when_their_events_happen(client, workers, engine):
    before = domain(engine)
    cid = (await service.submit(client, make_intake("我的账户被冻结了，请尽快帮我解冻"), workers["fast"])).complaint_id
    await eventually(lambda: stage_is(client, cid, Stage.HANDLE))
    await service.send(client, cid, "open_work_order", m.OpenWorkOrder(actor=HANDLER, department="loans",
                                                                        question="冻结原因？", due="2s"))
    now = await eventually(lambda: (lambda d: d if value(d, "complaints_work_orders_open") > value(
        before, "complaints_work_orders_open") else None)(domain(engine)))
    assert value(now, "complaints_received_total", channel="hotline") == \
        value(before, "complaints_received_total", channel="hotline") + 1
    assert value(now, "complaints_open", stage="handle", level="III") >= 1
    assert value(now, "complaints_outbox_pending") > value(before, "complaints_outbox_pending")
    # The fast policy's clocks: the first response breaches in seconds, the work order's reply too.
    late = await eventually(lambda: (lambda d: d if value(d, "complaints_sla_breaches_total", clock="first_response")
                                     > value(before, "complaints_sla_breaches_total", clock="first_response")
                                     and value(d, "complaints_work_orders_overdue")
                                     > value(before, "complaints_work_orders_overdue") else None)(domain(engine)),
                            timeout=30)
    assert value(late, "complaints_sla_warnings_total", clock="first_response") > \
        value(before, "complaints_sla_warnings_total", clock="first_response")
    await service.send(client, cid, "withdraw", m.Withdraw(actor=INTAKE, reason="客户撤诉"))
    await eventually(lambda: value(domain(engine), "complaints_closed_total", outcome="withdrawn")
                     > value(before, "complaints_closed_total", outcome="withdrawn"))


def test_a_write_fault_and_an_overdue_revisit_are_counted(engine):
    faults = value(domain(engine), "complaints_read_model_write_faults_total")
    try:
        with permanent_faults():
            raise IntegrityError("INSERT", {}, Exception("duplicate key"))
    except Exception:  # noqa: BLE001, S110 - the permanent fault the workflow records
        pass
    assert value(domain(engine), "complaints_read_model_write_faults_total") == faults + 1
    overdue = value(domain(engine), "complaints_revisits_overdue")
    with Session(engine) as session:
        session.add(LookBackRevisit(id=f"2026-01/T{uuid.uuid4().hex[:8]}", month="2026-01", complaint_id="HL1",
                                    department="operations", due_at=datetime.now(UTC) - timedelta(hours=1)))
        session.commit()
    assert value(domain(engine), "complaints_revisits_overdue") == overdue + 1


async def test_the_api_counts_requests_by_route_and_follows_one_request_id(api, engine, client):
    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"HL-{uuid.uuid4().hex[:10]}"),
                                    api.channel("hotline"))
    rid = f"req-{uuid.uuid4().hex}"
    route = "/v1/complaints/{complaint_id}/add_note"
    async with api.http() as h:
        before = samples((await h.get("/metrics")).text)
        with structlog.testing.capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            r = await h.post(f"/v1/complaints/{cid}/add_note", json={"text": "traced"},
                             headers={**await api.as_("S001"), "X-Request-ID": rid})
        after = samples((await h.get("/metrics")).text)
        made = await h.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert r.status_code == 200 and r.headers["x-request-id"] == rid
    assert len(made.headers["x-request-id"]) == 32  # not the caller's malformed one: a new id
    assert value(after, "complaints_http_requests_total", method="POST", route=route, status="200") == \
        value(before, "complaints_http_requests_total", method="POST", route=route, status="200") + 1
    assert value(after, "complaints_received_total", channel="hotline") >= 1  # the domain's, from the API too
    # The log line, the audit row and the history event carry the same id.
    assert any(e.get("request_id") == rid and e.get("route") == route for e in logs)
    with Session(engine) as session:
        audited = session.exec(select(RequestAudit).where(RequestAudit.request_id == rid)).all()
    assert [(a.path, a.status) for a in audited] == [(f"/v1/complaints/{cid}/add_note", 200)]
    history = await client.get_workflow_handle(workflow_id_for(cid)).fetch_history()
    sealed = []
    for event in history.events:
        if event.HasField("workflow_execution_update_accepted_event_attributes"):
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            [payload] = await client.data_converter.payload_codec.decode(list(request.input.args.payloads))
            sealed.append(payload.metadata.get(SEAL, b""))
    assert any(rid.encode() in s for s in sealed)


async def test_readiness_names_what_is_missing(api, tmp_path, client):
    nowhere = create_engine(f"sqlite:///{tmp_path}/missing/dir/x.db")
    assert readiness.database(nowhere).startswith("database: OperationalError")
    behind = make_engine(f"sqlite:///{tmp_path / 'behind.db'}")
    with behind.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    assert readiness.migrations(behind) == "migrations: the database is at 0005, this code needs 0015"
    problems = await readiness.problems(nowhere, client, "complaints-nobody", "nobody@nowhere")
    assert problems[0].startswith("database:") and problems[-1].startswith("polling: nobody@nowhere is not")


def test_a_shape_with_no_transport_is_not_ready():
    from complaints.config import Settings

    assert readiness.delivery(Settings(smtp_url="smtp://mail.bank.example:25")) is None
    assert readiness.delivery(Settings(app_gateway_url="https://push.bank.example/app")) is None
    assert readiness.delivery(Settings()) == ("delivery: SMTP_URL, SMS_GATEWAY_URL and APP_GATEWAY_URL are all "
                                              "unset: no notification reaches a customer")


async def test_the_api_is_not_ready_while_no_customer_can_be_told_anything(api, client):
    """No transport, a Schedule gone or paused: each is a line of /readyz and a 503, never green."""
    from dataclasses import replace

    from tests.api_support import running
    from workers import system

    for sid in system.SCHEDULE_IDS:  # whatever earlier tests left
        with contextlib.suppress(Exception):
            await client.get_schedule_handle(sid).delete()
    bare = replace(api.ctx, settings=api.ctx.settings.model_copy(update={
        "smtp_url": None, "sms_gateway_url": None, "app_gateway_url": None, "task_queue": "complaints-unpolled"}))
    configured = replace(bare, settings=bare.settings.model_copy(update={"sms_gateway_url": "http://127.0.0.1:9/sms"}))
    try:
        async with running(bare) as url, httpx.AsyncClient(base_url=url) as h:
            r = await h.get("/readyz")
            assert r.status_code == 503
            said = r.json()["problems"]
            assert said[0].startswith("delivery: SMTP_URL, SMS_GATEWAY_URL and APP_GATEWAY_URL are all unset")
            assert [p.split()[1] for p in said[1:]] == list(system.SCHEDULE_IDS)
            assert all("does not exist: run `complaints prepare`" in p for p in said[1:])
        await system.prepare(client, configured.settings)
        async with running(configured) as url, httpx.AsyncClient(base_url=url) as h:
            assert (await h.get("/readyz")).json() == {"ready": True, "problems": []}
            await client.get_schedule_handle(system.OUTBOX_ID).pause(note="gateway maintenance")
            await system.prepare(client, configured.settings)  # prepare keeps an operator's pause
            r = await h.get("/readyz")
            assert r.status_code == 503 and r.json()["problems"] == [
                "schedules: complaints-outbox is paused (gateway maintenance): "
                "`temporal schedule toggle --schedule-id complaints-outbox --unpause`"]
    finally:
        for sid in system.SCHEDULE_IDS:
            with contextlib.suppress(Exception):
                await client.get_schedule_handle(sid).delete()


async def test_polls_that_find_nothing_new_are_not_audited(api, engine):
    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"HL-{uuid.uuid4().hex[:10]}"),
                                    api.channel("hotline"))
    async with api.http() as h:
        headers = {**await api.as_("S001"), "HX-Request": "true"}
        state = (await h.get(f"/v1/complaints/{cid}", headers=headers)).json()
        since = state["history_total"]
        polls = [await h.get(f"/ui/complaints/{cid}/body", params={"since": since}, headers=headers) for _ in range(3)]
        moved = await h.get(f"/ui/complaints/{cid}/body", params={"since": since - 1}, headers=headers)
    assert [p.status_code for p in polls] == [204, 204, 204] and moved.status_code == 200
    with Session(engine) as session:
        rows = session.exec(select(RequestAudit).where(RequestAudit.path.contains(f"/ui/complaints/{cid}/body"))).all()
    assert [r.status for r in rows] == [200]


class CountingQueries:
    """A client interceptor that counts the workflow queries a client sends (what an idle page costs)."""

    def __init__(self) -> None:
        self.queries = 0

    def intercept_client(self, next_):
        from temporalio.client import OutboundInterceptor

        counter = self

        class Outbound(OutboundInterceptor):
            async def query_workflow(self, input):
                counter.queries += 1
                return await super().query_workflow(input)

        return Outbound(next_)


async def test_an_idle_page_polls_the_read_model_not_temporal(api, engine, client):
    """The complaint page polls every 3 s; while nothing changes, no poll makes a Temporal query."""
    from temporalio.client import Client

    from tests.api_support import running

    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"HL-{uuid.uuid4().hex[:10]}"),
                                    api.channel("hotline"))
    counter = CountingQueries()
    counted = Client(client.service_client, namespace=client.namespace, data_converter=client.data_converter,
                     interceptors=[counter])
    ctx = dataclasses.replace(api.ctx, client=counted)
    async with running(ctx) as url, httpx.AsyncClient(base_url=url) as h:
        headers = {**await api.as_("S001"), "HX-Request": "true"}
        page = (await h.get(f"/ui/complaints/{cid}", headers=headers)).text
        poll_url = re.search(r'hx-get="(/ui/complaints/[^"]+/body\?[^"]+)"', page).group(1).replace("&amp;", "&")
        since = int(re.search(r"since=(\d+)", poll_url).group(1))
        await eventually(lambda: reads.complaint_version(engine, cid) == since)  # the read model has caught up
        before = counter.queries
        polls = [await h.get(poll_url, headers=headers) for _ in range(5)]
        assert [p.status_code for p in polls] == [204] * 5 and counter.queries == before
        # Another person's copy of the page's poll is not theirs: asked of Temporal, and refused there.
        stranger = {**await api.as_("D001"), "HX-Request": "true"}
        assert (await h.get(poll_url, headers=stranger)).status_code == 403
        # The complaint moves: the next poll redraws, from Temporal.
        r = await h.post(f"/v1/complaints/{cid}/add_note", json={"text": "有变化"}, headers=await api.as_("S001"))
        assert r.status_code == 200
        await eventually(lambda: reads.complaint_version(engine, cid) != since)
        queried = counter.queries
        moved = await h.get(poll_url, headers=headers)
        assert moved.status_code == 200 and "有变化" in moved.text and counter.queries > queried


async def test_a_worker_serves_sdk_and_domain_metrics_is_ready_and_stops_gracefully(env, settings, tmp_path):
    policy = tmp_path / "ops.toml"
    policy.write_text(FAST_POLICY)
    port = free_port()
    wenv = {**worker_env(settings, env.client.service_client.config.target_host, "complaints-ops", policy),
            "WORKER_METRICS_PORT": str(port), "COMPLAINTS_EMERGENCY": "rules", "SHUTDOWN_GRACE_SECONDS": "5",
            "SMS_GATEWAY_URL": "http://127.0.0.1:9/sms"}
    log = tmp_path / "worker.log"
    worker = await start_worker(wenv, log)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as h:
            ready = await eventually(lambda: _ready(h), timeout=30)
            scraped = samples((await h.get("/metrics")).text)
        assert ready == {"ready": True, "problems": []}
        names = {name for name, _ in scraped}
        assert any(n.startswith("temporal_") for n in names), sorted(names)[:20]  # the SDK's runtime metrics
        assert "complaints_received_total" in names or "complaints_open" in names
        await submit(env.client, "complaints-ops")
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 30) == 0
        text_ = log.read_text()
        assert "worker stopping" in text_ and "worker stopped" in text_
    finally:
        if worker.returncode is None:
            await kill(worker)


async def _ready(h: httpx.AsyncClient):
    r = await h.get("/readyz")
    return r.json() if r.status_code == 200 else None


async def test_a_request_and_the_update_it_sends_are_one_trace(api, client, settings):
    """Tracing on (an exporter configured): the request's span is the parent of the SDK's span for the update."""
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from temporalio.client import Client
    from temporalio.contrib.opentelemetry import TracingInterceptor

    from complaints import tracing
    from tests.api_support import running

    spans = InMemorySpanExporter()
    traced_settings = api.ctx.settings.model_copy(update={"otel_exporter_otlp_endpoint": "http://127.0.0.1:4318"})
    tracing.configure(traced_settings, exporter=spans)
    traced_client = Client(client.service_client, namespace=client.namespace, data_converter=client.data_converter,
                           interceptors=[TracingInterceptor()])
    ctx = dataclasses.replace(api.ctx, settings=traced_settings, client=traced_client)
    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"HL-{uuid.uuid4().hex[:10]}"),
                                    api.channel("hotline"))
    async with running(ctx) as url, httpx.AsyncClient(base_url=url) as h:
        r = await h.post(f"/v1/complaints/{cid}/add_note", json={"text": "traced"}, headers=await api.as_("S001"))
    assert r.status_code == 200
    from opentelemetry import trace

    trace.get_tracer_provider().force_flush()
    finished = spans.get_finished_spans()
    server = [s for s in finished if s.name.startswith("POST /v1/complaints/{complaint_id}/add_note")]
    update = [s for s in finished if s.name.startswith("StartWorkflowUpdate:add_note")
              or s.name.startswith("UpdateWorkflow:add_note")]
    assert server and update, sorted({s.name for s in finished})
    assert update[0].context.trace_id == server[0].context.trace_id
