"""Whether a message may be applied to a complaint now: stage, role and business rules.

Pure functions over the state, shared by the update validators, the update handlers and the signal
handlers, so a signal and an update of the same name can never disagree."""
from bisect import bisect_right
from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio.exceptions import ApplicationError

from models import messages as m
from models.departments import unknown
from models.enums import Stage
from models.policy import Policy, approx_span
from models.state import ComplaintState
from workflows.permissions import refusal as role_refusal
from workflows.script import script_problems

NOTE_WINDOW = timedelta(hours=1)


class Refused(ApplicationError):
    """A message that may not be applied. Non-retryable: sending it again changes nothing.

    `kind` tells a client which sort of refusal it is: `closed`, `stage`, `forbidden` (who may send it), or
    `rule` (a business rule or an invalid payload). It rides in the error's type (`Refused` for a rule,
    `Refused.forbidden` …), not in its details: details are payloads, which a client without the key (the
    `temporal` CLI, say) could not decode, and the refusal must reach it in one piece."""

    def __init__(self, reason: str, kind: str = "rule"):
        super().__init__(reason, type="Refused" if kind == "rule" else f"Refused.{kind}", non_retryable=True)
        self.reason, self.kind = reason, kind


def refusal_kind(error_type: str | None) -> str:
    """The kind a `Refused` error's type carries (see above); `rule` for anything else."""
    prefix, _, kind = (error_type or "").partition(".")
    return kind if prefix == "Refused" and kind else "rule"


def _accept(msg: m.Accept, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if s.accepted:
        return "the complaint is already accepted"
    return None


def notes_in_window(note_times: list[datetime], now: datetime) -> int:
    """How many of the (ascending) note times fall in the hour before `now`."""
    return len(note_times) - bisect_right(note_times, now - NOTE_WINDOW)


def _add_note(msg: m.AddNote, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    recent = notes_in_window(s.note_times, now)
    if recent >= p.limits.notes_per_hour:
        return (f"this complaint already has {recent} notes in the last hour (limit "
                f"{p.limits.notes_per_hour}); put them together in one note")
    return None


def _open_work_order(msg: m.OpenWorkOrder, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if reason := unknown(msg.department, p.departments):
        return reason
    if msg.department == s.department:
        return f"a work order asks another department; {msg.department} already owns this complaint"
    if len(s.work_orders) >= p.limits.work_orders:
        return f"this complaint already has {len(s.work_orders)} work orders (limit {p.limits.work_orders})"
    if msg.due is not None:
        try:
            span = approx_span(msg.due)
        except ValueError as e:
            return str(e)
        if span > approx_span(p.regulatory.extended):
            return (f"a work order due in {msg.due} would outlast the regulatory ceiling "
                    f"({p.regulatory.extended} from receipt)")
    return None


def _work_order_open(wo_id: str, s: ComplaintState) -> str | None:
    wo = s.work_order(wo_id)
    if wo is None:
        known = ", ".join(w.id for w in s.work_orders) or "none"
        return f"no work order {wo_id} on this complaint (work orders: {known})"
    if wo.status != "open":
        return f"work order {wo_id} is already {wo.status}"
    return None


def _answer_work_order(msg: m.AnswerWorkOrder, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    problem = _work_order_open(msg.work_order_id, s)
    wo = s.work_order(msg.work_order_id)
    if problem or wo is None:
        return problem
    if wo.department != msg.actor.department:
        return f"work order {wo.id} asks {wo.department}, not {msg.actor.department}"
    return None


def _cancel_work_order(msg: m.CancelWorkOrder, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    return _work_order_open(msg.work_order_id, s)


def _request_customer_info(msg: m.RequestCustomerInfo, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if s.waiting_on_customer:
        return "the complaint is already waiting on the customer"
    if len(s.pauses) >= p.limits.info_requests:
        return (f"the customer was already asked {len(s.pauses)} times (limit {p.limits.info_requests}); "
                "a supervisor decides how to go on")
    return None


def _customer_info_received(msg: m.CustomerInfoReceived, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    return None if s.waiting_on_customer else "the complaint is not waiting on the customer for information"


def _approve_disposal(msg: m.ApproveDisposal, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if not s.emergency:
        return "only emergency complaints need a dual review"
    if msg.actor.id in s.disposal_approvals:
        return f"{msg.actor.id} has already approved: the second approval must come from a different person"
    if s.dual_review_done:
        return "the disposal already has its two approvals"
    if msg.actor.id == s.owner_id:
        return "the owner may not review their own disposal"
    return None


def _propose_response(msg: m.ProposeResponse, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if not s.accepted:
        return "accept the complaint before proposing a response"
    if open_wos := s.open_work_orders():
        wo = open_wos[0]
        return (f"work order {wo.id} to {wo.department} is still open: wait for its answer "
                "or cancel it with a reason")
    if s.waiting_on_customer:
        return "the complaint is waiting on the customer for information"
    if s.emergency and not s.dual_review_done:
        return (f"an emergency needs two reviewers' approve_disposal before the response "
                f"({len(s.disposal_approvals)} of 2 so far)")
    problems = script_problems(msg.text, p.script.prohibited)
    return "the response " + "; ".join(problems) if problems else None


def _escalate(msg: m.Escalate, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    return "the complaint is already with the special handling group" if s.special_group else None


def _reassign(msg: m.Reassign, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if not msg.owner_id and not msg.department:
        return "reassign needs a new owner_id, a new department, or both"
    if msg.department and (reason := unknown(msg.department, p.departments)):
        return reason
    if (msg.owner_id or s.owner_id) == s.owner_id and (msg.department or s.department) == s.department:
        return "the complaint already has that owner and department"
    return None


def _approve_close(msg: m.ApproveClose, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    if not s.special_group:
        return "only major complaints need approve_close; this one closes without it"
    if s.close_approved_by:
        return f"closing was already approved by {s.close_approved_by}"
    return None


def _correct_classification(msg: m.CorrectClassification, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    c = s.classification
    if c is None:
        return "the complaint is not classified yet"
    if not msg.business_type and not msg.problem_nature:
        return "correct_classification needs a business_type, a problem_nature, or both"
    if (msg.business_type or c.business_type) == c.business_type and \
            (msg.problem_nature or c.problem_nature) == c.problem_nature:
        return "that is already the classification"
    return None


def _extend_deadline(msg: m.ExtendDeadline, s: ComplaintState, p: Policy, now: datetime) -> str | None:
    clock = s.clock("decision")
    if clock is None or not clock.running:
        return "the regulatory decision clock is not running"
    if clock.extended:
        return "the regulatory deadline was already extended"
    return None


# Stages in which each message is accepted (closed complaints accept nothing).
_LIVE = (Stage.RECEIVE, Stage.ANALYSE, Stage.HANDLE, Stage.RESPOND, Stage.VERIFY)
STAGES: dict[str, tuple[Stage, ...]] = {
    "accept": (Stage.HANDLE,),
    "add_note": _LIVE,
    "open_work_order": (Stage.HANDLE,),
    "answer_work_order": (Stage.HANDLE,),
    "cancel_work_order": (Stage.HANDLE,),
    "request_customer_info": (Stage.HANDLE,),
    "customer_info_received": (Stage.HANDLE,),
    "approve_disposal": (Stage.HANDLE,),
    "propose_response": (Stage.HANDLE,),
    "customer_feedback": (Stage.VERIFY,),
    "escalate": (Stage.HANDLE, Stage.RESPOND, Stage.VERIFY),
    "reassign": (Stage.HANDLE, Stage.VERIFY),
    "approve_close": (Stage.HANDLE, Stage.RESPOND, Stage.VERIFY),
    "withdraw": _LIVE,
    "extend_deadline": (Stage.HANDLE, Stage.RESPOND, Stage.VERIFY),
    "correct_classification": (Stage.HANDLE, Stage.RESPOND, Stage.VERIFY),
}

_BUSINESS: dict[str, Callable[..., str | None]] = {
    "accept": _accept,
    "add_note": _add_note,
    "open_work_order": _open_work_order,
    "answer_work_order": _answer_work_order,
    "cancel_work_order": _cancel_work_order,
    "request_customer_info": _request_customer_info,
    "customer_info_received": _customer_info_received,
    "approve_disposal": _approve_disposal,
    "propose_response": _propose_response,
    "escalate": _escalate,
    "reassign": _reassign,
    "approve_close": _approve_close,
    "extend_deadline": _extend_deadline,
    "correct_classification": _correct_classification,
}


def refusal(name: str, msg: m.Message, s: ComplaintState, policy: Policy, now: datetime) -> str | None:
    """The reason `msg` may not be applied at `now`, or None. Order: closed, stage, role, business rule."""
    found = kind_and_refusal(name, msg, s, policy, now)
    return found[1] if found else None


def kind_and_refusal(name: str, msg: m.Message, s: ComplaintState, policy: Policy,
                     now: datetime) -> tuple[str, str] | None:
    if s.stage is Stage.CLOSED:
        return "closed", f"complaint {s.complaint_id} is closed ({s.outcome.value if s.outcome else 'closed'})"
    if s.stage not in STAGES[name]:
        allowed = ", ".join(st.value for st in STAGES[name])
        return "stage", f"{name} is not possible in stage {s.stage.value} (only in: {allowed})"
    if name == "customer_feedback" and s.pending_outcome is not None:
        return "stage", "feedback is already recorded; the complaint waits for a supervisor's approve_close"
    if problem := role_refusal(name, msg.actor, s):
        return "forbidden", problem
    check = _BUSINESS.get(name)
    problem = check(msg, s, policy, now) if check else None
    return ("rule", problem) if problem else None


def check(name: str, msg: m.Message, s: ComplaintState, policy: Policy, now: datetime) -> None:
    if found := kind_and_refusal(name, msg, s, policy, now):
        raise Refused(found[1], found[0])
