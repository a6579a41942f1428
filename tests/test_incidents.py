"""A burst of one outage on the dev server: the watch opens one incident with the complaints, the special
group's supervisor is alerted, each customer is told once that the bank knows, a later complaint alike is
linked by the incident itself, the plan goes to each customer once however often it is sent, and resolving
proposes the response to each linked complaint, which its own rules accept or refuse."""
import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from api import incidents, service
from api.service import ComplaintError
from models.incidents import Confirm, Dismiss, PublishPlan, Resolve
from models.intake import Actor
from models.tables import ComplaintRow, IncidentLink, IncidentRow, Notification
from tests.actors import DECISION, GOOD_RESPONSE
from tests.conftest import end_open_incidents, eventually
from tests.test_front_door import intake_body
from workflows.incident import IncidentWatchWorkflow

OUTAGE = ["转账一直失败，提示系统繁忙，急着用钱", "手机银行转账转不出去，一直提示系统繁忙", "跨行转账报错了好几次，转不出去",
          "给家里转钱一直失败，系统繁忙", "转账提示系统繁忙，工资发不了", "手机银行转账一直失败，怎么回事",
          "转账转不出去，提示系统繁忙，请马上解决", "跨行转账一直失败，货款付不出去", "转账一直报错，系统繁忙，太耽误事了",
          "手机银行转账失败好几次了，提示系统繁忙"]
FEES = "转账手续费比说的高，转账一直收费，"  # near the outage's centre (about 0.7), nearer still to everyday fee complaints
SUPERVISOR = Actor(id="S001", role="supervisor", department="complaints")


pytestmark = pytest.mark.usefixtures("no_incident_left")


async def _submit(api, text: str, received_at: datetime) -> str:
    async with api.http() as h:
        r = await h.post("/v1/complaints", json=intake_body(text, f"IN-{uuid.uuid4().hex[:10]}",
                                                             received_at=received_at.isoformat()),
                         headers=api.channel("app"))
        assert r.status_code == 201, r.text
        return r.json()["complaint_id"]


def _classified(engine, ids: list[str]) -> bool:
    with Session(engine) as session:
        rows = session.exec(select(ComplaintRow).where(col(ComplaintRow.id).in_(ids))).all()
    return len(rows) == len(ids) and all(r.business_type for r in rows)


def _notices(engine, template: str, ids: list[str]) -> dict[str, int]:
    with Session(engine) as session:
        rows = session.exec(select(Notification).where(col(Notification.template) == template,
                                                       col(Notification.complaint_id).in_(ids))).all()
    counts: dict[str, int] = {}
    for n in rows:
        counts[n.complaint_id] = counts.get(n.complaint_id, 0) + 1
    return counts


@pytest.mark.timeout(240)
async def test_a_burst_becomes_one_incident_announced_once_to_each_customer(api, client, engine, workers):
    base = datetime.now(UTC) - timedelta(days=9, hours=3, minutes=uuid.uuid4().int % 600)  # a window of its own
    ids = [await _submit(api, text, base + timedelta(minutes=i)) for i, text in enumerate(OUTAGE)]
    # Heard two days before the incident begins: an everyday complaint about transfer fees.
    fees = await _submit(api, FEES + "要求退还费用。", datetime.now(UTC) - timedelta(days=2))
    await eventually(lambda: _classified(engine, [*ids, fees]), timeout=60)

    # The watch looks at that moment, on the worker whose policy links every 2 s.
    look = (base + timedelta(minutes=12)).isoformat()
    started = await client.execute_workflow(IncidentWatchWorkflow.run, look, id=f"watch-{uuid.uuid4().hex[:8]}",
                                            task_queue=workers["fast"])
    assert started == 1
    again = await client.execute_workflow(IncidentWatchWorkflow.run, look, id=f"watch-{uuid.uuid4().hex[:8]}",
                                          task_queue=workers["fast"])
    assert again == 0  # the same look twice: the incident is open, nothing new

    def linked() -> tuple[str, set[str]] | None:
        with Session(engine) as session:
            links = session.exec(select(IncidentLink).where(col(IncidentLink.complaint_id).in_(ids))).all()
        found = {link.incident_id for link in links}
        return (found.pop(), {link.complaint_id for link in links}) if len(found) == 1 and len(links) == len(ids) \
            else None

    iid, members = await eventually(linked, timeout=30)
    assert members == set(ids)
    with Session(engine) as session:
        row = session.get(IncidentRow, iid)
    assert row is not None and row.status == "candidate" and row.rule in ("meaning", "label")

    def alerts() -> list[tuple[str, str]]:  # written just after the incident's rows
        with Session(engine) as session:
            return [(a.recipient, a.template) for a in session.exec(select(Notification).where(
                col(Notification.complaint_id) == iid, col(Notification.template) == "incident_alert")).all()]
    await eventually(lambda: alerts() == [("supervisor:special-group", "incident_alert")])
    await eventually(lambda: _notices(engine, "incident_known", ids) == {c: 1 for c in ids})

    # A complaint alike that arrives later is linked by the incident's own scan, and told once. Another
    # customer's fee complaint, as near the incident's centre, is more alike the one heard before it began
    # than any member: it is that everyday complaint, not the outage, and stays out.
    fee_again = await _submit(api, FEES + "请给我解释清楚。", datetime.now(UTC) - timedelta(seconds=2))
    later = await _submit(api, "手机银行转账一直失败，提示系统繁忙，钱转不出去", datetime.now(UTC) - timedelta(seconds=1))
    await eventually(lambda: _classified(engine, [later, fee_again]), timeout=60)
    await eventually(lambda: later in _members(engine, iid), timeout=60)
    assert fee_again not in _members(engine, iid)

    # Only a supervisor decides; a candidate cannot be announced before it is confirmed.
    handler = Actor(id="H801", role="handler", department="operations")
    with pytest.raises(ComplaintError, match="confirm is for a supervisor"):
        await incidents.update(client, iid, "confirm", Confirm(actor=handler))
    with pytest.raises(ComplaintError, match="before publish_plan"):
        await incidents.update(client, iid, "publish_plan", PublishPlan(actor=SUPERVISOR, zh="系统已恢复"))
    state = await incidents.update(client, iid, "confirm", Confirm(actor=SUPERVISOR, note="核心系统故障"), "c-1")
    assert state.status == "confirmed" and state.decided_by == "S001"

    plan = PublishPlan(actor=SUPERVISOR, zh="转账系统故障已修复，未成功的转账已全部退回账户。", en="Transfers work again.")
    for _ in range(2):  # a retry after a lost answer: the same id
        state = await incidents.update(client, iid, "publish_plan", plan, f"p-{iid}")
    assert len(state.announcements) == 1
    await eventually(lambda: _told_all(client, iid), timeout=60)
    state = await incidents.state(client, iid)
    everyone = [*ids, later]
    assert {c: state.told.get(c) for c in everyone} == {c: "sent" for c in everyone}  # each recorded it itself
    await eventually(lambda: _notices(engine, "incident_plan", everyone) == {c: 1 for c in everyone})
    sla = await service.sla(client, later)  # the customer was told: the clocks the policy names are met
    met = [c for c in sla.clocks if c.kind.value in ("first_response", "plan")]
    assert met and all(c.met_at is not None for c in met), sla.clocks

    # Resolving proposes the response to each; a complaint not yet accepted refuses it by its own rule.
    async with api.http() as h:
        r = await h.post(f"/v1/complaints/{ids[0]}/accept", json={}, headers=await api.as_("S001"))
        assert r.status_code == 200, r.text
    state = await incidents.update(client, iid, "resolve", Resolve(actor=SUPERVISOR, text=GOOD_RESPONSE, **DECISION), "r-1")
    assert state.status == "resolved"
    await eventually(lambda: _told_all(client, iid), timeout=60)
    state = await incidents.state(client, iid)
    assert state.proposed[ids[0]] == "sent"
    assert state.proposed[ids[1]] == "accept the complaint before proposing a response"
    # Each refusal keeps its code: the page says it from the code, never by reading the sentence back.
    assert ids[0] not in state.refused and state.refused[ids[1]] == {"code": "accept_first", "values": {}}
    with pytest.raises(ComplaintError):
        await incidents.update(client, iid, "dismiss", Dismiss(actor=SUPERVISOR, reason="too late"))


async def _told_all(client, iid: str) -> bool:
    return not (await incidents.state(client, iid)).outreach


def _members(engine, iid: str) -> set[str]:
    with Session(engine) as session:
        return {link.complaint_id for link in session.exec(select(IncidentLink).where(
            col(IncidentLink.incident_id) == iid)).all()}


@pytest.mark.timeout(180)
async def test_an_incident_that_stopped_linking_does_not_hold_back_a_new_outage_alike_it(api, client, engine,
                                                                                         workers):
    """The watch leaves a finding to an open incident only while that incident still links; one quiet for
    `quiet_hours` links nothing more, so the same kind of outage days later is an incident of its own."""
    base = datetime.now(UTC) - timedelta(days=20, hours=3, minutes=uuid.uuid4().int % 600)
    later = base + timedelta(days=2)
    first = [await _submit(api, text, base + timedelta(minutes=i)) for i, text in enumerate(OUTAGE)]
    await eventually(lambda: _classified(engine, first), timeout=60)
    assert await client.execute_workflow(IncidentWatchWorkflow.run, (base + timedelta(minutes=12)).isoformat(),
                                         id=f"watch-{uuid.uuid4().hex[:8]}", task_queue=workers["fast"]) == 1
    second = [await _submit(api, text, later + timedelta(minutes=i)) for i, text in enumerate(OUTAGE)]
    await eventually(lambda: _classified(engine, second), timeout=60)
    look = (later + timedelta(minutes=12)).isoformat()

    # Still linking at that moment: the finding is the open incident's, nothing new.
    assert await client.execute_workflow(IncidentWatchWorkflow.run, look, id=f"watch-{uuid.uuid4().hex[:8]}",
                                         task_queue=workers["fast"]) == 0
    # Its last link hours before the look (quiet_hours is 3): the same finding opens an incident of its own.
    # (Its workflow is ended first, so that no write of its own puts the recent time back meanwhile.)
    await end_open_incidents(client, engine, last_linked_at=later - timedelta(hours=4))
    assert await client.execute_workflow(IncidentWatchWorkflow.run, look, id=f"watch-{uuid.uuid4().hex[:8]}",
                                         task_queue=workers["fast"]) == 1
    # Their workflows ended, these incidents would stay open for good and, to later tests' watches looking at
    # moments in the past, still linking: they are closed as a supervisor would close them.
    await end_open_incidents(client, engine, status="dismissed")


QR_OUTAGE = ["扫码付款一直失败，提示银行通道异常", "扫码支付失败，提示通道异常，店里排着队", "二维码收款一直失败，银行通道异常",
             "扫码付款付不了，显示银行通道异常", "扫码支付一直提示银行通道异常，生意做不了", "用你们的卡扫码付款总是失败，通道异常",
             "扫码付款失败好几次，提示银行通道异常，怎么回事"]


@pytest.mark.timeout(180)
async def test_a_story_too_slow_for_any_short_window_is_found_as_new(api, client, engine, workers):
    """Seven customers over two and a half hours, never more than two in half an hour: no short window holds a
    crowd, but the watch's longer window hears a story the past days never told (forty complaints of them: with
    fewer, what is usual is too little known for seven to be surprising). One of them was written
    before complaints kept their meaning: its text is read again. The meaning is sealed like the text."""
    base = datetime.now(UTC) - timedelta(days=26, hours=3, minutes=uuid.uuid4().int % 600)
    everyday = ["网点工作人员态度很差", "信用卡年费没说清楚就扣了", "基金赎回到账太慢", "提前还款被收了违约金", "客服电话一直打不通"]
    heard = await asyncio.gather(*(  # the day before: forty everyday complaints, none of this story
        _submit(api, f"{everyday[i % 5]}，希望给个说法。", base - timedelta(days=1, hours=6, minutes=9 * i))
        for i in range(40)))
    ids = [await _submit(api, text, base + timedelta(minutes=25 * i)) for i, text in enumerate(QR_OUTAGE)]
    await eventually(lambda: _classified(engine, [*heard, *ids]), timeout=60)
    with Session(engine) as session:
        rows = session.exec(select(ComplaintRow).where(col(ComplaintRow.id).in_(ids))).all()
        assert all(r.meaning.startswith("f1:") for r in rows)
        rows[0].meaning = ""
        session.add(rows[0])
        session.commit()
    look = (base + timedelta(minutes=155)).isoformat()
    assert await client.execute_workflow(IncidentWatchWorkflow.run, look, id=f"watch-{uuid.uuid4().hex[:8]}",
                                         task_queue=workers["fast"]) == 1

    def story() -> IncidentRow | None:
        with Session(engine) as session:
            links = session.exec(select(IncidentLink).where(col(IncidentLink.complaint_id).in_(ids))).all()
            found = {link.incident_id for link in links}
            return session.get(IncidentRow, found.pop()) if len(found) == 1 and len(links) == len(ids) else None
    row = await eventually(story, timeout=30)
    assert row.rule == "story" and _members(engine, row.id) == set(ids)
    await end_open_incidents(client, engine, status="dismissed")
