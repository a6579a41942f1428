"""One vocabulary, two languages, as fast tables: every id the product shows has both names; every refusal
code reads back off its own sentence and says it in Chinese; timeline details and staff notices in words."""
import re
import string
import tomllib
from pathlib import Path

import pytest

from complaints.reconcile import ENDED
from models import reasons
from models.departments import load
from models.enums import Channel, Level, Outcome, Party, Role, Stage, Tier, WorkOrderStatus
from models.sla import ClockKind
from models.vocabulary import clock_name, method_name, name, tables
from web import timeline
from web.i18n import namer
from workflows.contract import CONTRACT
from workflows.script import PARTS

ROOT = Path(__file__).parent.parent
SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")
ZH_NAMED = namer("zh", load())
EN_NAMED = namer("en", load())
CLOCK_STATES = ["running", "warned", "breached", "met", "late", "paused", "stopped"]  # web/views.ClockView


def _taxonomy() -> dict:
    return tomllib.loads((ROOT / "classifier" / "taxonomy.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("kind, ids", [
    ("stage", [s.value for s in Stage]), ("clock", [k.value for k in ClockKind] + ["revisit"]),
    ("clock_state", CLOCK_STATES), ("tier", [t.value for t in Tier]), ("channel", [c.value for c in Channel]),
    ("role", [r.value for r in Role]), ("level", [v.value for v in Level]),
    ("work_order_status", [v.value for v in WorkOrderStatus]),
    ("outcome", [o.value for o in Outcome] + list(ENDED.values())),
    ("party", [p.name.lower() for p in Party]), ("script_part", list(PARTS)),
    ("business_type", list(_taxonomy()["departments"])),  # every label a complaint can carry, model's too
    ("problem_nature", [*_taxonomy()["natures"], "other"]),
    ("template", [k for k in tomllib.loads((ROOT / "delivery" / "templates.toml").read_text(encoding="utf-8"))]),
    ("notice", list(timeline.NOTICES)),
    ("event", [a for a in timeline.ENTRIES if a not in CONTRACT]),
])
def test_every_id_a_person_sees_has_both_names(kind, ids):
    table = tables()[kind]
    missing = [i for i in ids if i not in table]
    assert not missing, f"{kind}: no names for {missing}"
    for key in ids:
        zh, en = table[key]
        assert zh and en and not zh.isascii() and not SNAKE.search(en), (kind, key, zh, en)


def test_every_message_has_a_timeline_reading():
    assert set(CONTRACT) <= set(timeline.ENTRIES)


@pytest.mark.parametrize("kind, key, zh, en", [
    ("tier", "vip", "贵宾客户", "VIP"), ("channel", "reception_day", "行长接待日", "reception day"),
    ("business_type", "debit_account", "借记账户", "debit account"), ("problem_nature", "lost_card", "挂失", "lost card"),
    ("tier", Tier.PRIVATE, "私人银行客户", "private banking"), ("tier", None, "", ""),  # a member, nothing
    ("nowhere", "x_y", "x_y", "x_y"),  # nothing names it: the id itself, which the language test then finds
])
def test_a_name_in_each_language(kind, key, zh, en):
    assert (name(kind, key, "zh"), name(kind, key, "en")) == (zh, en)


@pytest.mark.parametrize("clock, zh, en", [
    ("first_response", "首次响应", "first response"),
    ("reply:WO-2", "工单答复 WO-2", "work order reply WO-2"),
    ("resolve#2", "不满意再处理（第 2 轮）", "dissatisfaction resolved (round 2)"),
])
def test_a_clock_key_reads_as_words(clock, zh, en):
    assert (clock_name(clock, "zh"), clock_name(clock, "en")) == (zh, en)


@pytest.mark.parametrize("method, zh", [("rules@6", "关键词规则"), ("vote@3f2a", "训练模型"),
                                        ("corrected by S001 (was rules@6)", "人工更正")])
def test_how_a_classification_was_made(method, zh):
    assert method_name(method, "zh") == zh
    assert method_name(method, "en") == name("method", {"关键词规则": "rules", "训练模型": "model"}.get(zh, "correction"),
                                             "en") and method_name(method, "en").isascii()


@pytest.mark.parametrize("code", sorted(reasons.REASONS))
def test_every_refusal_code_travels_with_its_values(code):
    en, zh = reasons.REASONS[code]
    fields = [f for _, f, _, _ in string.Formatter().parse(en) if f]
    assert {f for _, f, _, _ in string.Formatter().parse(zh) if f} <= set(fields), "Chinese names only what it reads"
    values = {f: f"v{i}" for i, f in enumerate(fields)}
    carried = reasons.why(code, **values).carried()
    assert (carried["code"], carried["values"]) == (code, values)
    assert reasons.Reason.of(carried) == reasons.why(code, **values)  # what a refusal's details bring back


@pytest.mark.parametrize("sentence, zh", [
    (reasons.why("dual_review", count=1), "紧急投诉须经两名复核人同意处置后才能回复客户（目前 1 人同意）"),
    (reasons.why("stage", message="accept", stage="verify", stages="handle"), "「受理」在「回访」阶段不能办理（仅限：处理）"),
    (reasons.why("work_order_open", work_order="WO-1", department="loans"),
     "发往个人贷款部的工单 WO-1 尚未答复：请等待答复或说明原因撤回"),
    (reasons.script_refusal([("prohibited", {"phrase": "不归我管"}), ("missing", {"part": "follow-up"})]),
     "回复含有禁用语「不归我管」；缺少「后续跟进」"),
    (reasons.why("not_yours", message="approve_close", who=Party.SUPERVISOR.value, actor="H801", role="handler",
                 department="operations"), "「批准结案」只能由主管办理；H801（经办人，运营管理部）不在其列"),
    (reasons.why("not_yours", message="approve_disposal", who=f"{Party.REVIEWER.value} or {Party.SUPERVISOR.value}",
                 actor="H801", role="handler", department="operations"),
     "「复核同意处置」只能由复核人或主管办理；H801（经办人，运营管理部）不在其列"),
    (reasons.why("stage", message="escalate", stage="receive", stages="handle, respond, verify"),
     "「升级至专班」在「受理」阶段不能办理（仅限：处理、回复、回访）"),
    (reasons.why("approved_already", actor="R0\n10"), "R0\n10 已经同意过，第二个同意须由另一人作出"),  # any value
    ("Temporal could not be reached", "Temporal could not be reached"),  # not a coded refusal: as it is
])
def test_a_refusal_in_chinese(sentence, zh):
    assert reasons.say(sentence, "zh", ZH_NAMED) == zh
    assert reasons.say(sentence, "en", EN_NAMED) == sentence


@pytest.mark.parametrize("action, values, zh, said", [
    ("open_work_order", dict(wo="WO-1", department="loans", question="是否有分期？"), "WO-1 发往个人贷款部：是否有分期？",
     ["是否有分期？"]),
    ("customer_feedback", dict(verdict="not satisfied", csat=2, comment="还没退款"), "不满意，评分 2。还没退款", ["还没退款"]),
    ("received", dict(channel="app"), "经手机银行受理", []),
    ("stage", dict(stage="verify"), "回访", []),
    ("analysed", dict(business_type="debit_account", problem_nature="fraud", level="III", emergency=", emergency",
                      department="operations", method="rules@6"),
     "借记账户 · 欺诈 · III 级（一般）·紧急 · 分派至运营管理部（关键词规则）", []),
    ("sla_breached", dict(clock="first response", due="2026-12-09T16:00:00+00:00"), "首次响应已超时（时限 2026-12-09 24:00）",
     []),
    ("reassign", dict(owner="E207", department="branch-0101", new_owner="H501", new_department="credit-card-centre",
                      reason="卡片业务"), "E207（第0101网点）改派给 H501（信用卡中心）：卡片业务", ["卡片业务"]),
    ("customer_info_received", dict(span="1 day, 2:03:04.5", sep="", note="", images=""), "处理时限恢复（暂停了 26 小时 3 分钟）", []),
    ("customer_info_received", dict(span="0:10:00", sep=": ", note="截图见附件", images=" [up_aaaaaaaaaaaaaaaaaaaa]"),
     "处理时限恢复（暂停了 10 分钟）: 截图见附件 [up_aaaaaaaaaaaaaaaaaaaa]", ["截图见附件"]),
])
def test_a_timeline_row_in_chinese(action, values, zh, said):
    detail = reasons.said(action, **values)
    segments = timeline.entry(action, detail, True, "zh", ZH_NAMED, "Asia/Shanghai", detail.code, detail.values)
    assert "".join(t for t, _ in segments) == zh
    assert [t for t, typed in segments if typed] == said
    # Without the values kept beside it (an entry from before they were), the sentence is shown as written.
    assert timeline.entry(action, str(detail), True, "zh", ZH_NAMED, "Asia/Shanghai") == [(str(detail), True)]


def test_a_rejected_rows_detail_is_its_refusal_said_and_an_unknown_detail_is_shown_as_typed():
    why = reasons.why("already_accepted")
    assert timeline.entry("accept", why, False, "zh", ZH_NAMED, "UTC") == [("投诉已受理", False)]
    assert timeline.entry("mystery", "odd words", True, "zh", ZH_NAMED, "UTC") == [("odd words", True)]


@pytest.mark.parametrize("template, params, zh", [
    ("work_order", dict(wo="WO-2", cid="AP0000000001", due="2026-12-07T06:00:00+00:00"),
     "投诉 AP0000000001 的工单 WO-2，请于 2026-12-07 14:00 前答复"),
    ("sla_breach", dict(cid="AP0000000001", clock="first response"), "投诉 AP0000000001：首次响应已超时，由您督办（绿色通道）"),
    ("disposal_returned", dict(cid="AP0000000001", actor="R010"), "投诉 AP0000000001 的处置被 R010 退回"),
    ("incident_breach", dict(iid="INC-202612010000-abcdef", clock="plan"), "重大事件 INC-202612010000-abcdef 的时限已超：处理方案公告"),
    ("revisit_overdue", dict(month="2026-11", cid="AP0000000001"), "2026-11 回访：投诉 AP0000000001 的回访已超过期限"),
    ("delivery_failed", dict(cid="AP0000000001", message="acknowledgement", channel="sms", attempts="8",
                             error="gateway 503"),
     "投诉 AP0000000001：受理通知经短信发送 8 次均未送达（gateway 503），请另行联系客户"),
])
def test_a_staff_notice_in_chinese(template, params, zh):
    assert "".join(t for t, _ in timeline.notice(template, "the English body", "zh", ZH_NAMED, "Asia/Shanghai",
                                                 params)) == zh
    # Sent without its values (before they were kept): its body as written, never read back.
    assert timeline.notice(template, "the English body", "zh", ZH_NAMED, "Asia/Shanghai") == [("the English body", False)]


@pytest.mark.parametrize("item, zh, en", [
    ("business:银行卡", "业务词「银行卡」", "business word “银行卡”"),
    ("repeat:6 recent", "近期重复投诉 6 次", "repeated: 6 recent"),
    ("emergency-model:0.97 (threshold 0.34)", "紧急识别模型 0.97 (阈值 0.34)", "emergency model 0.97 (threshold 0.34)"),
    ("something new", "something new", "something new"),  # evidence of a kind nobody named: as recorded
    ("emergency-feature:concept:money_gone", "紧急特征 资金被转走或扣走", "emergency feature money taken"),
    ("emergency-feature:concept:not_me+abroad", "紧急特征 非本人操作 + 境外或异地",
     "emergency feature not done by the customer + abroad or far away"),
    ("emergency-feature:meaning", "紧急特征 整体语义", "emergency feature the text's overall meaning"),
    ("emergency-feature:被盗刷", "紧急特征 「被盗刷」", "emergency feature “被盗刷”"),
])
def test_the_classifiers_evidence_in_words(item, zh, en):
    from web.views import evidence

    assert (evidence([item], "zh"), evidence([item], "en")) == ([zh], [en])


def test_every_concept_of_the_emergency_detector_has_a_name_in_both_languages():
    from classifier.emergency import load_concepts
    from web.views import CONCEPTS

    _, concepts = load_concepts()
    assert set(concepts) == set(CONCEPTS)  # a new concept would otherwise show its internal name on the page


SAMPLES = {"images": " [up_aaaaaaaaaaaaaaaaaaaa]", "sep": ": ", "note": "已核实", "text": "客户来电", "reason": "重复投诉", "wo": "WO-2", "department": "loans",
           "question": "是否分期？", "answer": "有", "what": "身份证复印件", "span": "1 day, 2:03:04.500000", "n": "1",
           "iid": "INC-202612010000-abcdef", "verdict": "not satisfied", "csat": "2", "comment": "还没退款",
           "owner": "E207", "new_owner": "H501", "new_department": "credit-card-centre", "due": "2026-12-07T06:00:00+00:00",
           "business_type": "credit_card", "problem_nature": "fee_dispute", "new_type": "loans",
           "new_nature": "service_attitude", "stage": "handle", "channel": "hotline", "level": "II",
           "emergency": ", emergency", "method": "rules@1", "outcome": "resolved", "clock": "first response",
           "by": "司法鉴定所", "result": "签名非本人", "of": "HL0000000009",
           "codes": "A101 · B03 · C05", "new_codes": "A1033 · B03 · C02", "amount": "300.00 CNY",
           "purpose": "退还年费", "id": "HL0000000009-R1", "approved": "S001"}


@pytest.mark.parametrize("action", sorted(reasons.ENTRY))
def test_each_entry_is_worded_from_its_kept_values(action):
    """The trail keeps each entry's values (models/reasons.ENTRY); the page words it from them, marking what a
    person typed as theirs."""
    from web import timeline

    keys = re.findall(r"\{(\w+)\}", reasons.ENTRY[action])
    detail = reasons.said(action, **{k: SAMPLES[k] for k in keys})
    for lang in ("zh", "en"):
        kept = timeline.entry(action, detail, True, lang, ZH_NAMED, "Asia/Shanghai", detail.code, detail.values)
        assert kept, (action, lang)
        typed = {v for k, v in detail.values.items() if k in timeline.SAID and v}
        assert {t for t, mine in kept if mine} == typed, (action, lang)


def test_staff_notices_are_worded_from_the_values_they_were_sent_with():
    """Each notice the case sends to staff carries the values its words need; worded from them, it reads as its
    English sentence would."""
    from datetime import timedelta

    from models import messages as m
    from models.enums import Stage
    from models.sla import ClockKind
    from tests.test_rules import NOW, OWNER, POLICY, SUPERVISOR, case
    from web import timeline
    from web.timeline import NOTICES
    from workflows.case_messages import Case

    c = Case(case(emergency=True, work_orders=[], accepted=True, disposal="卡已冻结", disposal_by="E207"), POLICY)
    c.apply("open_work_order", m.OpenWorkOrder(actor=OWNER, department="loans", question="?"), NOW,
            NOW + timedelta(days=1))
    c.apply("cancel_work_order", m.CancelWorkOrder(actor=OWNER, work_order_id="WO-1", reason="不需要"), NOW)
    c.apply("return_disposal", m.ReturnDisposal(actor=SUPERVISOR, reason="请补充"), NOW)
    c.apply("reassign", m.Reassign(actor=SUPERVISOR, owner_id="H501", reason="轮岗"), NOW)
    c.apply("escalate", m.Escalate(actor=SUPERVISOR, reason="关注"), NOW)
    c.s.stage = Stage.VERIFY
    c.apply("customer_feedback", m.CustomerFeedback(actor={"id": "app", "role": "intake", "department": "app"},
                                                    satisfied=False, csat=2), NOW, NOW + timedelta(days=1))
    c.s.stage, c.s.clocks = Stage.HANDLE, []
    c.start_clock(ClockKind.RESULT, NOW, NOW + timedelta(hours=10), NOW)
    c.apply("open_work_order", m.OpenWorkOrder(actor=OWNER, department="loans", question="?"), NOW,
            NOW + timedelta(hours=24))
    c.fire_due_clocks(NOW + timedelta(hours=8))
    c.fire_due_clocks(NOW + timedelta(hours=10))
    c.fire_due_clocks(NOW + timedelta(hours=24))
    staff = [n for n in c.take().notifications if n.recipient_kind != "customer"]
    assert {n.template for n in staff} >= {"work_order", "work_order_cancelled", "disposal_returned", "assigned",
                                          "special_group", "dissatisfied", "sla_warning", "sla_breach", "work_order_overdue"}
    for n in staff:
        assert n.template in NOTICES and set(re.findall(r"\{(\w+)\}", NOTICES[n.template][1])) <= set(n.params), \
            (n.template, n.params)
        kept = timeline.notice(n.template, n.body, "zh", ZH_NAMED, "Asia/Shanghai", n.params)
        assert kept and not any(c.isascii() and c.isalpha() and c.islower() for t, _ in kept for c in t
                                if t not in n.params.values()), (n.template, kept)


@pytest.mark.parametrize("carried, ok", [
    ({"code": "accept_first", "values": {}}, True),
    ({"code": "approved_already", "values": {"actor": "R010"}}, True),
    ({"code": "approved_already", "values": {}}, False),       # a value its sentence needs is missing
    ({"code": "no_such_code", "values": {}}, False),
    ({"code": "accept_first", "values": "not a dict"}, False),
    ({"values": {}}, False),
    ("accept_first", False),
    (None, False),
])
def test_a_carried_reason_is_read_only_when_it_is_one_of_ours(carried, ok):
    got = reasons.Reason.of(carried)
    assert (got is not None) == ok
    if ok:
        assert got == reasons.why(carried["code"], **carried["values"]) and got.code == carried["code"]


def test_a_coded_reason_is_said_from_its_code_and_its_bare_sentence_is_never_read_back():
    bare = str(reasons.why("approved_already", actor="R010"))
    assert reasons.say(bare, "zh", ZH_NAMED) == bare  # no code with it: shown as written
    assert reasons.say(reasons.why("approved_already", actor="R010"), "zh", ZH_NAMED) == \
        "R010 已经同意过，第二个同意须由另一人作出"
    assert reasons.say(reasons.why("accept_first"), "en", ZH_NAMED) == "accept the complaint before proposing a response"
