"""Whether a message may be applied to a complaint now: stage, role and business rules, as the contract
declares them (workflows/contract.py).

Pure functions over the state, shared by the update validators, the update handlers and the signal
handlers, so a signal and an update of the same name can never disagree."""
from datetime import datetime

from temporalio.exceptions import ApplicationError

from models import messages as m
from models.enums import Stage
from models.policy import Policy
from models.reasons import Reason, why
from models.state import ComplaintState
from workflows.contract import BUSINESS, PAST_TURN, STAGES
from workflows.permissions import refusal as role_refusal


class Refused(ApplicationError):
    """A message that may not be applied. Non-retryable: sending it again changes nothing.

    `kind` tells a client which sort of refusal it is: `closed`, `stage`, `forbidden` (who may send it), or
    `rule` (a business rule or an invalid payload). It rides in the error's type (`Refused` for a rule,
    `Refused.forbidden` …), not in its details: details are payloads, which a client without the key (the
    `temporal` CLI, say) could not decode, and the refusal must reach it in one piece."""

    def __init__(self, reason: str, kind: str = "rule"):
        # A coded reason travels beside its sentence, in the details: a client with the key (the API) shows
        # it in its reader's language from the code; one without still reads the sentence.
        details = [reason.carried()] if isinstance(reason, Reason) else []
        super().__init__(str(reason), *details, type="Refused" if kind == "rule" else f"Refused.{kind}",
                         non_retryable=True)
        self.reason, self.kind = reason, kind


def refusal_kind(error_type: str | None) -> str:
    """The kind a `Refused` error's type carries (see above); `rule` for anything else."""
    prefix, _, kind = (error_type or "").partition(".")
    return kind if prefix == "Refused" and kind else "rule"


def refusal(name: str, msg: m.Message, s: ComplaintState, policy: Policy, now: datetime) -> str | None:
    """The reason `msg` may not be applied at `now`, or None. Order: closed, stage, role, business rule."""
    found = kind_and_refusal(name, msg, s, policy, now)
    return found[1] if found else None


def kind_and_refusal(name: str, msg: m.Message, s: ComplaintState, policy: Policy,
                     now: datetime) -> tuple[str, str] | None:
    if s.stage is Stage.CLOSED:
        return "closed", why("closed", complaint=s.complaint_id, outcome=s.outcome.value if s.outcome else "closed")
    if s.stage not in STAGES[name]:
        allowed = ", ".join(st.value for st in STAGES[name])
        return "stage", why("stage", message=name, stage=s.stage.value, stages=allowed)
    if (turn := PAST_TURN.get(name)) and turn[0](s):
        return "stage", why(turn[1])
    if problem := role_refusal(name, msg.actor, s):
        return "forbidden", problem
    check = BUSINESS.get(name)
    problem = check(msg, s, policy, now) if check else None
    return ("rule", problem) if problem else None


def check(name: str, msg: m.Message, s: ComplaintState, policy: Policy, now: datetime) -> None:
    if found := kind_and_refusal(name, msg, s, policy, now):
        raise Refused(found[1], found[0])
