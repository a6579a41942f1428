"""A complaint the regulator forwards and the report back (Order No. 5, Art. 44), through the front door on
the dev server: the referral's reference and date kept; the report prepared from the record only once there
is a decision, read as JSON and as a PDF in Chinese, approved by a supervisor who did not prepare it, marked
sent once and then kept as sent."""
import io
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from api import referrals
from complaints import retention
from models.tables import ComplaintRow, ReferralReport
from tests.actors import DECISION, GOOD_RESPONSE
from tests.conftest import eventually, rows
from tests.test_front_door import intake_body
from tests.test_review import in_english, someone
from tests.test_workbench_desk import FEES

REFERENCE = "京银保监投转〔2026〕88号"


async def referred(api, due: date) -> str:
    """A regulator's referral keyed in by H801, accepted and decided; its reference."""
    async with api.http() as h:
        body = intake_body(FEES, f"RG-{uuid.uuid4().hex[:10]}", channel="regulator", customer=someone(),
                           referral={"reference": REFERENCE, "due": due.isoformat()})
        r = await h.post("/v1/complaints", json=body, headers=await api.as_("H801"))
        assert r.status_code == 201, r.text
        return r.json()["complaint_id"]


async def test_a_referral_is_reported_back_approved_by_another_and_sent_once(api, engine):
    due = (datetime.now(UTC) + timedelta(days=10)).date()
    async with api.http() as h:
        wrong = intake_body(FEES, f"HL-{uuid.uuid4().hex[:10]}", referral={"reference": "X", "due": due.isoformat()})
        r = await h.post("/v1/complaints", json=wrong, headers=api.channel("hotline"))
        assert r.status_code == 422 and "regulator" in r.json()["detail"]

    cid = await referred(api, due)
    await eventually(lambda: (found := rows(engine, ComplaintRow, id=cid)) and found[0].stage == "handle")
    row = rows(engine, ComplaintRow, id=cid)[0]
    assert row.referral_ref == REFERENCE and row.referral_due == due
    async with api.http() as h:
        h801, s001 = await api.as_("H801"), await api.as_("S001")
        report = f"/v1/complaints/{cid}/referral-report"
        early = await h.post(report, json={"focus": "年费是否应退"}, headers=h801)
        assert early.status_code == 422 and early.json()["code"] == "referral_undecided", early.text
        for name, body in (("accept", {}), ("propose_response", {"text": GOOD_RESPONSE, **DECISION})):
            r = await h.post(f"/v1/complaints/{cid}/{name}", json=body, headers=h801)
            assert r.status_code == 200, r.text
        prepared = await h.post(report, json={"focus": "客户认为年费系误收，要求退还"}, headers=h801)
        assert prepared.status_code == 200 and prepared.json()["prepared_by"] == "H801", prepared.text
        raw = rows(engine, ReferralReport, complaint_id=cid)[0].content
        assert raw.startswith("f1:") and "年费" not in raw  # sealed at rest: it holds the complaint's text
        unsent = await h.post(f"{report}/sent", json={"via": "监管投诉处理系统"}, headers=s001)
        assert unsent.status_code == 422 and unsent.json()["code"] == "report_unapproved"

        doc = (await h.get(report, headers=h801)).json()["report"]
        assert doc["reference"] == REFERENCE and doc["regulator_due"] == due.isoformat()
        assert doc["focus"] == "客户认为年费系误收，要求退还" and doc["basic_facts"]["complaint"] == FEES
        assert doc["basis"]["basis"] == DECISION["basis"] and doc["basis"]["finding"] == "投诉成立"
        assert doc["investigation"]["facts_verified"] == DECISION["facts"]
        assert {"受理通知", "处理决定书"} <= {m["what"] for m in doc["communication"]}
        assert doc["extensions"]["count"] == 0 and doc["satisfaction"]["answered"] is False

        printed = await h.get(report, params={"format": "pdf"}, headers=h801)
        assert printed.status_code == 200 and printed.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.content)).pages)
        for said in ("监管转办投诉处理情况报告", REFERENCE, "二、争议焦点", "客户认为年费系误收", DECISION["basis"], "客户未评价"):
            assert said in text, said

        assert (await h.post(f"{report}/approve", headers=h801)).status_code == 403  # a handler approves nothing
        approved = await h.post(f"{report}/approve", headers=s001)
        assert approved.status_code == 200 and approved.json()["approved_by"] == "S001", approved.text
        sent = await h.post(f"{report}/sent", json={"via": "监管投诉处理系统"}, headers=s001)
        assert sent.status_code == 200 and sent.json()["sent_via"] == "监管投诉处理系统"
        again = await h.post(f"{report}/sent", json={"via": "另一种方式"}, headers=s001)
        assert again.json()["sent_at"] == sent.json()["sent_at"] and again.json()["sent_via"] == "监管投诉处理系统"
        late = await h.post(report, json={"focus": "改一下"}, headers=h801)
        assert late.status_code == 409 and late.json()["code"] == "report_sent"

        # Past retention the report's content goes with the rest of the personal data; its steps stay.
        assert retention.erase(engine, cid, datetime.now(UTC))
        gone = await h.get(report, headers=s001)
        assert gone.status_code == 410 and gone.json()["code"] == "report_erased"
        kept = rows(engine, ReferralReport, complaint_id=cid)[0]
        assert kept.sent_via == "监管投诉处理系统" and kept.approved_by == "S001"
        plain = await h.post(f"/v1/complaints/{cid[:2]}0000000000/referral-report", json={"focus": "x"}, headers=s001)
        assert plain.status_code in (403, 404)


def test_whoever_prepared_a_report_does_not_approve_it(engine):
    from sqlmodel import Session

    from models.tables import ReferralReport

    cid = f"RG{uuid.uuid4().int % 10**10:010d}"
    with Session(engine) as session:
        session.add(ReferralReport(complaint_id=cid, reference="R", content="", prepared_by="S001",
                                   prepared_at=datetime.now(UTC)))
        session.commit()
    with pytest.raises(referrals.Refused) as own:
        referrals.approve(engine, cid, "S001", datetime.now(UTC))
    assert own.value.status == 403 and own.value.reason.code == "own_report"
    assert referrals.approve(engine, cid, "S009", datetime.now(UTC)).approved_by == "S009"


async def test_the_report_back_is_prepared_approved_and_sent_through_the_page_in_chinese(api, engine, browser):
    from playwright.async_api import expect

    from tests.browser import signed_in
    from tests.test_workbench_desk import failures

    cid = await referred(api, (datetime.now(UTC) + timedelta(days=5)).date())
    await eventually(lambda: (found := rows(engine, ComplaintRow, id=cid)) and found[0].stage == "handle")
    async with api.http() as h:
        h801 = await api.as_("H801")
        for name, body in (("accept", {}), ("propose_response", {"text": GOOD_RESPONSE, **DECISION})):
            assert (await h.post(f"/v1/complaints/{cid}/{name}", json=body, headers=h801)).status_code == 200

    handler = await signed_in(browser, api, "H801")
    bad = failures(handler)
    await handler.goto(f"/ui/complaints/{cid}")
    section = handler.locator(f"#referral-{cid}")
    await expect(section).to_contain_text(REFERENCE)
    await section.locator("textarea[name=focus]").fill("年费是否属于误收")
    await section.locator("form[data-form=referral-prepare] button").click()
    await expect(handler.locator(f"#referral-{cid} .flash")).to_have_text("报告已生成，待主管审批")
    assert await handler.locator(f"#referral-{cid} form[data-form=referral-approve]").count() == 0  # not a handler's
    printed = await handler.request.get(f"/ui/complaints/{cid}/referral.pdf")
    assert printed.ok and (await printed.body()).startswith(b"%PDF")
    assert bad == []

    supervisor = await signed_in(browser, api, "S001")
    bad = failures(supervisor)
    await supervisor.goto(f"/ui/complaints/{cid}")
    # Two sections load beside each other on a supervisor's page (the records, the referral): both are drawn.
    await expect(supervisor.locator(f"#referral-{cid}")).to_contain_text(REFERENCE)
    await expect(supervisor.locator(f"#records-{cid}")).to_contain_text("1095d")
    await supervisor.locator(f"#referral-{cid} form[data-form=referral-approve] button").click()
    await expect(supervisor.locator(f"#referral-{cid} .flash")).to_have_text("报告已审批")
    await supervisor.locator(f"#referral-{cid} input[name=via]").fill("监管投诉处理系统")
    await supervisor.locator(f"#referral-{cid} form[data-form=referral-sent] button").click()
    await expect(supervisor.locator(f"#referral-{cid} .flash")).to_have_text("已记录报送")
    await expect(supervisor.locator(f"#referral-{cid} [data-report-state=sent]")).to_contain_text("监管投诉处理系统")
    assert await supervisor.locator(f"#referral-{cid} form").count() == 0  # sent: kept as it is
    assert bad == []
    await in_english(supervisor, f"/ui/complaints/{cid}")
    await expect(supervisor.locator(f"#referral-{cid} [data-report-state=sent]")).to_contain_text("Sent")
