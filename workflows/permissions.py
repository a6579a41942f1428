"""Who may do what, in one place: send each message to a complaint (the role table, docs/api.md), read it,
list complaints, see a customer in clear, export, read reports, run and record look-backs, key complaints in.
The workflow checks messages with it; the API and the workbench turn it into FastAPI dependencies
(`api/access.py`). Pure: no I/O, so the workflow may import it.

A *party* is what an actor is to this complaint (its owner, staff of the owning department, ...);
each message names the parties that may send it. Everything else is a capability (`Can`) of roles."""
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Protocol

from models.enums import Channel, Party, Role
from models.intake import SPECIAL_GROUP_DEPARTMENT, Actor
from models.reasons import Reason, why
from models.state import ComplaintState
from workflows.contract import CHANNEL_ONLY, FOR_CHANNELS, WHO_MAY


def parties(actor: Actor, s: ComplaintState) -> set[Party]:
    staff = actor.role in (Role.HANDLER, Role.DEPARTMENT_AGENT, Role.SUPERVISOR)
    found: set[Party] = set()
    # A channel's desk owns what it took in until one of its people accepts it (then that person does).
    if staff and s.owner_id in (actor.id, actor.department):
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
    if actor.role in (Role.INTAKE, Role.CUSTOMER):  # the customer says for themselves what a channel says for them
        found.add(Party.INTAKE)
    return found


def _recused(message: str, actor: Actor, s: ComplaintState) -> str | None:
    review = s.review_of
    if review is None or message in RECUSAL_EXEMPT or actor.role in (Role.INTAKE, Role.CUSTOMER):
        return None
    if because := review.recusal(actor.id, actor.department):
        return why("recused", actor=actor.id, complaint=review.complaint_id, why_recused=because)
    return None


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


# A review (核查) is decided by no one with a direct interest in it (回避, Order No. 3): not who handled, decided
# or approved the decision reviewed, nor anyone of the department complained about. That department still
# answers the work orders the review sends it: giving its records is not deciding.
RECUSAL_EXEMPT = frozenset({"answer_work_order"})


def refusal(message: str, actor: Actor, s: ComplaintState) -> str | None:
    """Why `actor` may not send `message` to this complaint, or None when they may."""
    allowed = WHO_MAY[message]
    if parties(actor, s) & set(allowed):
        return _recused(message, actor, s)
    return why("not_yours", message=message, who=" or ".join(p.value for p in allowed), actor=actor.id,
               role=actor.role.value, department=actor.department)


class Who(Protocol):
    """A verified principal as these rules need it (`api.identity.Principal`)."""

    @property
    def kind(self) -> str: ...  # "person" or "channel"

    @property
    def id(self) -> str: ...

    @property
    def role(self) -> Role: ...

    @property
    def department(self) -> str: ...

    @property
    def channel(self) -> Channel | None: ...


class Can(StrEnum):
    """What a person may do beyond the messages of one complaint; the value says it in a refusal."""
    KEY_IN = "keying in a complaint from the counter, the hotline or the mailroom"
    LIST = "listing complaints"
    SEE_ALL = "reading and listing every complaint"
    UNMASK = "a customer's name and phone in clear"
    EXPORT = "exporting a month's complaints"
    REPORTS = "the reports"
    SUPERVISE = "the supervisor's lists and approvals"
    RUN_LOOKBACK = "starting a month's look-back"
    LOOKBACK = "the look-back and its revisits"
    ANY_INBOX = "another department's work orders"
    READ_COMPLAINT = "reading complaints"
    INCIDENTS = "major incidents"
    HOLD = "a legal hold on a complaint's records"
    REFERRAL = "preparing the report back to the regulator"
    REFERRAL_APPROVE = "approving and sending the report back to the regulator"
    REVOKE_LINKS = "withdrawing the links to a customer's page"
    REDRESS = "the redress ledger: reading it, marking money paid or reversed"
    RETURNS = "the regulator's returns and the annual disclosure"
    PROBLEMS = "opening a problem (a root cause to trace and fix)"
    PROBLEMS_READ = "problems and their corrective actions"


H, G, RV, SV, OP = Role.HANDLER, Role.DEPARTMENT_AGENT, Role.REVIEWER, Role.SUPERVISOR, Role.OPERATOR
MAY: dict[Can, frozenset[Role]] = {
    Can.KEY_IN: frozenset({H}),
    Can.LIST: frozenset({H, G, RV, SV}),  # operators run the system; complaints are for the people on them
    Can.READ_COMPLAINT: frozenset({H, G, RV, SV}),
    Can.SEE_ALL: frozenset({RV, SV}),
    Can.UNMASK: frozenset({SV}),
    Can.EXPORT: frozenset({SV}),
    Can.REPORTS: frozenset({SV}),
    Can.SUPERVISE: frozenset({SV, RV}),
    Can.RUN_LOOKBACK: frozenset({SV, OP}),
    Can.LOOKBACK: frozenset({H, G, SV}),
    Can.ANY_INBOX: frozenset({SV}),
    Can.INCIDENTS: frozenset({H, G, SV}),  # who sends which message to one is the incident's own rule
    Can.HOLD: frozenset({SV}),
    Can.REFERRAL: frozenset({H, SV}),          # on the case: whoever may read the complaint
    Can.REFERRAL_APPROVE: frozenset({SV}),     # never the person who prepared it
    Can.REVOKE_LINKS: frozenset({SV}),
    Can.REDRESS: frozenset({SV}),              # never on a line they decided (api/redress.py)
    Can.RETURNS: frozenset({SV}),
    Can.PROBLEMS: frozenset({SV}),
    Can.PROBLEMS_READ: frozenset({H, G, RV, SV}),  # a department does its actions; who sends what: the workflow         # a phone lost, a link forwarded: the next message brings a new one
}

# Keyed in by staff (the counter, the hotline agent, the mailroom, the reception day, a regulator's letter);
# the app and WeChat come in through their own systems' credentials only.
STAFF_CHANNELS = frozenset({Channel.BRANCH, Channel.HOTLINE, Channel.LETTER, Channel.EMAIL, Channel.REGULATOR,
                            Channel.RECEPTION_DAY})


def may(role: Role, can: Can) -> bool:
    return role in MAY[can]


def can_refusal(who: Who, can: Can) -> str | None:
    """Why this principal may not do `can`, or None."""
    if may(who.role, can):  # a channel's role (intake) has no capability here
        return None
    roles = [f"{'an' if r.value[0] in 'aeiou' else 'a'} {r.value}" for r in sorted(MAY[can])]
    allowed = roles[0] if len(roles) == 1 else f"{', '.join(roles[:-1])} or {roles[-1]}"
    return f"{can.value} is for {allowed}; you are {_as(who)}"


def _as(who: Who) -> str:
    return f"the {_channel(who)} channel" if who.kind == "channel" else f"signed in as {who.role.value}"


def _channel(who: Who) -> str:
    """A channel principal's channel (its desk if it had none, which a verified channel key never lacks)."""
    return who.channel.value if who.channel else who.department


def sender_refusal(who: Who, message: str, complaint_channel: Channel | None) -> str | None:
    """Whether a message may come through the door from this principal at all (the workflow then checks the
    party): a channel speaks only for its own customers, a person never as the customer."""
    if who.kind == "channel" and complaint_channel != who.channel:
        return f"this complaint did not come in by the {_channel(who)} channel"
    if who.kind == "channel" and message not in FOR_CHANNELS:
        return f"{message} is for the bank's people; a channel sends only {', '.join(sorted(FOR_CHANNELS))}"
    if who.kind == "person" and message in CHANNEL_ONLY:
        return f"{message} comes from the customer, through their channel's credential"
    return None


def intake_refusal(who: Who, channel: Channel | None) -> str | None:
    """Who may submit a complaint: a channel for itself; a handler for a staff-keyed channel."""
    if who.kind == "channel":
        if channel is not None and channel != who.channel:
            return f"this credential is the {_channel(who)} channel's; the body says {channel.value}"
        return None
    if refused := can_refusal(who, Can.KEY_IN):
        return refused
    if channel is not None and channel not in STAFF_CHANNELS:
        return f"{channel.value} complaints come in through that channel's own credential"
    return None


def read_refusal(who: Who, s: ComplaintState) -> str | None:
    """Why `who` may not read complaint `s`, or None: its channel, the people on the case, the departments it
    asks, reviewers and supervisors."""
    if who.kind == "channel":
        return None if s.channel == who.channel else f"{s.complaint_id} did not come in by the {_channel(who)} channel"
    if refused := can_refusal(who, Can.READ_COMPLAINT):
        return refused
    if may(who.role, Can.SEE_ALL):
        return None
    if s.owner_id in (who.id, who.department) or who.id == s.first_responder.id or who.department == s.department:
        return None
    if any(w.department == who.department for w in s.work_orders):
        return None
    if s.special_group and who.department == SPECIAL_GROUP_DEPARTMENT:
        return None
    return (f"{s.complaint_id} is not on {who.id}'s desk ({who.role.value}, {who.department}): it is for its owner, "
            f"{s.department}, the departments it asks, reviewers and supervisors")


def list_scope(who: Who) -> tuple[str, str] | None:
    """None: every complaint; else (person id, department) whose complaints this person may list."""
    return None if may(who.role, Can.SEE_ALL) else (who.id, who.department)


def inbox_refusal(who: Who, department: str) -> str | None:
    """A department's work orders are its own people's, and supervisors'."""
    if department == who.department or may(who.role, Can.ANY_INBOX):
        return None
    return f"you see {who.department}'s work orders; {department}'s are its own"


# Incidents (workflows/incident.py): supervisors decide; the special group works one.
INCIDENT_DECIDERS = {"confirm", "dismiss", "publish_plan", "resolve", "merge", "split", "absorb"}
_ALL = None  # a rule for every message
# (the messages a rule is for, the check: the values of its refusal or None, the refusal's code), in order.
INCIDENT_RULES: list[tuple[set[str] | None, Callable[[str, Any, Any], dict[str, object] | None], str]] = [
    (_ALL, lambda name, msg, s: None if s.open else {"incident": s.incident_id, "incident_status": s.status.value},
     "incident_ended"),
    ({"confirm", "dismiss"}, lambda name, msg, s: None if s.status.value == "candidate" else
     {"incident": s.incident_id, "incident_status": s.status.value}, "incident_decided"),
    ({"publish_plan", "resolve"}, lambda name, msg, s: None if s.status.value == "confirmed" else
     {"incident": s.incident_id, "message": name}, "incident_unconfirmed"),
    ({"link"}, lambda name, msg, s: {"complaint": msg.complaint_id, "incident": s.incident_id}
     if msg.complaint_id in s.members else None, "already_linked"),
    ({"unlink"}, lambda name, msg, s: None if msg.complaint_id in s.members else
     {"complaints": msg.complaint_id, "incident": s.incident_id}, "not_linked"),
    ({"merge"}, lambda name, msg, s: {"incident": s.incident_id} if msg.into == s.incident_id else None, "merge_itself"),
    ({"split"}, lambda name, msg, s: {"complaints": ", ".join(outside[:5]), "incident": s.incident_id}
     if (outside := [c for c in msg.complaint_ids if c not in s.members]) else None, "not_linked"),
    ({"split"}, lambda name, msg, s: {"incident": s.incident_id} if len(set(msg.complaint_ids)) >= len(s.members)
     else None, "split_all"),
]


def incident_refusal(name: str, msg: Any, s: Any) -> Reason | None:
    """Why `msg` may not be applied to incident `s` now, or None: who may send it, then INCIDENT_RULES."""
    actor = msg.actor
    deciders = name in INCIDENT_DECIDERS
    staff = actor.role is Role.SUPERVISOR or (
        actor.role in (Role.HANDLER, Role.DEPARTMENT_AGENT) and actor.department == SPECIAL_GROUP_DEPARTMENT)
    if not staff or (deciders and actor.role is not Role.SUPERVISOR):
        who = Party.SUPERVISOR.value if deciders else f"{Party.SUPERVISOR.value} or {Party.SPECIAL_GROUP.value}"
        return why("not_yours", message=name, who=who, actor=actor.id, role=actor.role.value,
                   department=actor.department)
    for names, refuses, code in INCIDENT_RULES:
        if (names is None or name in names) and (values := refuses(name, msg, s)) is not None:
            return why(code, **values)
    return None
