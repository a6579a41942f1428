"""Who may read which complaint. Acting is the workflow's rule (workflows/permissions.py); reading is the
API's, and follows it: the people on the case, the asked departments, reviewers and supervisors."""
from api.identity import Principal
from models.enums import Role
from models.intake import SPECIAL_GROUP_DEPARTMENT
from models.state import ComplaintState

SEE_ALL = (Role.SUPERVISOR, Role.REVIEWER)
STAFF = (Role.HANDLER, Role.DEPARTMENT_AGENT)


def read_refusal(p: Principal, s: ComplaintState) -> str | None:
    """Why `p` may not read complaint `s`, or None."""
    if p.kind == "channel":
        return None if s.channel == p.channel else f"{s.complaint_id} did not come in by the {p.channel} channel"
    if p.role in SEE_ALL:
        return None
    if p.role in STAFF:
        if p.id in (s.owner_id, s.first_responder.id) or p.department == s.department:
            return None
        if any(w.department == p.department for w in s.work_orders):
            return None
        if s.special_group and p.department == SPECIAL_GROUP_DEPARTMENT:
            return None
    return (f"{s.complaint_id} is not on {p.id}'s desk ({p.role.value}, {p.department}): it is for its owner, "
            f"{s.department}, the departments it asks, reviewers and supervisors")


async def readable_state(ctx, principal: Principal, complaint_id: str) -> ComplaintState:
    """The complaint's live state for this person, or the problem that says why not (API and workbench)."""
    from api.errors import problem
    from api.problems import Problem
    from complaints import service

    if principal.role is Role.OPERATOR:
        raise Problem(403, "forbidden", "operators run the system; complaints are read by the people on them")
    try:
        state = await service.state(ctx.client, complaint_id)
    except service.ComplaintError as e:
        raise problem(e) from None
    if reason := read_refusal(principal, state):
        raise Problem(403, "forbidden", reason)
    return state


def list_scope(p: Principal) -> tuple[str, str] | None:
    """None: every complaint; else (person id, department) whose complaints this person may list."""
    return None if p.role in SEE_ALL else (p.id, p.department)
