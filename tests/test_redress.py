"""Redress: the money a decision gives, a second person's approval above the policy's limit, and the ledger
that records it paid or reversed. Pure rules first, then through a real server, the API and its database."""
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from api.problems import Refused
from models import messages as m
from models.policy import Policy, Redress
from models.state import RedressApproval
from tests.actors import DECISION, GOOD_RESPONSE, HANDLER, REVIEWER_A, SUPERVISOR
from tests.test_case import new_case
from tests.test_rules import NOW, OWNER
from workflows.contract import approve_redress, propose_response

PARTS = {k: v for k, v in DECISION.items() if not k.startswith("redress_")}


@pytest.mark.parametrize("amount, currency, needs", [
    ("5000", "CNY", False), ("5000.01", "CNY", True), ("0.01", "CNY", False), ("10", "USD", True),
])
def test_the_limit_is_per_currency_and_a_currency_without_one_always_needs_approval(amount, currency, needs):
    assert Redress().needs_approval(Decimal(amount), currency) is needs


def _decision(actor=OWNER, **changes) -> m.ProposeResponse:
    return m.ProposeResponse(actor=actor, text=GOOD_RESPONSE, **{**PARTS, **changes})


def _approved(amount: str, by: str = SUPERVISOR.id, currency: str = "CNY") -> RedressApproval:
    return RedressApproval(amount=Decimal(amount), currency=currency, by=by, at=NOW)


@pytest.mark.parametrize("changes, approval, refused", [
    ({"redress_amount": "300", "redress_for": "退还年费"}, None, None),
    ({}, None, "the decision needs redress_amount"),
    ({"redress_amount": "300"}, None, "the decision needs redress_for"),
    ({"redress_amount": "300", "redress_for": "  "}, None, "the decision needs redress_for"),
    ({"relief": "explanation", "redress_amount": "300", "redress_for": "x"}, None,
     "only a decision of monetary relief gives money; this one's relief is explanation"),
    ({"relief": "explanation"}, None, None),
    ({"redress_amount": "6000", "redress_for": "赔偿"}, None, "a redress of 6000 CNY is above the policy's limit: a "
     "second person's approve_redress of at least that much is needed first (approved so far: none)"),
    ({"redress_amount": "6000", "redress_for": "赔偿"}, _approved("5999.99"), "(approved so far: 5999.99 CNY)"),
    ({"redress_amount": "6000", "redress_for": "赔偿"}, _approved("6000", currency="USD"), "above the policy's limit"),
    ({"redress_amount": "6000", "redress_for": "赔偿"}, _approved("6000", by=OWNER.id),
     f"{OWNER.id} handles or decides this complaint"),
    ({"redress_amount": "6000", "redress_for": "赔偿"}, _approved("6000"), None),
    ({"redress_amount": "5500", "redress_for": "赔偿"}, _approved("6000"), None),
    ({"redress_amount": "10", "redress_currency": "USD", "redress_for": "fee"}, None, "above the policy's limit"),
])
def test_money_goes_with_monetary_relief_and_above_the_limit_only_as_far_as_another_approved(changes, approval,
                                                                                            refused):
    s = new_case(accepted=True, work_orders=[], clocks=[], redress_approval=approval).s
    said = propose_response(_decision(**changes), s, Policy(), NOW)
    assert (said is None) if refused is None else (said is not None and refused in said), said


def test_the_owner_does_not_approve_their_own_complaint_s_money():
    s = new_case(accepted=True, work_orders=[], clocks=[]).s
    assert approve_redress(m.ApproveRedress(actor=SUPERVISOR, amount="9000"), s, Policy(), NOW) is None
    said = approve_redress(m.ApproveRedress(actor=OWNER, amount="9000"), s, Policy(), NOW)
    assert str(said) == f"{OWNER.id} handles or decides this complaint: the redress is approved by someone else"


def test_the_decision_writes_a_ledger_line_spends_the_approval_and_tells_the_amount():
    c = new_case(accepted=True, work_orders=[], clocks=[])
    c.apply("approve_redress", m.ApproveRedress(actor=SUPERVISOR, amount="8000", note="已核实损失"), NOW)
    c.apply("propose_response", _decision(redress_amount="7500.5", redress_for="赔偿利息损失"), NOW,
            NOW + timedelta(days=3))
    line = c.s.redresses[-1]
    assert (line.id, line.amount, line.currency, line.purpose, line.approved_by, line.decided_by) == \
        (f"{c.s.complaint_id}-R1", Decimal("7500.5"), "CNY", "赔偿利息损失", SUPERVISOR.id, OWNER.id)
    assert c.s.redress_approval is None  # spent: a second decision's money is approved again
    out = c.take()
    notice = next(n for n in out.notifications if n.template == "decision")
    assert "给予经济补偿 7500.5 CNY" in notice.body and notice.params["money"] == " 7500.5 CNY"
    assert [e.action for e in out.events if e.action in ("approve_redress", "redress")] == ["approve_redress", "redress"]
    c2 = new_case(accepted=True, work_orders=[], clocks=[])
    c2.apply("propose_response", _decision(redress_amount="300", redress_for="退费"), NOW, NOW + timedelta(days=3))
    assert c2.s.redresses[-1].approved_by is None  # within the limit: nobody else's approval


async def test_a_large_redress_approved_decided_paid_and_reversed_on_the_ledger(api, client, workers, engine):
    """Through the server: the decision above the limit refused until a reviewer approves; its line on the
    ledger; marked paid once (the same reference again is the same mark, another is a conflict), never by
    its decider; reversed; the month's totals by the date of each step."""
    from api import service
    from models.tables import RedressRow
    from tests.conftest import eventually, rows
    from tests.helpers import submit

    cid = await submit(client, workers["calm"], "信用卡被错误扣收违约金八千元，要求赔偿损失")
    await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    big = {**PARTS, "redress_amount": "8000", "redress_for": "退还误扣违约金"}
    with pytest.raises(service.ComplaintError, match="above the policy's limit"):
        await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE,
                                                                              **big))
    with pytest.raises(service.ComplaintError, match="supervisor"):  # a reviewer reviews disposals, not money
        await service.send(client, cid, "approve_redress", m.ApproveRedress(actor=REVIEWER_A, amount="8000"))
    await service.send(client, cid, "approve_redress", m.ApproveRedress(actor=SUPERVISOR, amount="8000"))
    await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE,
                                                                          **big))
    await eventually(lambda: bool(rows(engine, RedressRow, complaint_id=cid)))
    line = rows(engine, RedressRow, complaint_id=cid)[0]
    assert (line.id, line.amount, line.approved_by, line.decided_by, line.status) == \
        (f"{cid}-R1", Decimal("8000.00"), SUPERVISOR.id, HANDLER.id, "approved")
    month = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    async with api.http() as h:
        sup = await api.as_("S001")
        from api import redress

        with pytest.raises(Refused) as own:  # who decided it never marks it paid
            redress.mark_paid(engine, f"{cid}-R1", "PAY-77", HANDLER.id, datetime.now(UTC))
        assert own.value.reason.code == "own_redress"
        r = await h.post(f"/v1/redress/{cid}-R1/paid", json={"reference": "PAY-77"}, headers=sup)
        assert r.status_code == 200 and r.json()["paid_by"] == "S001"
        again = await h.post(f"/v1/redress/{cid}-R1/paid", json={"reference": "PAY-77"}, headers=sup)
        assert again.status_code == 200 and again.json()["paid_at"] == r.json()["paid_at"]  # the same mark
        with pytest.raises(Refused) as another:
            redress.mark_paid(engine, f"{cid}-R1", "PAY-78", "S002", datetime.now(UTC))
        assert another.value.status == 409 and another.value.reason.code == "redress_status"
        r = await h.get(f"/v1/redress/{month}", headers=sup)
        assert r.status_code == 200, r.text
        ledger = r.json()
        assert f"{cid}-R1" in [x["id"] for x in ledger["lines"]]
        cny = ledger["totals"]["CNY"]
        assert Decimal(cny["decided"]) >= Decimal("8000") and cny["paid_count"] >= 1
        r = await h.post(f"/v1/redress/{cid}-R1/reversed", json={"reason": "客户账户已销户，款项退回"}, headers=sup)
        assert r.status_code == 200 and r.json()["status"] == "reversed"
        r = await h.post(f"/v1/redress/{cid}-R1/reversed", json={"reason": "another"}, headers=sup)
        assert r.status_code == 409 and r.json()["code"] == "redress_status"
        r = await h.get(f"/v1/redress/{month}?format=csv", headers=sup)
        assert r.status_code == 200 and f"{cid}-R1" in r.text and "reversed" in r.text
        r = await h.post("/v1/redress/HL0000000000-R9/paid", json={"reference": "x"}, headers=sup)
        assert r.status_code == 404 and r.json()["code"] == "no_redress"
