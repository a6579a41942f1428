"""The pure rules, table by table, without a server: every refusal reason, every row of the role table, and
the contract's names agreeing everywhere. A rule deleted or loosened makes one of these rows fail."""
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from models import messages as m
from models import reasons
from models.enums import Level, Outcome, Role, Stage, WorkOrderStatus
from models.intake import Actor
from models.policy import Policy
from models.sla import Clock, Milestone
from models.state import Appraisal, Classification, ComplaintState, Pause, ReviewOf, WorkOrder
from tests.actors import DECISION, GOOD_RESPONSE
from workflows import rules
from workflows.case_messages import Case
from workflows.complaint import ComplaintWorkflow
from workflows.contract import CONTRACT, MESSAGES
from workflows.permissions import parties

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
POLICY = Policy(head_office=["head-office"])
OWNER = Actor(id="E207", role=Role.HANDLER, department="branch-0101")
COLLEAGUE = Actor(id="E300", role=Role.HANDLER, department="operations")      # the owning department
STRANGER = Actor(id="E999", role=Role.HANDLER, department="branch-0202")
AGENT = Actor(id="A501", role=Role.DEPARTMENT_AGENT, department="loans")      # a work order asks loans
OTHER_AGENT = Actor(id="A601", role=Role.DEPARTMENT_AGENT, department="wealth")
SPECIAL = Actor(id="G001", role=Role.HANDLER, department="special-group")
REVIEWER = Actor(id="R010", role=Role.REVIEWER, department="risk")
SUPERVISOR = Actor(id="S001", role=Role.SUPERVISOR, department="complaints")
INTAKE = Actor(id="hotline-ivr", role=Role.INTAKE, department="hotline")
SYSTEM = Actor(id="sys", role=Role.SYSTEM, department="complaints")
HEAD_OFFICE = Actor(id="S900", role=Role.SUPERVISOR, department="head-office")  # the higher-level approver


def case(**changes) -> ComplaintState:
    """A complaint in handling, owned by E207, handled by operations, with one open work order to loans."""
    s = ComplaintState(
        complaint_id="HL0000000001", channel="hotline", external_ref="HL-1", customer_id="C1",
        customer_masked="王*", tier="standard", received_at=NOW - timedelta(hours=1), first_responder=OWNER,
        owner_id=OWNER.id, department="operations", stage=Stage.HANDLE, level=Level.III,
        classification=Classification(business_type="account", problem_nature="frozen", level=Level.III,
                                      emergency=False, department="operations", confidence=0.9, method="rules@1"),
        work_orders=[WorkOrder(id="WO-1", department="loans", question="?", opened_by=OWNER.id,
                               opened_at=NOW - timedelta(minutes=30))],
        clocks=[Clock(name="decision", label="regulatory decision", milestone=Milestone.RESPONSE_SENT,
                      started_at=NOW - timedelta(hours=1), due_at=NOW + timedelta(days=15))])
    for key, value in changes.items():
        setattr(s, key, value)
    return s


def msg(name: str, actor: Actor = OWNER, **fields) -> m.Message:
    defaults = {
        "add_note": {"text": "a note"}, "open_work_order": {"department": "it", "question": "?"},
        "answer_work_order": {"work_order_id": "WO-1", "answer": "yes"},
        "cancel_work_order": {"work_order_id": "WO-1", "reason": "not needed"},
        "request_customer_info": {"what": "statements"}, "propose_response": {"text": GOOD_RESPONSE, **DECISION},
        "customer_feedback": {"satisfied": True, "csat": 5}, "escalate": {"reason": "wide impact"},
        "reassign": {"owner_id": "E300", "reason": "leave"}, "extend_deadline": {"reason": "complex"},
        "correct_classification": {"business_type": "card", "reason": "it is a card"},
        "record_disposal": {"text": "card frozen"}, "return_disposal": {"reason": "which card?"},
        "incident_notice": {"incident_id": "INC-202612010000-abcdef", "zh": "系统已恢复"},
        "start_appraisal": {"what": "笔迹鉴定", "by": "司法鉴定所"}, "end_appraisal": {"result": "签名非本人"},
        "link_repeat": {"of": "HL0000000009"}, "new_facts": {"reason": "客户补充了新的交易"},
    }
    return MESSAGES[name].model_validate({"actor": actor.model_dump(), **defaults.get(name, {}), **fields})


def refusal(name: str, s: ComplaintState, actor: Actor = OWNER, now: datetime = NOW, **fields) -> str | None:
    return rules.refusal(name, msg(name, actor, **fields), s, POLICY, now)


# A review (核查) of HL0000000000, decided by S777 in loans: the department complained about.
REVIEW = {"review_of": ReviewOf(complaint_id="HL0000000000", department="loans", recused=["H777", "S777"],
                                decided_at=NOW - timedelta(days=3))}
DECIDER = Actor(id="S777", role=Role.SUPERVISOR, department="complaints")
OF_LOANS = Actor(id="S778", role=Role.SUPERVISOR, department="loans")
ANSWERED = [WorkOrder(id="WO-1", department="loans", question="?", opened_by="E207", opened_at=NOW,
                      status=WorkOrderStatus.ANSWERED)]
EMERGENCY = {"emergency": True, "work_orders": []}
RECORDED = {**EMERGENCY, "disposal": "card frozen", "disposal_by": "E207"}  # the owner recorded what was done
APPRAISING = Appraisal(what="笔迹鉴定", by="司法鉴定所", started_at=NOW - timedelta(days=2), started_by="E207")
APPRAISED = APPRAISING.model_copy(update={"ended_at": NOW - timedelta(days=1), "result": "签名非本人"})

# (message, actor, state changes, message fields, the refusal, word for word: a person reads it as the rule)
REFUSALS = [
    ("accept", OWNER, {"accepted": True}, {}, "the complaint is already accepted"),
    ("add_note", OWNER, {"note_times": [NOW - timedelta(minutes=i) for i in range(59, -1, -1)]}, {},
     "this complaint already has 60 notes in the last hour (limit 60); put them together in one note"),
    ("open_work_order", OWNER, {}, {"department": "operations"},
     "a work order asks another department; operations already owns this complaint"),
    ("open_work_order", OWNER, {"work_orders": ANSWERED * 20}, {},
     "this complaint already has 20 work orders (limit 20)"),
    ("open_work_order", OWNER, {}, {"due": "soon"},
     'bad duration \'soon\': use a positive number (at most six digits) with s, m, h, d or wd, e.g. "3wd"'),
    ("open_work_order", OWNER, {}, {"due": "31d"},
     "a work order due in 31d would outlast the regulatory ceiling (30d from receipt)"),
    ("open_work_order", OWNER, {}, {"due": "22wd"},
     "a work order due in 22wd would outlast the regulatory ceiling (30d from receipt)"),
    ("answer_work_order", AGENT, {}, {"work_order_id": "WO-7"},
     "no work order WO-7 on this complaint (work orders: WO-1)"),
    ("answer_work_order", AGENT, {"work_orders": ANSWERED}, {}, "work order WO-1 is already answered"),
    ("answer_work_order", OTHER_AGENT, {"work_orders": [*case().work_orders,
                                                        WorkOrder(id="WO-2", department="wealth", question="?",
                                                                  opened_by="E207", opened_at=NOW)]},
     {}, "work order WO-1 asks loans, not wealth"),
    ("cancel_work_order", OWNER, {}, {"work_order_id": "WO-3"},
     "no work order WO-3 on this complaint (work orders: WO-1)"),
    ("cancel_work_order", OWNER, {"work_orders": ANSWERED}, {}, "work order WO-1 is already answered"),
    ("request_customer_info", OWNER, {"pauses": [Pause(started_at=NOW, reason="x")]}, {},
     "the complaint is already waiting on the customer"),
    ("request_customer_info", OWNER, {"pauses": [Pause(started_at=NOW, ended_at=NOW, reason="x")] * 20}, {},
     "the customer was already asked 20 times (limit 20); a supervisor decides how to go on"),
    ("customer_info_received", INTAKE, {}, {}, "the complaint is not waiting on the customer for information"),
    ("approve_disposal", REVIEWER, {}, {}, "only emergency complaints need a dual review"),
    ("approve_disposal", REVIEWER, {**RECORDED, "disposal_approvals": ["R010"]}, {},
     "R010 has already approved: the second approval must come from a different person"),
    ("approve_disposal", SUPERVISOR, {**RECORDED, "disposal_approvals": ["R010", "R011"]}, {},
     "the disposal already has its two approvals"),
    ("approve_disposal", Actor(id="E207", role=Role.SUPERVISOR, department="complaints"), RECORDED, {},
     "neither the complaint's owner nor the disposal's author may review it"),
    # The author is not always the owner: a supervisor who recorded it approves nothing of it.
    ("approve_disposal", SUPERVISOR, {**RECORDED, "disposal_by": "S001"}, {},
     "neither the complaint's owner nor the disposal's author may review it"),
    # Nothing recorded: nothing to approve (two approvals of nothing once let the response through).
    ("approve_disposal", REVIEWER, EMERGENCY, {},
     "no disposal is recorded yet: the owner records what was done before it is reviewed"),
    ("approve_disposal", REVIEWER, {**EMERGENCY, "disposal": "card frozen", "disposal_returned": "which card?"}, {},
     "the disposal was returned; its owner records it again before it is reviewed"),
    ("record_disposal", OWNER, {}, {}, "only emergency complaints need a dual review"),
    ("record_disposal", OWNER, {**RECORDED, "disposal_approvals": ["R010", "R011"]}, {},
     "the disposal already has its two approvals"),
    ("return_disposal", REVIEWER, {}, {}, "only emergency complaints need a dual review"),
    ("return_disposal", REVIEWER, {**RECORDED, "disposal_approvals": ["R010", "R011"]}, {},
     "the disposal already has its two approvals"),
    ("return_disposal", REVIEWER, EMERGENCY, {}, "there is no disposal awaiting review to return"),
    ("return_disposal", REVIEWER, {**EMERGENCY, "disposal": "card frozen", "disposal_returned": "which card?"}, {},
     "there is no disposal awaiting review to return"),
    ("return_disposal", Actor(id="E207", role=Role.SUPERVISOR, department="complaints"),
     {**EMERGENCY, "disposal": "card frozen"}, {}, "neither the complaint's owner nor the disposal's author may review it"),
    ("propose_response", OWNER, {"work_orders": []}, {}, "accept the complaint before proposing a response"),
    ("propose_response", OWNER, {"accepted": True}, {},
     "work order WO-1 to loans is still open: wait for its answer or cancel it with a reason"),
    ("propose_response", OWNER, {"accepted": True, "work_orders": [], "pauses": [Pause(started_at=NOW, reason="x")]},
     {}, "the complaint is waiting on the customer for information"),
    ("propose_response", OWNER, {"accepted": True, **EMERGENCY, "disposal_approvals": ["R010"]}, {},
     "an emergency needs two reviewers' approve_disposal before the response (1 of 2 so far)"),
    ("propose_response", OWNER, {"accepted": True, "work_orders": []}, {"text": "这不是我的职责"},
     "the response contains the prohibited phrase 「这不是我的职责」; misses the empathy & apology part; misses the "
     "facts confirmed part; misses the solution part; misses the follow-up part"),
    ("propose_response", OWNER, {"accepted": True, "work_orders": []}, {"text": "好的"},
     "the response misses the empathy & apology part; misses the facts confirmed part; misses the solution part; "
     "misses the follow-up part"),
    ("customer_feedback", INTAKE, {"stage": Stage.VERIFY, "pending_outcome": Outcome.RESOLVED}, {},
     "feedback is already recorded; the complaint waits for a supervisor's approve_close"),
    ("escalate", SUPERVISOR, {"special_group": True}, {}, "the complaint is already with the special handling group"),
    ("reassign", SUPERVISOR, {}, {"owner_id": None}, "reassign needs a new owner_id, a new department, or both"),
    ("reassign", SUPERVISOR, {}, {"owner_id": "E207", "department": "operations"},
     "the complaint already has that owner and department"),
    ("approve_close", SUPERVISOR, {}, {}, "only major complaints need approve_close; this one closes without it"),
    ("approve_close", SUPERVISOR, {"special_group": True, "close_approved_by": "S002"}, {},
     "closing was already approved by S002"),
    ("correct_classification", SUPERVISOR, {}, {"business_type": None},
     "correct_classification needs a business_type, a problem_nature, or both"),
    ("correct_classification", SUPERVISOR, {}, {"business_type": "account"}, "that is already the classification"),
    ("extend_deadline", SUPERVISOR, {"clocks": []}, {}, "the regulatory decision clock is not running"),
    ("extend_deadline", SUPERVISOR, {"clocks": [case().clocks[0].model_copy(update={"extensions": 2})]}, {},
     "the regulatory deadline is already at its ceiling (60d from receipt)"),
    ("extend_deadline", SUPERVISOR, {"clocks": [case().clocks[0].model_copy(update={"extensions": 1})]}, {},
     "a further extension needs a head-office approver who does not handle the complaint; S001 (complaints) is "
     "not one"),
    ("extend_deadline", HEAD_OFFICE, {"clocks": [case().clocks[0].model_copy(update={"extensions": 1})],
                                      "owner_id": "S900"}, {},
     "a further extension needs a head-office approver who does not handle the complaint; S900 (head-office) is "
     "not one"),
    ("start_appraisal", OWNER, {"appraisals": [APPRAISING]}, {"what": "笔迹鉴定", "by": "司法鉴定所"},
     "an external appraisal is under way (笔迹鉴定): record its end first"),
    ("end_appraisal", OWNER, {"appraisals": [APPRAISED]}, {"result": "签名非本人"}, "no external appraisal is under way"),
    ("propose_response", OWNER, {"accepted": True, "work_orders": [], "appraisals": [APPRAISING]}, {"text": GOOD_RESPONSE},
     "an external appraisal is under way (笔迹鉴定): record its end first"),
    # The decision notice (Order No. 3): each part left out is named; blank text counts as left out.
    *[("propose_response", OWNER, {"accepted": True, "work_orders": []}, {part: None if part in ("finding", "relief")
       else "  "}, f"the decision needs {part}") for part in ("finding", "relief", "facts", "basis", "reasons")],
    ("propose_response", OWNER, {"accepted": True, "work_orders": []}, {"facts": "", "reasons": ""},
     "the decision needs facts, reasons"),
    ("propose_response", OWNER, {"accepted": True, "work_orders": []}, {"review": "upheld"},
     "this complaint is not a review: its decision upholds or revises nothing"),
    ("propose_response", OWNER, {"accepted": True, "work_orders": [], **REVIEW}, {}, "the decision needs review"),
    # Repeats (Order No. 3): linked only to an open complaint of the same customer the analysis found.
    ("link_repeat", OWNER, {}, {}, "HL0000000009 is not an open complaint of this customer that the analysis found"),
    ("link_repeat", OWNER, {"suspected_repeat": "HL0000000009"}, {"of": "HL0000000001"},
     "HL0000000001 is not an open complaint of this customer that the analysis found"),  # never itself
    ("link_repeat", OWNER, {"repeat_of": "HL0000000009"}, {}, "already linked as a repeat of HL0000000009"),
    ("link_repeat", OWNER, {"recent_complaints": ["HL0000000009"]}, {},  # recent, but not open at intake
     "HL0000000009 is not an open complaint of this customer that the analysis found"),
    ("new_facts", OWNER, {}, {}, "this complaint is neither offered nor linked as a repeat"),
    # Recusal (回避): who handled, decided or approved the decision, and its department, stay out of the review.
    ("accept", DECIDER, REVIEW, {}, "S777 takes no part in the review of HL0000000000 (recusal: handled)"),
    ("propose_response", OF_LOANS, {"accepted": True, "work_orders": [], **REVIEW}, {"review": "upheld"},
     "S778 takes no part in the review of HL0000000000 (recusal: department)"),
    ("add_note", AGENT, REVIEW, {}, "A501 takes no part in the review of HL0000000000 (recusal: department)"),
    ("reassign", SUPERVISOR, REVIEW, {"owner_id": "S777"},
     "the review of HL0000000000 may not go to S777 (recusal: handled)"),
    ("reassign", SUPERVISOR, REVIEW, {"owner_id": None, "department": "loans"},
     "the review of HL0000000000 may not go to loans (recusal: department)"),
    ("accept", OWNER, {"stage": Stage.CLOSED, "outcome": Outcome.WITHDRAWN}, {},
     "complaint HL0000000001 is closed (withdrawn)"),
    ("answer_work_order", AGENT, {"work_orders": [*ANSWERED, ANSWERED[0].model_copy(update={"id": "WO-2"})]},
     {"work_order_id": "WO-5"}, "no work order WO-5 on this complaint (work orders: WO-1, WO-2)"),
    ("cancel_work_order", OWNER, {"work_orders": []}, {}, "no work order WO-1 on this complaint (work orders: none)"),
    ("reassign", SUPERVISOR, {}, {"owner_id": None, "department": "operations"},
     "the complaint already has that owner and department"),
    ("correct_classification", SUPERVISOR, {"classification": None}, {}, "the complaint is not classified yet"),
    ("add_note", OWNER, {"stage": Stage.CLOSED}, {}, "complaint HL0000000001 is closed (closed)"),
    ("escalate", SUPERVISOR, {"stage": Stage.ANALYSE}, {},
     "escalate is not possible in stage analyse (only in: handle, respond, verify)"),
    ("approve_disposal", OWNER, EMERGENCY, {},
     "approve_disposal is for a reviewer or a supervisor; E207 (handler, branch-0101) is not"),
    ("accept", OWNER, {"stage": Stage.VERIFY}, {}, "accept is not possible in stage verify (only in: handle)"),
    ("customer_feedback", INTAKE, {}, {}, "customer_feedback is not possible in stage handle (only in: verify)"),
    ("withdraw", OWNER, {}, {}, "withdraw is for the intake channel; E207 (handler, branch-0101) is not"),
]


@pytest.mark.parametrize("name, actor, changes, fields, expected", REFUSALS,
                         ids=[f"{r[0]}:{r[4][:30]}" for r in REFUSALS])
def test_every_refusal_reason(name, actor, changes, fields, expected):
    assert refusal(name, case(**changes), actor, **fields) == expected


@pytest.mark.parametrize("name, actor, changes, kind", [
    ("accept", OWNER, {"stage": Stage.CLOSED}, "closed"),
    ("customer_feedback", SUPERVISOR, {}, "stage"),
    ("customer_feedback", Actor(id="app", role=Role.INTAKE, department="app"),
     {"stage": Stage.VERIFY, "pending_outcome": Outcome.RESOLVED}, "stage"),
    ("escalate", OWNER, {}, "forbidden"),
    ("accept", OWNER, {"accepted": True}, "rule"),
])
def test_each_refusal_says_what_sort_it_is_in_its_error_type(name, actor, changes, kind):
    """The API answers 409 for closed or the wrong stage, 403 for who may not, 422 for a rule."""
    assert rules.kind_and_refusal(name, msg(name, actor), case(**changes), POLICY, NOW)[0] == kind
    with pytest.raises(rules.Refused) as e:
        rules.check(name, msg(name, actor), case(**changes), POLICY, NOW)
    assert e.value.type == ("Refused" if kind == "rule" else f"Refused.{kind}")
    assert rules.refusal_kind(e.value.type) == kind
    # The sentence travels as the message (a client without the key reads it), its code beside it in the details.
    [carried] = e.value.details
    assert reasons.Reason.of(carried) == e.value.message


@pytest.mark.parametrize("error_type, kind", [("Refused.forbidden", "forbidden"), ("Refused", "rule"),
                                              ("Refused.", "rule"), ("InvalidStart", "rule"), (None, "rule"),
                                              ("Other.forbidden", "rule"), ("Refused.stage.x", "stage.x")])
def test_a_clients_reading_of_the_refusal_type(error_type, kind):
    assert rules.refusal_kind(error_type) == kind


def test_a_refusal_without_a_kind_is_a_rule():
    refused = rules.Refused("the complaint is already accepted")
    assert (refused.kind, refused.type) == ("rule", "Refused")


def test_a_refusal_raised_is_non_retryable_and_carries_its_reason():
    with pytest.raises(rules.Refused) as e:
        rules.check("accept", msg("accept"), case(accepted=True), POLICY, NOW)
    assert e.value.reason == e.value.message == "the complaint is already accepted"
    assert e.value.non_retryable and e.value.type == "Refused"
    assert rules.check("accept", msg("accept"), case(), POLICY, NOW) is None
    with pytest.raises(rules.Refused, match="60 notes in the last hour"):  # the policy and the time reach the rule
        rules.check("add_note", msg("add_note"), case(note_times=[NOW] * 60), POLICY, NOW)


# The same messages, one step away from each refusal: allowed.
ALLOWED = [
    ("accept", OWNER, {}, {}),
    ("add_note", OWNER, {"note_times": [NOW - timedelta(minutes=61)] * 80 + [NOW] * 59}, {}),
    ("open_work_order", OWNER, {"work_orders": ANSWERED * 19}, {"due": "30d"}),
    ("answer_work_order", AGENT, {}, {}),
    ("cancel_work_order", OWNER, {}, {}),
    ("request_customer_info", OWNER, {"pauses": [Pause(started_at=NOW, ended_at=NOW, reason="x")] * 19}, {}),
    ("customer_info_received", INTAKE, {"pauses": [Pause(started_at=NOW, reason="x")]}, {}),
    ("approve_disposal", REVIEWER, {**RECORDED, "disposal_approvals": ["R011"]}, {}),
    ("approve_disposal", REVIEWER, {**EMERGENCY, "disposal": "card frozen"}, {}),
    ("record_disposal", OWNER, {**EMERGENCY, "disposal_approvals": ["R010"]}, {}),
    ("return_disposal", REVIEWER, {**EMERGENCY, "disposal": "card frozen", "disposal_approvals": ["R011"]}, {}),
    ("propose_response", OWNER, {"accepted": True, "work_orders": []}, {}),
    ("propose_response", OWNER, {"accepted": True, **RECORDED, "disposal_approvals": ["R010", "R011"]}, {}),
    ("customer_feedback", INTAKE, {"stage": Stage.VERIFY}, {}),
    ("escalate", SUPERVISOR, {}, {}),
    ("reassign", SUPERVISOR, {}, {"owner_id": None, "department": "loans"}),
    ("approve_close", SUPERVISOR, {"special_group": True}, {}),
    ("correct_classification", SUPERVISOR, {}, {}),
    ("extend_deadline", SUPERVISOR, {}, {}),
    ("extend_deadline", HEAD_OFFICE, {"clocks": [case().clocks[0].model_copy(update={"extensions": 1})]}, {}),
    ("start_appraisal", OWNER, {"appraisals": [APPRAISED]}, {}),
    ("end_appraisal", OWNER, {"appraisals": [APPRAISING]}, {}),
    ("withdraw", INTAKE, {"stage": Stage.VERIFY}, {}),
    ("link_repeat", OWNER, {"suspected_repeat": "HL0000000009"}, {}),
    ("link_repeat", OWNER, {"open_of_customer": ["HL0000000008", "HL0000000009"]}, {}),
    ("link_repeat", OWNER, {"suspected_repeat": "HL0000000008", "open_of_customer": ["HL0000000009"]}, {}),
    ("new_facts", OWNER, {"suspected_repeat": "HL0000000009"}, {}),
    ("new_facts", OWNER, {"repeat_of": "HL0000000009"}, {}),
    ("accept", OWNER, REVIEW, {}),
    ("propose_response", OWNER, {"accepted": True, "work_orders": [], **REVIEW}, {"review": "revised"}),
    ("answer_work_order", AGENT, REVIEW, {}),  # the department complained about gives its records
    ("reassign", SUPERVISOR, REVIEW, {"owner_id": "E300"}),
]


@pytest.mark.parametrize("name, actor, changes, fields", ALLOWED, ids=[a[0] for a in ALLOWED])
def test_the_same_messages_are_allowed_when_the_rule_is_met(name, actor, changes, fields):
    assert refusal(name, case(**changes), actor, **fields) is None


# The role table as the spec and docs/api.md state it, written out here rather than read from WHO_MAY:
# who may send each message to a complaint in handling (level III, an open work order to loans).
CAST = {"owner": OWNER, "department": COLLEAGUE, "stranger": STRANGER, "asked agent": AGENT,
        "other agent": OTHER_AGENT, "special group": SPECIAL, "reviewer": REVIEWER, "supervisor": SUPERVISOR,
        "intake": INTAKE, "system": SYSTEM,
        # the customer on their own page (a link and a code): what their channel may say, they say themselves
        "customer": Actor(id="customer", role=Role.CUSTOMER, department="customer")}
MAY = {
    "accept": {"owner", "department", "supervisor"},
    "add_note": {"owner", "department", "asked agent", "reviewer", "supervisor"},
    "open_work_order": {"owner", "supervisor"},
    "answer_work_order": {"asked agent"},
    "cancel_work_order": {"owner", "supervisor"},
    "request_customer_info": {"owner", "supervisor"},
    "customer_info_received": {"intake", "customer", "owner"},
    "approve_disposal": {"reviewer", "supervisor"}, "approve_redress": {"supervisor"},
    "record_disposal": {"owner", "supervisor"},
    "incident_notice": {"supervisor"},
    "return_disposal": {"reviewer", "supervisor"},
    "propose_response": {"owner", "supervisor"},
    "customer_feedback": {"intake", "customer"},
    "escalate": {"supervisor"}, "reassign": {"supervisor"}, "approve_close": {"supervisor"},
    "withdraw": {"intake", "customer"}, "extend_deadline": {"supervisor"}, "correct_classification": {"supervisor"},
    "start_appraisal": {"owner", "supervisor"}, "end_appraisal": {"owner", "supervisor"},
    "link_repeat": {"owner", "department", "supervisor"}, "new_facts": {"owner", "department", "supervisor"},
}
# A major complaint adds the special handling group where the spec hands it the case.
SPECIAL_GROUP_MAY = {"accept", "add_note", "open_work_order", "cancel_work_order", "request_customer_info",
                     "customer_info_received", "propose_response", "record_disposal", "start_appraisal",
                     "end_appraisal", "link_repeat", "new_facts"}


@pytest.mark.parametrize("name", sorted(MAY))
@pytest.mark.parametrize("who", sorted(CAST))
@pytest.mark.parametrize("major", [False, True], ids=["routine", "major"])
def test_every_row_of_the_role_table(name, who, major):
    from workflows.permissions import refusal as role_refusal

    s = case(special_group=major)
    allowed = MAY[name] | ({"special group"} if major and name in SPECIAL_GROUP_MAY else set())
    reason = role_refusal(name, CAST[who], s)
    assert (reason is None) == (who in allowed), f"{who} {'may not' if who not in allowed else 'may'} {name}"
    if reason:
        assert name in reason and CAST[who].id in reason


@pytest.mark.parametrize("actor, allowed", [
    (Actor(id="E900", role=Role.HANDLER, department="loans"), True),             # a handler of its department
    (Actor(id="A1", role=Role.DEPARTMENT_AGENT, department="loans"), True),
    (Actor(id="E207", role=Role.HANDLER, department="branch-0909"), True),       # its first responder, anywhere
    (SUPERVISOR, True),
    (Actor(id="E900", role=Role.HANDLER, department="cards"), False),
    (Actor(id="E207", role=Role.REVIEWER, department="loans"), False),           # right department, wrong role
    (INTAKE, False), (SYSTEM, False),
])
def test_who_may_record_a_revisit(actor, allowed):
    from workflows.permissions import revisit_refusal

    reason = revisit_refusal(actor, "loans", "E207")
    assert (reason is None) == allowed
    if not allowed:
        assert reason == (f"revisit_outcome is for a handler of loans, the first responder or a supervisor; "
                          f"{actor.id} ({actor.role.value}, {actor.department}) is not")


def test_the_system_role_is_no_party_to_any_complaint():
    assert parties(SYSTEM, case(special_group=True)) == set()


def test_each_message_is_declared_once_and_the_rest_follows():
    """workflows/contract.py declares each message; its effect is `Case.on_<name>`; the spec's role table
    (written out above) and the public documentation name the same messages."""
    names = set(CONTRACT)
    assert names == set(MAY)
    assert {a.removeprefix("on_") for a in dir(Case) if a.startswith("on_")} == names
    assert not [a for a in dir(ComplaintWorkflow) if a.startswith("_on_")]  # the shell handles no message itself
    assert all(d.model.__name__ == "".join(w.title() for w in n.split("_")) for n, d in CONTRACT.items())
    assert all(d.names[0] and d.names[1] and not d.names[0].isascii() for d in CONTRACT.values())
    contract = (Path(__file__).parent.parent / "docs" / "api.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"`(\w+)`", contract.split("## Messages (public contract)")[1].split("\n## ")[0]))
    assert names <= listed, f"docs/api.md's contract table misses {names - listed}"


def test_urgency_orders_the_levels():
    assert sorted(Level, key=lambda lv: lv.urgency) == [Level.III, Level.II, Level.I]
    assert [lv.more_urgent() for lv in (Level.III, Level.II, Level.I)] == [Level.II, Level.I, Level.I]
    assert [lv.goes_to_special_group() for lv in (Level.III, Level.II, Level.I)] == [False, False, True]


REGISTERED = POLICY.model_copy(update={"departments": ["operations", "loans", "it"]})


@pytest.mark.parametrize("name, fields", [("open_work_order", {"department": "信息科技部"}),
                                          ("reassign", {"owner_id": None, "department": "信息科技部"})])
def test_a_department_outside_the_registry_is_refused_by_name(name, fields):
    reason = rules.refusal(name, msg(name, SUPERVISOR, **fields), case(), REGISTERED, NOW)
    assert reason == "no department '信息科技部' is registered (departments: operations, loans, it)"
    registered = {**fields, "department": "it"}
    assert rules.refusal(name, msg(name, SUPERVISOR, **registered), case(), REGISTERED, NOW) is None


@pytest.mark.parametrize("code, values, chinese", [
    ("decision_incomplete", {"parts": "facts, reasons"}, "处理决定缺少：核实情况、处理理由"),
    ("decision_incomplete", {"parts": "review"}, "处理决定缺少：核查结论"),
    ("recused", {"actor": "S777", "complaint": "HL0000000000", "why_recused": "department"},
     "S777 须回避投诉 HL0000000000 的核查：属于被投诉部门"),
    ("recused_owner", {"complaint": "HL0000000000", "owner": "S777", "why_recused": "handled"},
     "投诉 HL0000000000 的核查不能交给 S777：经办、作出或批准了原处理决定"),
])
def test_the_new_refusals_read_in_chinese_from_their_codes(code, values, chinese):
    from models.vocabulary import name

    assert reasons.say(reasons.why(code, **values), "zh", lambda kind, key: name(kind, key, "zh")) == chinese


def test_a_script_refusal_reads_in_chinese_from_the_problems_it_carries():
    from models.vocabulary import name

    def zh(kind, key):
        return name(kind, key, "zh")

    refused = reasons.script_refusal([("prohibited", {"phrase": "这不是我的职责"}), ("missing", {"part": "facts confirmed"})])
    assert "这不是我的职责" in refused.values["found"]  # kept as written, not escaped
    assert reasons.say(refused, "zh", zh) == "回复含有禁用语「这不是我的职责」；缺少「核实事实」"
    # Problems that do not decode fall back to the sentence's own words.
    assert reasons.say(reasons.why("script", problems="misses x", found="not json"), "zh", zh) == "回复misses x"
