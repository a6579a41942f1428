"""Records past retention: the sweep's workflow erases a closed complaint's personal data once the policy's
retention has passed (Order No. 3: at least three years after the complaint is concluded), keeps every figure,
and leaves alone what a legal hold keeps and what is not yet due. A supervisor places and lifts the hold
through the API and on the complaint's page."""
import json
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from playwright.async_api import expect
from sqlmodel import Session

from complaints import retention
from models.customer import CustomerUpload
from models.tables import AuditEvent, ComplaintRow, LegalHold, Notification, RedressRow
from tests.browser import signed_in
from tests.conftest import rows
from tests.test_front_door import LOST_CARD, intake_body, submitted_in_handle
from tests.test_lookback import seed
from tests.test_workbench_desk import failures
from workflows.retention import RetentionWorkflow

LONG_AGO = datetime(2020, 3, 2, 8, 0, tzinfo=UTC)  # past three years whatever day the suite runs


def _with_trail(engine, cid: str) -> None:
    with Session(engine) as session:
        session.add(AuditEvent(complaint_id=cid, seq=1, at=LONG_AGO, action="add_note", actor_id="E207",
                               actor_role="handler", stage="handle", detail="客户张三说卡在 13800000000 手机上被盗刷",
                               code="add_note", code_values=json.dumps({"text": "客户张三说"})))
        session.add(AuditEvent(complaint_id=cid, seq=2, at=LONG_AGO, action="stage", actor_id="system",
                               actor_role="system", stage="closed"))
        session.add(Notification(key=f"{cid}/ack", complaint_id=cid, recipient_kind="customer", recipient="C-1",
                                 channel="sms", template="acknowledgement", body="您的投诉已受理，张三",
                                 created_at=LONG_AGO, params=json.dumps({"cid": cid})))
        session.add(CustomerUpload(id=f"up_{cid.lower()}x", complaint_id=cid, form_key="k", place=0,
                                   media_type="image/png", size=3, content=b"png", received_at=LONG_AGO))
        session.add(RedressRow(id=f"{cid}-R1", complaint_id=cid, department="operations", amount=Decimal("300.00"),
                               currency="CNY", purpose="退还张三的年费", decided_at=LONG_AGO, decided_by="E1",
                               status="reversed", reversed_at=LONG_AGO, reversed_by="S1", reversed_reason="张三销户"))
        session.commit()


def _figures(row: ComplaintRow) -> tuple:
    return (row.channel, row.department, row.business_type, row.level, row.outcome, row.received_at, row.closed_at,
            row.csat, row.breached, row.first_responder_id)


async def test_the_sweep_erases_what_is_past_retention_and_keeps_what_is_held_or_not_due(client, workers, engine):
    due, held = seed(engine, LONG_AGO, "operations"), seed(engine, LONG_AGO, "operations")
    recent = seed(engine, datetime.now(UTC) - timedelta(days=30), "operations")
    for cid in (due, held, recent):
        _with_trail(engine, cid)
    retention.hold(engine, held, "诉讼中", "S001", datetime.now(UTC))
    before = {cid: _figures(rows(engine, ComplaintRow, id=cid)[0]) for cid in (due, held, recent)}

    erased = await client.execute_workflow(RetentionWorkflow.run, id=f"retention-{uuid.uuid4().hex[:8]}",
                                           task_queue=workers["calm"])
    assert erased >= 1

    gone = rows(engine, ComplaintRow, id=due)[0]
    assert gone.erased_at is not None
    assert [getattr(gone, c) for c in retention.PERSONAL] == [""] * len(retention.PERSONAL)
    assert gone.customer_masked == retention.ERASED and gone.external_ref == retention.ERASED
    assert _figures(gone) == before[due]  # every figure of the month's reports and returns stays
    assert {(n.recipient, n.body) for n in rows(engine, Notification, complaint_id=due)} == \
        {(retention.ERASED, retention.ERASED)}
    assert rows(engine, CustomerUpload, complaint_id=due) == []  # the images sent on the customer's page go
    money = rows(engine, RedressRow, complaint_id=due)[0]  # the amount and its dates are figures; the words go
    assert (money.amount, money.decided_at, money.purpose, money.reversed_reason) == \
        (Decimal("300.00"), money.decided_at, retention.ERASED, retention.ERASED) and money.decided_at is not None
    trail = {e.seq: e for e in rows(engine, AuditEvent, complaint_id=due)}
    assert trail[1].detail == retention.ERASED and trail[1].code_values == "{}" and trail[1].action == "add_note"
    assert trail[2].action == "stage" and trail[2].at == LONG_AGO  # what happened and when stays
    for kept in (held, recent):
        row = rows(engine, ComplaintRow, id=kept)[0]
        assert row.erased_at is None and row.customer_name == "张三" and row.text == "我的账户被冻结了"
        assert "张三" in rows(engine, AuditEvent, complaint_id=kept, seq=1)[0].detail
        assert len(rows(engine, CustomerUpload, complaint_id=kept)) == 1
        assert rows(engine, RedressRow, complaint_id=kept)[0].purpose == "退还张三的年费"

    # Lifted, the hold no longer keeps it: the next sweep erases it too; a second sweep finds nothing twice.
    assert retention.release(engine, held)
    await client.execute_workflow(RetentionWorkflow.run, id=f"retention-{uuid.uuid4().hex[:8]}",
                                  task_queue=workers["calm"])
    assert rows(engine, ComplaintRow, id=held)[0].erased_at is not None
    assert retention.erase(engine, held, datetime.now(UTC)) is False
    assert due not in retention.expired(engine, datetime.now(UTC), timedelta(days=1095), limit=10_000)


async def test_a_supervisor_places_and_lifts_a_hold_through_the_api_and_only_a_supervisor(api):
    cid = f"RT{uuid.uuid4().int % 10**10:010d}"  # a reference as the door takes it
    with Session(api.ctx.engine) as session:
        session.add(ComplaintRow(id=cid, workflow_id=f"complaint-{cid}", channel="hotline", external_ref="RT-1",
                                 customer_id="", customer_masked="张*", tier="standard", text="", received_at=LONG_AGO,
                                 first_responder_id="E207", owner_id="E207", department="operations", stage="closed",
                                 closed_at=LONG_AGO))
        session.commit()
    async with api.http() as h:
        handler = await h.post(f"/v1/complaints/{cid}/legal-hold", json={"reason": "诉讼"}, headers=await api.as_("E207"))
        assert handler.status_code == 403
        for _ in range(2):  # sent again after a lost answer: the same hold
            r = await h.post(f"/v1/complaints/{cid}/legal-hold", json={"reason": "诉讼"}, headers=await api.as_("S001"))
            assert r.status_code == 200 and r.json()["held"] and r.json()["held_by"] == "S001"
        assert len(rows(api.ctx.engine, LegalHold, complaint_id=cid)) == 1
        empty = await h.post(f"/v1/complaints/{cid}/legal-hold", json={"reason": ""}, headers=await api.as_("S001"))
        assert empty.status_code == 422
        nowhere = await h.post("/v1/complaints/XX0000000000/legal-hold", json={"reason": "x"},
                               headers=await api.as_("S001"))
        assert nowhere.status_code == 404
        r = await h.post(f"/v1/complaints/{cid}/legal-hold/release", headers=await api.as_("S001"))
        assert r.status_code == 200 and not r.json()["held"]
    assert rows(api.ctx.engine, LegalHold, complaint_id=cid) == []


async def test_a_supervisor_holds_and_releases_on_the_complaints_page(api, browser):
    cid = await submitted_in_handle(api, intake_body(LOST_CARD, f"HL-{uuid.uuid4().hex[:10]}"), api.channel("hotline"))
    page = await signed_in(browser, api, "S001")
    bad = failures(page)
    await page.goto(f"/ui/complaints/{cid}")
    section = page.locator(f"#records-{cid}")
    await expect(section).to_contain_text("结案后保存 1095d")
    await section.get_by_label("保全原因").fill("客户已起诉，法院调取记录")
    await section.get_by_role("button", name="设置法律保全").click()
    await expect(page.locator(f"#records-{cid} [data-held=true]")).to_contain_text("客户已起诉，法院调取记录")
    await expect(page.locator(f"#records-{cid} .flash")).to_have_text("已设置法律保全")
    assert rows(api.ctx.engine, LegalHold, complaint_id=cid)[0].held_by == "S001"
    await page.locator(f"#records-{cid}").get_by_role("button", name="解除法律保全").click()
    await expect(page.locator(f"#records-{cid} .flash")).to_have_text("已解除法律保全")
    assert rows(api.ctx.engine, LegalHold, complaint_id=cid) == []
    assert bad == []
