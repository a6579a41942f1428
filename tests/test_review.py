"""The customer's review (核查) of a decision, through the front door on the dev server: the decision notice
with its remedies and last day, the application through the channel (twice is one review), the review on the
higher-level unit's desk with its own 30-day clock, recusal of the decider, the review's decision and the
notice that offers no second review; refusals for an undecided, an open, a late and a review's review."""
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.async_api import expect
from sqlmodel import Session
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest

from api import service
from api.review_rules import Decided, recused, review_refusal
from models.intake import workflow_id_for
from models.tables import ComplaintRow, Notification
from tests.actors import DECISION, GOOD_RESPONSE
from tests.browser import serious_violations, signed_in
from tests.conftest import eventually, rows
from tests.replay import check_replay
from tests.test_front_door import intake_body, submitted_in_handle
from tests.test_workbench import _act
from tests.test_workbench_desk import FEES, failures

NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def someone() -> dict:
    """A customer of this test alone: the suite's shared customer has so many complaints that a new one of
    theirs is a repeat customer's, more urgent, and (level I) a major complaint that waits for approve_close."""
    return {"id": f"C-{uuid.uuid4().hex[:8]}", "name": "孙丽", "phone": "13500135000", "tier": "standard"}


def row(**over) -> Decided:
    base = dict(id="HL0000000001", workflow_id="w", channel="hotline", external_ref="r", customer_masked="王*",
                received_at=NOW - timedelta(days=9), first_responder_id="hotline-desk", owner_id="H501",
                department="credit-card-centre", stage="closed", decided_at=NOW - timedelta(days=5),
                decided_by="S001", review_by=NOW + timedelta(days=25))
    return Decided.of_row(ComplaintRow(**{**base, **over}))


@pytest.mark.parametrize("over, code", [
    ({}, None),
    ({"review_by": NOW}, None),                                   # the last moment itself is in time
    ({"review_by": NOW - timedelta(seconds=1)}, "review_late"),
    ({"decided_at": None}, "review_undecided"),
    ({"stage": "verify"}, "review_open"),
    ({"review_of": "HL0000000000"}, "review_of_review"),
    ({"review_by": None}, None),                                  # no last day kept: never late
])
def test_when_a_decision_may_be_reviewed(over, code):
    found = review_refusal(row(**over), NOW, "Asia/Shanghai")
    assert (found.code if found else None) == code
    assert found is None or found.values["complaint"] == "HL0000000001"


def test_the_read_model_row_gives_the_review_what_the_live_state_would():
    """Past Temporal's retention the row stands in for the state: the department that decided (whose higher
    unit reviews) and the finding (the review's own record of what it reviews) come from it."""
    decided = row(finding="partly_upheld")
    assert (decided.department, decided.finding, decided.owner_id, decided.decided_by) == \
        ("credit-card-centre", "partly_upheld", "H501", "S001")


def test_a_late_application_is_told_the_day_it_was_due_in_the_bank_s_zone():
    late = review_refusal(row(review_by=datetime(2026, 12, 5, 16, 0, tzinfo=UTC)), NOW, "Asia/Shanghai")
    assert late is not None and "2026-12-05 24:00" in late


def test_who_stays_out_of_a_review():
    assert recused(row(first_responder_id="E207", close_approved_by="S009")) == ["H501", "E207", "S001", "S009"]
    assert recused(row(decided_by="H501")) == ["H501", "hotline-desk"]


async def _notice(engine, cid: str, template: str) -> Notification:
    async def found():
        got = rows(engine, Notification, complaint_id=cid, template=template)
        return got[0] if got else None
    return await eventually(found)


async def test_a_customer_asks_for_a_review_and_the_higher_level_unit_decides_it(api, engine, client):
    hotline = api.channel("hotline")
    cid = await submitted_in_handle(api, intake_body(FEES, f"RV-{uuid.uuid4().hex[:10]}", customer=someone()), hotline)
    async with api.http() as h:
        async def post(who, complaint: str, name: str, **body):
            headers = who if isinstance(who, dict) else await api.as_(who)
            return await h.post(f"/v1/complaints/{complaint}/{name}", json=body, headers=headers)

        assert (await post("H501", cid, "accept")).status_code == 200
        # Before any decision there is nothing to review.
        early = await post(hotline, cid, "review", reason="不同意")
        assert early.status_code == 422 and early.json()["code"] == "review_undecided", early.text
        # A decision without its basis is refused, naming what is missing.
        bare = await post("S001", cid, "propose_response", text=GOOD_RESPONSE, **{**DECISION, "basis": ""})
        assert bare.status_code == 422 and bare.json()["code"] == "decision_incomplete", bare.text
        assert bare.json()["values"] == {"parts": "basis"}
        decided = await post("S001", cid, "propose_response", text=GOOD_RESPONSE, **DECISION)
        assert decided.status_code == 200, decided.text
        notice = await _notice(engine, cid, "decision")
        assert notice.params and "review_by" in notice.params
        open_ = await post(hotline, cid, "review", reason="不同意")
        assert open_.status_code == 422 and open_.json()["code"] == "review_open"
        closed = await post(hotline, cid, "customer_feedback", satisfied=True, csat=3)
        assert closed.json()["stage"] == "closed", closed.text

        async def decided_row():
            r = rows(engine, ComplaintRow, id=cid)
            return r[0] if r and r[0].review_by and r[0].stage == "closed" else None
        original = await decided_row() or await eventually(decided_row)
        assert original.finding == "upheld" and original.relief == "monetary" and original.decided_by == "S001"
        assert original.review_by - original.decided_at <= timedelta(days=31)

        # The customer disagrees: their channel asks for the review; a retry reaches the same one.
        asked = await post(hotline, cid, "review", reason="年费仍未退还，不同意处理决定")
        assert asked.status_code == 201, asked.text
        rid = asked.json()["complaint_id"]
        assert asked.json()["review_of"] == cid and asked.json()["department"] == "head-office" and rid != cid
        again = await post(hotline, cid, "review", reason="年费仍未退还，不同意处理决定")
        assert again.status_code == 200 and again.json()["complaint_id"] == rid and again.json()["created"] is False
        # A person may not ask for it for the app's or the hotline's customer from a desk that cannot key it in.
        assert (await post("R010", cid, "review", reason="x")).status_code == 403

        sup = await api.as_("S001")

        async def in_review():
            s = await h.get(f"/v1/complaints/{rid}", headers=sup)
            return s.json() if s.status_code == 200 and s.json()["stage"] == "handle" else None
        review = await eventually(in_review)
        assert review["department"] == "head-office" and review["review_of"]["complaint_id"] == cid
        assert set(review["review_of"]["recused"]) >= {"S001", "H501"}
        clocks = {c["name"]: c for c in review["clocks"]}
        assert set(clocks) == {"review"}  # its own limit alone
        received = datetime.fromisoformat(review["received_at"])
        assert timedelta(days=30) < datetime.fromisoformat(clocks["review"]["due_at"]) - received <= timedelta(days=31)
        assert (await _notice(engine, rid, "review_received")).body.count(cid) >= 1

        # Recusal: the supervisor who made the decision takes no part in its review.
        barred = await post("S001", rid, "accept")
        assert barred.status_code == 403 and barred.json()["code"] == "recused", barred.text
        assert (await post("V001", rid, "accept")).status_code == 200
        unsaid = await post("V001", rid, "propose_response", text=GOOD_RESPONSE, **DECISION)
        assert unsaid.status_code == 422 and unsaid.json()["values"] == {"parts": "review"}
        done = await post("V001", rid, "propose_response", text=GOOD_RESPONSE, review="revised",
                          **{**DECISION, "finding": "partly_upheld"})
        assert done.status_code == 200 and done.json()["stage"] == "verify", done.text
        said = await _notice(engine, rid, "review_decision")
        assert "变更原处理决定" in said.body and "投诉部分成立" in said.body and "上级机构核查" not in said.body
        # A review's decision is the bank's last word: no review of the review.
        assert (await post(hotline, rid, "customer_feedback", satisfied=True, csat=4)).status_code == 200
        await eventually(lambda: rows(engine, ComplaintRow, id=rid)[0].stage == "closed")
        final = await post(hotline, rid, "review", reason="还是不同意")
        assert final.status_code == 422 and final.json()["code"] == "review_of_review"
    await check_replay(client, workflow_id_for(rid), "review")

    # Past Temporal's retention the read model answers for the complaint; past its last day the application is
    # refused with the day it was due (the row's date moved back, the history deleted as retention would).
    with Session(engine) as session:
        kept = session.get(ComplaintRow, cid)
        kept.review_by = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)  # 24:00 on 1 December in Shanghai
        session.add(kept)
        session.commit()
    await client.workflow_service.delete_workflow_execution(DeleteWorkflowExecutionRequest(
        namespace=client.namespace, workflow_execution=WorkflowExecution(workflow_id=workflow_id_for(cid))))

    async def forgotten():
        try:
            await service.state(client, cid)
        except service.ComplaintError:
            return True
        return False
    await eventually(forgotten, timeout=90)
    async with api.http() as h:
        late = await h.post(f"/v1/complaints/{cid}/review", json={"reason": "晚了"}, headers=hotline)
        assert late.status_code == 422 and late.json()["code"] == "review_late", late.text
        assert late.json()["values"]["due"] == "2026-12-01 24:00"


async def _decided_and_closed(api, engine, ref: str) -> str:
    """A hotline complaint decided by S001 and closed by the customer's feedback, through the API."""
    hotline = api.channel("hotline")
    cid = await submitted_in_handle(api, intake_body(FEES, ref, customer=someone()), hotline)
    async with api.http() as h:
        for who, name, body in (("H501", "accept", {}), ("S001", "propose_response", {"text": GOOD_RESPONSE, **DECISION})):
            r = await h.post(f"/v1/complaints/{cid}/{name}", json=body, headers=await api.as_(who))
            assert r.status_code == 200, r.text
        r = await h.post(f"/v1/complaints/{cid}/customer_feedback", json={"satisfied": True, "csat": 3}, headers=hotline)
        assert r.status_code == 200, r.text
    await eventually(lambda: rows(engine, ComplaintRow, id=cid)[0].review_by is not None)
    return cid


async def test_a_review_is_keyed_in_reviewed_and_decided_through_the_pages_in_chinese(api, engine, browser):
    cid = await _decided_and_closed(api, engine, f"RV-{uuid.uuid4().hex[:10]}")
    # The hotline's handler reads the decision and keys in the customer's review through the page's own form.
    desk = await signed_in(browser, api, "H501")
    bad = failures(desk)
    await desk.goto(f"/ui/complaints/{cid}")
    decision = desk.locator("[data-decision]")
    await expect(decision).to_contain_text("投诉成立")
    await expect(decision).to_contain_text("给予经济补偿")
    await expect(decision).to_contain_text(DECISION["basis"])
    await expect(desk.locator("[data-review-by]")).to_contain_text("24:00")
    await desk.locator("form[data-form=review] textarea[name=reason]").fill("客户认为年费仍未退还")
    await desk.locator("form[data-form=review] button[type=submit]").click()
    await expect(desk.locator("[data-review-started]")).to_contain_text("总行消费者权益保护部")
    reviewed = desk.locator("[data-reviewed-in]")
    await expect(reviewed).to_contain_text("客户已申请核查")
    rid = await reviewed.get_attribute("data-reviewed-in")
    assert rid and rid != cid and await desk.locator("form[data-form=review]").count() == 0
    assert bad == []

    # The decider is recused: the review's page offers them no way to take it.
    decider = await signed_in(browser, api, "S001")
    await decider.goto(f"/ui/complaints/{rid}")
    await expect(decider.locator("[data-review-of]")).to_contain_text(cid)
    await expect(decider.locator("[data-review-of]")).to_contain_text("回避")
    assert await decider.locator('details[data-action="accept"]').count() == 0
    assert await decider.locator('details[data-action="propose_response"]').count() == 0

    # The higher-level unit takes it and decides it through the form, choosing the review's outcome.
    page = await signed_in(browser, api, "V001")
    bad = failures(page)
    await page.goto(f"/ui/complaints/{rid}")
    await expect(page.locator("[data-clock=review]")).to_contain_text("核查决定")
    await _act(page, "accept")
    await expect(page.locator(".flash")).to_contain_text("受理")
    await _act(page, "propose_response", text=GOOD_RESPONSE, review="revised", finding="partly_upheld",
               relief="non_monetary", facts="年费已于核查期间退还", basis="《信用卡领用合约》", reasons="原决定未核实退款到账")
    await expect(page.locator(".flash")).to_contain_text("发送回复")
    await expect(page.locator("[data-review-outcome]")).to_have_text("变更原处理决定")
    await expect(page.locator("[data-decision]")).to_contain_text("投诉部分成立")
    assert await page.locator("[data-review-by]").count() == 0  # a review's decision is not reviewed again
    await expect(page.locator('[data-template="review_decision"]')).to_contain_text("核查结论")
    assert bad == [] and await serious_violations(page) == []
    await in_english(page, f"/ui/complaints/{rid}")  # the review's page and its decision, in English too
    await expect(page.locator("[data-review-outcome]")).to_have_text("the decision is revised")
    await in_english(desk, f"/ui/complaints/{cid}")  # the decided complaint, with the review asked for


async def in_english(page, path: str) -> None:
    """The page in English (by its own language link) shows no Chinese of ours and no serious axe finding."""
    from tests.test_workbench_language import VISIBLE, strangers

    await page.goto(path)
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("main h1")).to_be_visible()
    await page.wait_for_load_state("networkidle")
    assert strangers(await page.evaluate(VISIBLE), "en") == [], path
    assert await serious_violations(page) == [], path
