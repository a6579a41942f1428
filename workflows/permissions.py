"""Who may send which message: the role table, in one place (docs/api.md shows it too).

A *party* is what an actor is to this complaint (its owner, staff of the owning department, ...);
each message names the parties that may send it."""
from enum import StrEnum

from models.enums import Role
from models.intake import SPECIAL_GROUP_DEPARTMENT, Actor
from models.state import ComplaintState


class Party(StrEnum):
    OWNER = "the owner (first responder, or whoever a supervisor reassigned it to)"
    DEPARTMENT = "staff of the owning department"
    SPECIAL_GROUP = "the special handling group (major complaints)"
    ASKED_DEPARTMENT = "an agent of a department a work order asks"
    REVIEWER = "a reviewer"
    SUPERVISOR = "a supervisor"
    INTAKE = "the intake channel"


O, D, S, A, R, V, I = (Party.OWNER, Party.DEPARTMENT, Party.SPECIAL_GROUP, Party.ASKED_DEPARTMENT,
                       Party.REVIEWER, Party.SUPERVISOR, Party.INTAKE)

WHO_MAY: dict[str, tuple[Party, ...]] = {
    "accept": (O, D, S, V),
    "add_note": (O, D, S, A, R, V),
    "open_work_order": (O, S, V),
    "answer_work_order": (A,),
    "cancel_work_order": (O, S, V),
    "request_customer_info": (O, S, V),
    "customer_info_received": (I, O, S),
    "approve_disposal": (R, V),
    "propose_response": (O, S, V),
    "customer_feedback": (I,),
    "escalate": (V,),
    "reassign": (V,),
    "approve_close": (V,),
    "withdraw": (I,),
    "extend_deadline": (V,),
    "correct_classification": (V,),
}


def parties(actor: Actor, s: ComplaintState) -> set[Party]:
    staff = actor.role in (Role.HANDLER, Role.DEPARTMENT_AGENT, Role.SUPERVISOR)
    found: set[Party] = set()
    if staff and actor.id == s.owner_id:
        found.add(Party.OWNER)
    if actor.role in (Role.HANDLER, Role.DEPARTMENT_AGENT) and actor.department == s.department:
        found.add(Party.DEPARTMENT)
    if staff and s.special_group and actor.department == SPECIAL_GROUP_DEPARTMENT:
        found.add(Party.SPECIAL_GROUP)
    if actor.role is Role.DEPARTMENT_AGENT and any(w.department == actor.department for w in s.work_orders):
        found.add(Party.ASKED_DEPARTMENT)
    if actor.role is Role.REVIEWER:
        found.add(Party.REVIEWER)
    if actor.role is Role.SUPERVISOR:
        found.add(Party.SUPERVISOR)
    if actor.role is Role.INTAKE:
        found.add(Party.INTAKE)
    return found


def revisit_refusal(actor: Actor, department: str, first_responder: str | None) -> str | None:
    """Who may record a look-back revisit's outcome: a handler of the complaint's department, its first
    responder, or a supervisor."""
    if actor.role is Role.SUPERVISOR:
        return None
    if actor.role in (Role.HANDLER, Role.DEPARTMENT_AGENT) and (
            actor.department == department or actor.id == first_responder):
        return None
    return (f"revisit_outcome is for a handler of {department}, the first responder or a supervisor; "
            f"{actor.id} ({actor.role.value}, {actor.department}) is not")


def refusal(message: str, actor: Actor, s: ComplaintState) -> str | None:
    """Why `actor` may not send `message` to this complaint, or None when they may."""
    allowed = WHO_MAY[message]
    if parties(actor, s) & set(allowed):
        return None
    who = " or ".join(p.value for p in allowed)
    return f"{message} is for {who}; {actor.id} ({actor.role.value}, {actor.department}) is not"
