"""The outbox is delivered: SMS and app messages to a real HTTP gateway (HMAC-signed, with an idempotency
key), e-mail to a real SMTP server, staff messages to the workbench; retried with backoff, never sent twice,
a delivery that keeps failing told to a supervisor, a channel without a transport recorded as such."""
import asyncio
import email
import hashlib
import hmac
import re
import uuid
from email import policy as email_policy

import pytest
from aiohttp import web
from aiosmtpd.controller import Controller

from api import service
from complaints.db import make_engine
from models.tables import Notification
from tests.conftest import eventually, make_intake, rows
from tests.helpers import free_port
from tests.policies import CALM
from workers.worker import build_worker
from workflows.outbox import OutboxInput, OutboxWorkflow

FAILING, FLAKY = "13900000000", "13700000000"


class Gateway:
    """An SMS gateway: checks the signature, serves an idempotency key once, fails on purpose for two numbers."""

    def __init__(self, secret: str):
        self.secret, self.requests, self.delivered, self.flaky_seen = secret, [], {}, False

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        stamp, given = request.headers["X-Timestamp"], request.headers["X-Signature"]
        expected = hmac.new(self.secret.encode(), f"{stamp}\n{hashlib.sha256(body).hexdigest()}".encode(),
                            hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, given):
            return web.json_response({"error": "bad signature"}, status=401)
        data = await request.json()
        key = request.headers["Idempotency-Key"]
        self.requests.append((request.path, key, data))
        phone = data["to"].get("phone")
        if phone == FAILING:
            return web.json_response({"error": "down"}, status=503)
        if key not in self.delivered:
            self.delivered[key] = data
        if phone == FLAKY and not self.flaky_seen:  # sent, but the answer is lost: the sender must retry
            self.flaky_seen = True
            return web.json_response({"error": "timeout upstream"}, status=502)
        return web.json_response({"accepted": True})


class Mailbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email_policy.default))
        return "250 OK"


@pytest.fixture(scope="module")
async def delivery(client, settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("delivery")
    mailbox, smtp_port, gw_port = Mailbox(), free_port(), free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    cfg = settings.model_copy(update={
        "task_queue": "complaints-delivery", "database_url": f"sqlite:///{folder / 'delivery.db'}",
        "smtp_url": f"smtp://127.0.0.1:{smtp_port}", "sms_gateway_url": f"http://127.0.0.1:{gw_port}/sms",
        "app_gateway_url": None, "gateway_secret_file": folder / "gateway.secret", "delivery_attempts": 2})
    gateway = Gateway(cfg.gateway_secret())
    app = web.Application()
    app.router.add_post("/sms", gateway.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", gw_port).start()
    engine = make_engine(cfg.db_url)
    async with build_worker(client, cfg, engine, CALM):
        yield cfg, engine, gateway, mailbox
    await runner.cleanup()
    smtp.stop()


async def _complaint(client, cfg, engine, **customer) -> str:
    channel = customer.pop("channel", "hotline")
    person = {"id": f"C{uuid.uuid4().hex[:6]}", "name": "王芳", "phone": "13800138000", "tier": "vip", **customer}
    cid = (await service.submit(client, make_intake("信用卡年费乱收费", channel=channel, customer=person),
                                cfg.task_queue)).complaint_id
    await eventually(lambda: rows(engine, Notification, complaint_id=cid, template="acknowledgement"))
    return cid


def _outbox_metrics(engine) -> dict[str, float]:
    from prometheus_client import generate_latest
    from prometheus_client.parser import text_string_to_metric_families

    from complaints.metrics import registry

    text = generate_latest(registry(engine)).decode()
    return {s.name: s.value for f in text_string_to_metric_families(text) for s in f.samples
            if s.name.startswith("complaints_outbox_")}


def _ack(engine, cid) -> Notification:
    return rows(engine, Notification, complaint_id=cid, template="acknowledgement")[0]


async def _dispatch(client, cfg) -> dict:
    return await client.execute_workflow(OutboxWorkflow.run, OutboxInput(attempts=cfg.delivery_attempts,
                                                                         first_retry_seconds=0.2),
                                         id=f"outbox-test-{uuid.uuid4().hex[:6]}", task_queue=cfg.task_queue)


async def test_the_outbox_is_delivered_once_retried_and_failures_told(client, delivery):
    cfg, engine, gateway, mailbox = delivery
    sms = await _complaint(client, cfg, engine)
    mail = await _complaint(client, cfg, engine, channel="email", email="wang@example.com", language="en")
    down = await _complaint(client, cfg, engine, phone=FAILING)
    flaky = await _complaint(client, cfg, engine, phone=FLAKY)
    app = await _complaint(client, cfg, engine, channel="app")

    before = _outbox_metrics(engine)
    counts = await _dispatch(client, cfg)
    assert counts.get("sms", 0) >= 2 and counts.get("email", 0) >= 1 and counts.get("undelivered", 0) >= 1
    after = _outbox_metrics(engine)  # what an operator's alert watches moves with the deliveries
    assert after["complaints_outbox_sent_total"] >= before["complaints_outbox_sent_total"] + 3
    assert after["complaints_outbox_given_up_total"] >= before["complaints_outbox_given_up_total"] + 2
    assert after["complaints_outbox_pending"] < before["complaints_outbox_pending"]

    # SMS: the bank's template in the customer's language, signed, keyed, and its row marked sent.
    ack = _ack(engine, sms)
    sent = [d for k, d in gateway.delivered.items() if k == ack.key]
    assert len(sent) == 1 and sent[0]["to"] == {"phone": "13800138000"}
    said, _, link = sent[0]["text"].partition("\n查看进度、补充材料、评价或申请核查：")
    assert said == f"【某银行】您的投诉已受理，编号 {sms}。我们将按时处理并告知进展。"
    assert link.startswith(f"{cfg.page_url}/my/{sms}.")  # the customer's own page (tests/test_customer_page.py)
    assert ack.sent_at is not None and ack.attempts == 1 and ack.last_error == ""
    # E-mail: in English for this customer, with the notification's key behind its Message-ID.
    [message] = [m for m in mailbox.messages if m["To"] == "wang@example.com"]
    assert f"your reference is {mail}" in message.get_content() and message["Subject"] == f"Your complaint {mail}"
    assert f"/my/{mail}." in message.get_content() and "?lang=en" in message.get_content()
    assert _ack(engine, mail).sent_at is not None
    # A lost answer is retried with the same key, and the gateway sends it once.
    flaky_ack = _ack(engine, flaky)
    tries = [k for _, k, d in gateway.requests if d["to"].get("phone") == FLAKY]
    assert tries == [flaky_ack.key, flaky_ack.key] and flaky_ack.sent_at and flaky_ack.attempts == 2
    # Retries spent: recorded, and the department's supervisor is told on the workbench.
    failed = _ack(engine, down)
    assert failed.sent_at is None and failed.failed_at and failed.escalated and failed.attempts == 2
    assert "503" in failed.last_error
    [told] = rows(engine, Notification, key=f"{failed.key}/undelivered")
    assert told.recipient.startswith("supervisor:") and "could not be delivered after 2 attempts" in told.body
    # No transport for app messages here: recorded as such, never silently dropped, nobody paged.
    unset = _ack(engine, app)
    assert unset.failed_at and unset.last_error == "not configured: APP_GATEWAY_URL" and not unset.escalated
    # ... but counted, for the alert that pages (OutboxNotConfigured): no transport is an outage of its own.
    from prometheus_client import generate_latest

    from complaints import metrics

    scraped = generate_latest(metrics.registry(engine)).decode()
    assert float(re.search(r"^complaints_outbox_not_configured (\S+)$", scraped, re.M).group(1)) >= 1

    before = len(gateway.requests)
    await _dispatch(client, cfg)  # again: nothing sent twice; the supervisor's notice reaches the workbench
    assert [r for r in gateway.requests[before:] if r[1] in (ack.key, flaky_ack.key, failed.key)] == []
    assert rows(engine, Notification, key=told.key)[0].sent_at is not None
    await asyncio.sleep(0)


async def test_a_run_drains_the_outbox_in_rounds_and_stops_at_a_failing_transport(client, delivery):
    """More than a round waits: one run delivers them all. A round that met a failing transport is the run's
    last; what it left is the next run's."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session, col, select, update

    from workflows.outbox import BATCH

    cfg, engine, gateway, _ = delivery
    await _dispatch(client, cfg)  # what the test before left
    down = await _complaint(client, cfg, engine, phone=FAILING)
    old = datetime.now(UTC) - timedelta(days=1)
    with Session(engine) as s:  # the failing customer's notice is the oldest, so the first round meets it
        s.exec(update(Notification).where(col(Notification.complaint_id) == down).values(created_at=old))
        for i in range(BATCH + 50):
            s.add(Notification(key=f"drain/{i:04d}", complaint_id=down, recipient_kind="owner", recipient="H001",
                               channel="internal", template="note", body="-", created_at=old + timedelta(seconds=1 + i)))
        s.commit()

    def waiting() -> int:
        with Session(engine) as s:
            return len(s.exec(select(Notification.key).where(col(Notification.key).startswith("drain/"),
                                                             col(Notification.sent_at).is_(None))).all())

    first = await _dispatch(client, cfg)
    assert first.get("undelivered", 0) >= 1 and 0 < waiting() < BATCH  # stopped after the failing round
    second = await _dispatch(client, cfg)
    assert waiting() == 0 and second.get("workbench inbox", 0) >= waiting() + 1
    with Session(engine) as s:  # more than two rounds, none failing: one run delivers them
        s.add_all([Notification(key=f"drain/b{i:04d}", complaint_id=down, recipient_kind="owner", recipient="H001",
                                channel="internal", template="note", body="-", created_at=old)
                   for i in range(2 * BATCH + 50)])
        s.commit()
    third = await _dispatch(client, cfg)
    assert waiting() == 0 and third.get("workbench inbox", 0) >= 2 * BATCH + 50


@pytest.mark.parametrize("args", [[], ["hello"], [{"attempts": 0}], [{"attempts": 10**9}],
                                  [{"first_retry_seconds": -1}], [{"attempts": 2}, {"attempts": 3}],
                                  [{"attempts": 2, "extra": 1}]])
async def test_a_start_the_outbox_cannot_read_fails_its_run_not_its_task(client, delivery, args):
    """`temporal workflow start --type OutboxWorkflow` with any payload, none or two: a clean failure."""
    from temporalio.client import WorkflowFailureError

    cfg, engine, _, _ = delivery
    pending = len([n for n in rows(engine, Notification) if n.sent_at is None and n.failed_at is None])
    handle = await client.start_workflow("OutboxWorkflow", args=args, id=f"outbox-bad-{uuid.uuid4().hex[:6]}",
                                         task_queue=cfg.task_queue)
    with pytest.raises(WorkflowFailureError) as e:
        await handle.result()
    assert "invalid start" in e.value.cause.message
    history = await handle.fetch_history()
    assert not [ev for ev in history.events if ev.HasField("workflow_task_failed_event_attributes")]
    assert len([n for n in rows(engine, Notification) if n.sent_at is None and n.failed_at is None]) == pending
