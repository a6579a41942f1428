"""The regulator's codes (JR/T 0169-2018): the table, the proposal, and the decision that confirms or corrects
them. Pure tables first; then one complaint through a real Temporal server and the API."""
from datetime import timedelta

import pytest
from pydantic import ValidationError

from models import codes
from models import messages as m
from models.codes import CodeTable
from models.policy import Policy
from models.state import RegulatorCodes
from tests.actors import DECISION
from tests.test_case import new_case
from tests.test_rules import NOW, OWNER
from workflows.contract import propose_response

TABLE = codes.load()


@pytest.mark.parametrize("text, intake, want", [
    # the most distinct words win, per dimension
    ("手机银行转账一直显示处理中，钱扣了对方没到账", None, ("A1033", "B04", "C02")),
    ("柜员态度很差，办理存款时一直不耐烦", None, ("A101", "B01", "C01")),
    ("ATM机吞卡了", None, ("A102", "B03", "C02")),
    ("催收公司天天打电话骚扰我的家人", None, ("A2", "B07", "C01")),
    ("理财经理宣传保本，结果亏损了", None, ("A101", "B08", "C04")),
    # no word for the channel: the channel it came in by suggests one, else the branch (the fallback)
    ("年费被多收了", "app", ("A1033", "B03", "C99")),
    ("年费被多收了", "wechat", ("A1034", "B03", "C99")),
    ("年费被多收了", "hotline", ("A101", "B03", "C99")),
    # no word at all: the fallbacks (其他)
    ("我要投诉", None, ("A101", "B99", "C99")),
    # a tie goes to the code listed first (借记卡 B03 against 存款 B01: B01 is listed first)
    ("借记卡存款", None, ("A101", "B01", "C99")),
    # English words too, case folded
    ("The ATM kept my CREDIT CARD", None, ("A102", "B03", "C99")),
])
def test_the_proposal_takes_the_code_with_most_words_then_the_first_then_the_fallback(text, intake, want):
    got = TABLE.propose(text, intake)
    assert (got.channel, got.business, got.reason) == want
    assert got.proposed == list(want) and got.table == TABLE.version and got.confirmed_by is None


def test_the_proposal_keeps_its_evidence_per_code():
    got = TABLE.propose("手机银行转账一直显示处理中，钱扣了对方没到账")
    assert got.words("channel") == ["手机银行"] and set(got.words("business")) == {"到账", "转账"}
    assert "处理中" in got.words("reason")
    assert TABLE.propose("年费被多收了", "app").words("channel") == ["intake:app"]
    assert TABLE.propose("年费被多收了", "hotline").evidence == ["B03:年费"]  # no intake suggests it: the fallback
    assert TABLE.propose("我要投诉").evidence == []


def _table(**dims) -> dict:
    base = {"version": "t@1", "channel": [{"code": "A1", "zh": "甲", "en": "a", "fallback": True}],
            "business": [{"code": "B1", "zh": "乙", "en": "b", "fallback": True}],
            "reason": [{"code": "C1", "zh": "丙", "en": "c", "fallback": True}]}
    return {**base, **dims}


@pytest.mark.parametrize("change, error", [
    ({"reason": [{"code": "C1", "zh": "丙", "en": "c", "fallback": True}, {"code": "C1", "zh": "丁", "en": "d"}]},
     "reason: a code is listed twice"),
    ({"business": [{"code": "B1", "zh": "乙", "en": "b"}]}, "business: exactly one code must be marked fallback"),
    ({"business": [{"code": "B1", "zh": "乙", "en": "b", "fallback": True},
                   {"code": "B2", "zh": "戊", "en": "e", "fallback": True}]}, "exactly one code must be marked"),
    ({"channel": [{"code": "a1", "zh": "甲", "en": "a", "fallback": True}]}, "pattern"),
])
def test_a_bank_s_table_is_checked_when_it_loads(change, error):
    CodeTable.model_validate(_table())
    with pytest.raises(ValidationError, match=error):
        CodeTable.model_validate(_table(**change))


def test_the_shipped_table_names_the_standard_s_public_categories():
    names = {dim: {c.zh for c in TABLE.codes(dim)} for dim in codes.DIMENSIONS}
    assert {"人民币储蓄", "贷款", "银行卡", "支付结算", "人民币管理", "个人金融信息", "其他"} <= names["business"]
    assert {"服务态度及服务质量", "服务设施、设备、业务系统", "管理制度、业务规则与流程", "营销方式", "信息披露",
            "产品收益", "自主选择权", "合同条款", "消费者资金安全", "消费者信息安全", "其他"} == names["reason"]
    assert {"营业现场", "自助机具", "第三方渠道"} <= names["channel"]
    assert TABLE.ids().business == [c.code for c in TABLE.codes("business")] and TABLE.ids().table == TABLE.version
    assert TABLE.name("reason", "C05", "en") == "Information disclosure" and TABLE.name("reason", "Z9") == "Z9"
    assert TABLE.name("reason", "C05") == TABLE.name("reason", "C05", "zh") == "信息披露"


PINNED = Policy(codes=TABLE.ids())
CODED = RegulatorCodes(channel="A1033", business="B03", reason="C02", table=TABLE.version,
                       proposed=["A1033", "B03", "C02"], evidence=["B03:信用卡"])


def _decision(**codes_given) -> m.ProposeResponse:
    parts = {k: v for k, v in DECISION.items() if not k.endswith("_code")}
    return m.ProposeResponse(actor=OWNER, text="非常抱歉。经核实，已为您退还。我们将回访。", **{**parts, **codes_given})


@pytest.mark.parametrize("given, refused", [
    ({"channel_code": "A1033", "business_code": "B03", "reason_code": "C05"}, None),
    ({"business_code": "B03", "reason_code": "C05"}, "the decision needs channel_code"),
    ({}, "the decision needs channel_code, business_code, reason_code"),
    ({"finding": None}, "the decision needs finding, channel_code, business_code, reason_code"),
    ({"channel_code": "A1033", "business_code": "B77", "reason_code": "C05"},
     "business_code 'B77' is not in the regulator's code table; one of: B01, B02"),
    ({"channel_code": "A9", "business_code": "B03", "reason_code": "C05"}, "channel_code 'A9' is not in"),
    ({"channel_code": "A1033", "business_code": "B03", "reason_code": "C12"}, "reason_code 'C12' is not in"),
])
def test_a_coded_complaint_s_decision_carries_codes_from_its_pinned_table(given, refused):
    s = new_case(accepted=True, work_orders=[], clocks=[], codes=CODED).s
    said = propose_response(_decision(**given), s, PINNED, NOW)
    assert (said is None) if refused is None else (said is not None and said.startswith(refused)), said


def test_a_complaint_coded_before_the_codes_or_by_no_table_is_not_held_to_them():
    uncoded = new_case(accepted=True, work_orders=[], clocks=[]).s
    assert propose_response(_decision(), uncoded, PINNED, NOW) is None
    coded = new_case(accepted=True, work_orders=[], clocks=[], codes=CODED).s
    assert propose_response(_decision(channel_code="X1", business_code="Y2", reason_code="Z3"), coded, Policy(),
                            NOW) is None  # nothing pinned: nothing checked against it


@pytest.mark.parametrize("given, action, after", [
    ({"channel_code": "A1033", "business_code": "B03", "reason_code": "C02"}, "codes_confirmed",
     ["A1033", "B03", "C02"]),
    ({"channel_code": "A1033", "business_code": "B03", "reason_code": "C05"}, "codes_corrected",
     ["A1033", "B03", "C05"]),
])
def test_the_decision_confirms_the_codes_or_records_their_correction(given, action, after):
    c = new_case(accepted=True, work_orders=[], clocks=[], codes=CODED.model_copy(deep=True))
    c.apply("propose_response", _decision(**given), NOW, NOW + timedelta(days=3))
    k = c.s.codes
    assert k is not None and [k.channel, k.business, k.reason] == after and k.proposed == ["A1033", "B03", "C02"]
    assert (k.confirmed_by, k.confirmed_at, k.corrected()) == (OWNER.id, NOW, action == "codes_corrected")
    coded = [e for e in c.take().events if e.action.startswith("codes_")]
    assert [e.action for e in coded] == [action] and coded[0].actor_id == OWNER.id
    assert coded[0].values["codes"] == "A1033 · B03 · C02"


async def test_a_complaint_is_coded_at_analysis_and_its_decision_corrects_a_code_on_record(client, workers, engine,
                                                                                        tmp_path, cipher):
    """Through a real server: the proposal with its evidence on the complaint and its row; a code the pinned
    table lacks refused, naming the field; the decision's correction on the row, the trail and the training
    rows."""
    import csv

    from api import service
    from classifier.corrections import export_corrections
    from models.tables import AuditEvent, ComplaintRow
    from tests.actors import GOOD_RESPONSE, HANDLER
    from tests.conftest import eventually, rows
    from tests.helpers import submit

    cid = await submit(client, workers["calm"], "手机银行转账一直显示处理中，对方没到账，客服态度也差")
    s = await service.send(client, cid, "accept", m.Accept(actor=HANDLER))
    assert s.codes is not None and s.codes.proposed == ["A1033", "B04", "C02"] and "B04:转账" in s.codes.evidence
    await eventually(lambda: rows(engine, ComplaintRow, id=cid)[0].code_business == "B04")
    assert rows(engine, ComplaintRow, id=cid)[0].codes_confirmed is False
    parts = {k: v for k, v in DECISION.items() if not k.endswith("_code")}
    with pytest.raises(service.ComplaintError, match="reason_code 'C42' is not in the regulator's code table"):
        await service.send(client, cid, "propose_response", m.ProposeResponse(
            actor=HANDLER, text=GOOD_RESPONSE, **parts, channel_code="A1033", business_code="B04", reason_code="C42"))
    with pytest.raises(service.ComplaintError, match="the decision needs channel_code, business_code, reason_code"):
        await service.send(client, cid, "propose_response", m.ProposeResponse(actor=HANDLER, text=GOOD_RESPONSE,
                                                                              **parts))
    s = await service.send(client, cid, "propose_response", m.ProposeResponse(
        actor=HANDLER, text=GOOD_RESPONSE, **parts, channel_code="A1033", business_code="B04", reason_code="C01"))
    assert s.codes is not None and s.codes.reason == "C01" and s.codes.confirmed_by == HANDLER.id

    def on_record():
        row = rows(engine, ComplaintRow, id=cid)[0]
        return (row.code_channel, row.code_business, row.code_reason, row.codes_confirmed)

    await eventually(lambda: on_record() == ("A1033", "B04", "C01", True))
    trail = [e for e in rows(engine, AuditEvent, complaint_id=cid) if e.action.startswith("codes_")]
    assert [(e.action, e.actor_id) for e in trail] == [("codes_corrected", HANDLER.id)]
    out = tmp_path / "corrections.csv"
    export_corrections(engine, out, cipher)
    with out.open(encoding="utf-8-sig", newline="") as f:
        exported = {r["complaint_id"]: r for r in csv.DictReader(f)}
    assert exported[cid]["reason_code"] == "C01" and "手机银行" in exported[cid]["text"]
