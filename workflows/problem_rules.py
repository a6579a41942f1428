"""Who may do what to a problem, and when (workflows/problem.py asks before applying a message; the workbench
asks to decide which forms to offer). Pure: the workflow imports it."""
from typing import Any

from models.enums import Role
from models.problems import MAX_ACTIONS, MAX_LINKED, SUPERVISOR_ONLY, ProblemState, Status
from models.reasons import Reason, why


def problem_refusal(name: str, msg: Any, s: ProblemState, causes: list[str], today: Any) -> Reason | None:
    """Why `msg` may not be applied to problem `s` now, or None. Pure: the workflow asks before applying."""
    actor = msg.actor
    supervisor = actor.role is Role.SUPERVISOR
    if name in SUPERVISOR_ONLY and not supervisor:
        return why("not_yours", message=name, who="supervisor", actor=actor.id, role=actor.role.value,
                   department=actor.department)
    if not s.live:
        return why("problem_over", problem=s.problem_id, problem_status=s.status.value)
    if name == "set_root_cause" and causes and msg.code not in causes:
        return why("unknown_cause", cause=msg.code, known=", ".join(causes))
    if name == "add_action":
        if len(s.actions) >= MAX_ACTIONS:
            return why("too_many_actions", limit=MAX_ACTIONS)
        if msg.due < today:
            return why("action_due_past", due=msg.due.isoformat())
    if name == "submit_plan":
        if s.status is not Status.OPEN:  # planned, or measuring its actions' effect
            return why("plan_submitted")
        if s.root_cause is None or not any(a.done_at is None for a in s.actions):
            return why("plan_incomplete")
    if name == "complete_action":
        action = s.action(msg.action_id)
        if action is None:
            return why("no_action", action=msg.action_id, known=", ".join(a.id for a in s.actions) or "none")
        if action.done_at is not None:
            return why("action_done", action=action.id)
        if not supervisor and actor.department != action.department:
            return why("not_yours", message=name, who=f"supervisor or {action.department}", actor=actor.id,
                       role=actor.role.value, department=actor.department)
        if s.status is Status.OPEN:
            return why("plan_first")
    if name == "link" and len(s.linked) >= MAX_LINKED:
        return why("too_many_linked", limit=MAX_LINKED)
    return None
