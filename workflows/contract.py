"""The public contract, one declaration per message: its payload model, the stages that accept it, who may
send it, its business rule, its effect and what a person calls it. Every table the rest of the product uses
is derived from these declarations (the message models by name, the API's request models and routes, the
role listing, the workbench's names and probes); the effect of a message is `Case.on_<name>`
(workflows/case_messages.py), and a test holds the two lists equal.

Pure: the workflow imports it (through its checks in workflows/rules.py and workflows/permissions.py)."""
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from models import messages as m
from models.departments import unknown
from models.enums import Party, Relief, Stage
from models.intake import Strict
from models.policy import Policy, approx_span
from models.reasons import script_refusal, why
from models.requests import without_actor
from models.state import ComplaintState
from workflows.script import script_problems

NOTE_WINDOW = timedelta(hours=1)
Rule = Callable[..., str | None]  # (message, state, policy, now) -> why not, or None

# The business rules: why a message that its stage and its sender allow is still refused.

def accept(msg: m.Accept, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if s.accepted:
        return why("already_accepted")
    return None


def notes_in_window(note_times: list[datetime], now: datetime) -> int:
    """How many of the (ascending) note times fall in the hour before `now`."""
    return len(note_times) - bisect_right(note_times, now - NOTE_WINDOW)


def add_note(msg: m.AddNote, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    recent = notes_in_window(s.note_times, now)
    if recent >= p.limits.notes_per_hour:
        return why("notes_per_hour", count=recent, limit=p.limits.notes_per_hour)
    return None


def open_work_order(msg: m.OpenWorkOrder, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if reason := unknown(msg.department, p.departments):
        return reason
    if msg.department == s.department:
        return why("own_department", department=msg.department)
    if len(s.work_orders) >= p.limits.work_orders:
        return why("work_order_limit", count=len(s.work_orders), limit=p.limits.work_orders)
    if msg.due is not None:
        try:
            span = approx_span(msg.due)
        except ValueError as e:
            return str(e)
        if span > approx_span(p.regulatory.extended):
            return why("work_order_too_long", due=msg.due, ceiling=p.regulatory.extended)
    return None


def _work_order_open(wo_id: str, s: ComplaintState) -> str | None:
    wo = s.work_order(wo_id)
    if wo is None:
        known = ", ".join(w.id for w in s.work_orders) or "none"
        return why("no_work_order", work_order=wo_id, known=known)
    if wo.status != "open":
        return why("work_order_done", work_order=wo_id, status=wo.status)
    return None


def answer_work_order(msg: m.AnswerWorkOrder, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    problem = _work_order_open(msg.work_order_id, s)
    wo = s.work_order(msg.work_order_id)
    if problem or wo is None:
        return problem
    if wo.department != msg.actor.department:
        return why("work_order_elsewhere", work_order=wo.id, department=wo.department,
                   own_department=msg.actor.department)
    return None


def cancel_work_order(msg: m.CancelWorkOrder, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    return _work_order_open(msg.work_order_id, s)


def request_customer_info(msg: m.RequestCustomerInfo, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if s.waiting_on_customer:
        return why("already_waiting")
    if len(s.pauses) >= p.limits.info_requests:
        return why("info_limit", count=len(s.pauses), limit=p.limits.info_requests)
    return None


def link_repeat(msg: m.LinkRepeat, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    """Only to an open complaint of the same customer the analysis found: the one offered, or another of theirs
    open when this one came in."""
    if s.repeat_of is not None:
        return why("repeat_linked", of=s.repeat_of)
    if msg.of == s.complaint_id or msg.of not in {s.suspected_repeat, *s.open_of_customer}:
        return why("not_a_repeat", of=msg.of)
    return None


def new_facts(msg: m.NewFacts, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    return None if s.repeat_of or s.suspected_repeat else why("no_repeat")


def customer_info_received(msg: m.CustomerInfoReceived, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    return None if s.waiting_on_customer else why("not_waiting")


def _own(actor_id: str, s: ComplaintState) -> bool:
    """The complaint's owner and the disposal's author review nothing of it (four eyes)."""
    return actor_id in (s.owner_id, s.disposal_by)


def approve_disposal(msg: m.ApproveDisposal, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if not s.emergency:
        return why("not_emergency")
    if s.dual_review_done:
        return why("review_done")
    if not s.disposal:
        return why("no_disposal")
    if s.disposal_returned:
        return why("returned_pending")
    if msg.actor.id in s.disposal_approvals:
        return why("approved_already", actor=msg.actor.id)
    return why("own_disposal") if _own(msg.actor.id, s) else None


def record_disposal(msg: m.RecordDisposal, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if not s.emergency:
        return why("not_emergency")
    return why("review_done") if s.dual_review_done else None


def return_disposal(msg: m.ReturnDisposal, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if not s.emergency:
        return why("not_emergency")
    if s.dual_review_done:
        return why("review_done")
    if not s.disposal or s.disposal_returned:
        return why("return_nothing")
    return why("own_disposal") if _own(msg.actor.id, s) else None


def propose_response(msg: m.ProposeResponse, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if not s.accepted:
        return why("accept_first")
    if open_wos := s.open_work_orders():
        wo = open_wos[0]
        return why("work_order_open", work_order=wo.id, department=wo.department)
    if s.waiting_on_customer:
        return why("waiting_customer")
    if s.appraising:
        return why("appraisal_running", what=s.appraisals[-1].what)
    if s.emergency and not s.dual_review_done:
        return why("dual_review", count=len(s.disposal_approvals))
    problems = script_problems(msg.text, p.script.prohibited)
    if problems:
        return script_refusal(problems)
    if msg.review is not None and s.review_of is None:
        return why("not_a_review")
    if missing := decision_missing(msg, s):
        return why("decision_incomplete", parts=", ".join(missing))
    return unknown_code(msg, p) or redress_refusal(msg, s, p)


def redress_refusal(msg: m.ProposeResponse, s: ComplaintState, p: Policy) -> str | None:
    """Money only with monetary relief; above the policy's limit only as far as a second person approved it,
    and never approved by whoever sends the decision."""
    amount = msg.redress_amount
    if amount is None:
        return None
    if msg.relief is not Relief.MONETARY:
        return why("redress_not_monetary", relief=str(msg.relief))
    if not p.redress.needs_approval(amount, msg.redress_currency):
        return None
    approval = s.redress_approval
    if approval is None or approval.currency != msg.redress_currency or approval.amount < amount:
        return why("redress_approval", amount=f"{amount} {msg.redress_currency}",
                   approved=f"{approval.amount} {approval.currency}" if approval else "none")
    return why("own_redress", actor=msg.actor.id) if approval.by == msg.actor.id else None


def approve_redress(msg: m.ApproveRedress, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    return why("own_redress", actor=msg.actor.id) if msg.actor.id == s.owner_id else None


CODE_FIELDS = {"channel": "channel_code", "business": "business_code", "reason": "reason_code"}


def unknown_code(msg: m.ProposeResponse, p: Policy) -> str | None:
    """A code the table pinned into this complaint does not have, naming the ones it does."""
    for dim, part in CODE_FIELDS.items():
        known: list[str] = getattr(p.codes, dim)
        code = getattr(msg, part)
        if known and code is not None and code not in known:
            return why("unknown_code", field=part, value=code, known=", ".join(known))
    return None


# The decision notice's parts, in the order a notice states them (Order No. 3: the decision is told with what
# was verified, its basis and its reasons); a review's decision also says what became of the first.
DECISION_PARTS = ("finding", "relief", "facts", "basis", "reasons")


def decision_missing(msg: m.ProposeResponse, s: ComplaintState) -> list[str]:
    """The parts of a decision the message leaves out (blank text counts as left out); a complaint the analyse
    stage coded needs its codes confirmed by the decision too."""
    missing = [part for part in DECISION_PARTS if not str(getattr(msg, part) or "").strip()]
    if msg.relief is Relief.MONETARY and msg.redress_amount is None:
        missing.append("redress_amount")
    if msg.redress_amount is not None and not msg.redress_for.strip():
        missing.append("redress_for")
    if s.codes is not None:
        missing += [part for part in CODE_FIELDS.values() if getattr(msg, part) is None]
    return [*missing, "review"] if s.review_of is not None and msg.review is None else missing


def escalate(msg: m.Escalate, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    return why("already_special") if s.special_group else None


def reassign(msg: m.Reassign, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if not msg.owner_id and not msg.department:
        return why("reassign_empty")
    if msg.department and (reason := unknown(msg.department, p.departments)):
        return reason
    if (msg.owner_id or s.owner_id) == s.owner_id and (msg.department or s.department) == s.department:
        return why("reassign_same")
    if s.review_of is not None and (because := s.review_of.recusal(msg.owner_id, msg.department)):
        return why("recused_owner", complaint=s.review_of.complaint_id, owner=msg.owner_id or msg.department or "",
                   why_recused=because)
    return None


def approve_close(msg: m.ApproveClose, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if not s.special_group:
        return why("not_major")
    if s.close_approved_by:
        return why("close_approved", actor=s.close_approved_by)
    return None


def correct_classification(msg: m.CorrectClassification, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    c = s.classification
    if c is None:
        return why("not_classified")
    if not msg.business_type and not msg.problem_nature:
        return why("correction_empty")
    if (msg.business_type or c.business_type) == c.business_type and \
            (msg.problem_nature or c.problem_nature) == c.problem_nature:
        return why("same_classification")
    return None


def extend_deadline(msg: m.ExtendDeadline, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    """Order No. 3: 15 days, to 30 for a complex case, a further 30 only with a higher-level or head-office
    approver's authority (not the complaint's own handler), never beyond."""
    clock = s.clock("decision")
    if clock is None or not clock.running:
        return why("decision_not_running")
    if clock.extensions >= 2:
        return why("already_extended", ceiling=p.regulatory.further)
    if clock.extensions == 1 and (msg.actor.department not in p.head_office or msg.actor.id == s.owner_id):
        return why("further_extension", actor=msg.actor.id, department=msg.actor.department)
    return None


def start_appraisal(msg: m.StartAppraisal, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if s.appraising:
        return why("appraisal_running", what=s.appraisals[-1].what)
    return None


def end_appraisal(msg: m.EndAppraisal, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    return None if s.appraising else why("no_appraisal")


@dataclass(frozen=True)
class Declared:
    model: type[m.Message]
    stages: tuple[Stage, ...]
    who: tuple[Party, ...]
    names: tuple[str, str]                  # what a person calls it: Chinese, English
    rule: Rule | None = None
    # The fields a person writes, as the workbench fills them to ask the rules whether to offer the form.
    probe: Mapping[str, object] = field(default_factory=dict)
    # Offered whenever stage and sender allow it: what the person writes (a department, a text) decides.
    decided_by_content: bool = False
    # A form on the complaint page; False for a message another workflow sends (an incident's announcement).
    form: bool = True
    # Within its stages the case may already be past this message's turn: (when it is, the refusal's code).
    past_turn: tuple[Callable[[ComplaintState], bool], str] | None = None


LIVE = (Stage.RECEIVE, Stage.ANALYSE, Stage.HANDLE, Stage.RESPOND, Stage.VERIFY)  # closed accepts nothing
HANDLE = (Stage.HANDLE,)
AFTER_INTAKE = (Stage.HANDLE, Stage.RESPOND, Stage.VERIFY)
OWNER, DEPARTMENT, SPECIAL_GROUP = Party.OWNER, Party.DEPARTMENT, Party.SPECIAL_GROUP
ASKED_DEPARTMENT, REVIEWER, SUPERVISOR, INTAKE = Party.ASKED_DEPARTMENT, Party.REVIEWER, Party.SUPERVISOR, Party.INTAKE
WRITTEN = "·"  # stands for what a person will write

CONTRACT: Mapping[str, Declared] = MappingProxyType({
    "accept": Declared(m.Accept, HANDLE, (OWNER, DEPARTMENT, SPECIAL_GROUP, SUPERVISOR), ("受理", "Accept"),
                       accept),
    "add_note": Declared(m.AddNote, LIVE, (OWNER, DEPARTMENT, SPECIAL_GROUP, ASKED_DEPARTMENT, REVIEWER, SUPERVISOR),
                         ("添加备注", "Add note"), add_note, {"text": WRITTEN}, True),
    "open_work_order": Declared(m.OpenWorkOrder, HANDLE, (OWNER, SPECIAL_GROUP, SUPERVISOR),
                                ("发起工单", "Open work order"), open_work_order,
                                {"department": WRITTEN, "question": WRITTEN}, True),
    "answer_work_order": Declared(m.AnswerWorkOrder, HANDLE, (ASKED_DEPARTMENT,), ("答复工单", "Answer work order"),
                                  answer_work_order, {"answer": WRITTEN}, True),
    "cancel_work_order": Declared(m.CancelWorkOrder, HANDLE, (OWNER, SPECIAL_GROUP, SUPERVISOR),
                                  ("撤销工单", "Cancel work order"), cancel_work_order, {"reason": WRITTEN}, True),
    "request_customer_info": Declared(m.RequestCustomerInfo, HANDLE, (OWNER, SPECIAL_GROUP, SUPERVISOR),
                                      ("请客户补充材料", "Ask the customer for information"), request_customer_info,
                                      {"what": WRITTEN}),
    "start_appraisal": Declared(m.StartAppraisal, HANDLE, (OWNER, SPECIAL_GROUP, SUPERVISOR),
                                ("外部鉴定开始（不计时）", "Start an external appraisal"), start_appraisal,
                                {"what": WRITTEN, "by": WRITTEN}),
    "end_appraisal": Declared(m.EndAppraisal, HANDLE, (OWNER, SPECIAL_GROUP, SUPERVISOR),
                              ("外部鉴定完成", "End the external appraisal"), end_appraisal, {"result": WRITTEN}),
    "link_repeat": Declared(m.LinkRepeat, HANDLE, (OWNER, DEPARTMENT, SPECIAL_GROUP, SUPERVISOR),
                            ("合并为重复投诉", "Link as a repeat"), link_repeat, {"of": "XX0000000000"}),
    "new_facts": Declared(m.NewFacts, HANDLE, (OWNER, DEPARTMENT, SPECIAL_GROUP, SUPERVISOR),
                          ("有新事实，单独处理", "New facts: handle it on its own"), new_facts, {"reason": WRITTEN}),
    "customer_info_received": Declared(m.CustomerInfoReceived, HANDLE, (INTAKE, OWNER, SPECIAL_GROUP),
                                       ("客户材料已收到", "Customer information received"), customer_info_received),
    "approve_disposal": Declared(m.ApproveDisposal, HANDLE, (REVIEWER, SUPERVISOR),
                                 ("复核同意处置", "Approve the disposal"), approve_disposal),
    "record_disposal": Declared(m.RecordDisposal, HANDLE, (OWNER, SPECIAL_GROUP, SUPERVISOR),
                                ("记录处置措施", "Record the disposal"), record_disposal, {"text": WRITTEN}),
    "return_disposal": Declared(m.ReturnDisposal, HANDLE, (REVIEWER, SUPERVISOR),
                                ("退回处置（说明原因）", "Return the disposal with a reason"), return_disposal,
                                {"reason": WRITTEN}),
    "incident_notice": Declared(m.IncidentNotice, LIVE, (SUPERVISOR,), ("重大事件公告", "Incident announcement"),
                                form=False),
    "propose_response": Declared(m.ProposeResponse, HANDLE, (OWNER, SPECIAL_GROUP, SUPERVISOR),
                                 ("发送回复", "Send response"), propose_response, {"text": WRITTEN}, True),
    "approve_redress": Declared(m.ApproveRedress, HANDLE, (SUPERVISOR,),
                                ("审批赔付金额", "Approve the redress"), approve_redress, {"amount": "1", "note": WRITTEN}),
    "customer_feedback": Declared(m.CustomerFeedback, (Stage.VERIFY,), (INTAKE,), ("客户评价", "Customer feedback"),
                                  probe={"satisfied": True, "csat": 5},
                                  # recorded once; a major complaint then waits in verify for approve_close
                                  past_turn=(lambda s: s.pending_outcome is not None, "feedback_recorded")),
    "escalate": Declared(m.Escalate, AFTER_INTAKE, (SUPERVISOR,), ("升级至专班", "Escalate"), escalate,
                         {"reason": WRITTEN}),
    "reassign": Declared(m.Reassign, (Stage.HANDLE, Stage.VERIFY), (SUPERVISOR,), ("改派", "Reassign"), reassign,
                         {"owner_id": WRITTEN, "reason": WRITTEN}, True),
    "approve_close": Declared(m.ApproveClose, AFTER_INTAKE, (SUPERVISOR,), ("批准结案", "Approve close"),
                              approve_close),
    "withdraw": Declared(m.Withdraw, LIVE, (INTAKE,), ("撤诉", "Withdraw")),
    "extend_deadline": Declared(m.ExtendDeadline, AFTER_INTAKE, (SUPERVISOR,), ("延长法定时限", "Extend the deadline"),
                                extend_deadline, {"reason": WRITTEN}),
    "correct_classification": Declared(m.CorrectClassification, AFTER_INTAKE, (SUPERVISOR,),
                                       ("更正分类", "Correct the classification"), correct_classification,
                                       {"business_type": WRITTEN, "reason": WRITTEN}, True),
})

# Derived, never written by hand.
MESSAGES: Mapping[str, type[m.Message]] = MappingProxyType({n: d.model for n, d in CONTRACT.items()})
REQUESTS: Mapping[str, type[Strict]] = MappingProxyType({n: without_actor(d.model) for n, d in CONTRACT.items()})
STAGES: Mapping[str, tuple[Stage, ...]] = MappingProxyType({n: d.stages for n, d in CONTRACT.items()})
WHO_MAY: Mapping[str, tuple[Party, ...]] = MappingProxyType({n: d.who for n, d in CONTRACT.items()})
BUSINESS: Mapping[str, Rule] = MappingProxyType({n: d.rule for n, d in CONTRACT.items() if d.rule})
PAST_TURN: Mapping[str, tuple[Callable[[ComplaintState], bool], str]] = MappingProxyType(
    {n: d.past_turn for n, d in CONTRACT.items() if d.past_turn})
# What a channel may send for its customer, and of that what only the customer's channel says.
FOR_CHANNELS = frozenset(n for n, d in CONTRACT.items() if INTAKE in d.who)
CHANNEL_ONLY = frozenset(n for n, d in CONTRACT.items() if d.who == (INTAKE,))
