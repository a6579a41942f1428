"""The complaint as a case: its state, and what every message and timer does to it. No Temporal here.

A `Case` is changed only by its methods, each given the time it happens at; what a change must leave behind
outside the state (audit entries, notifications, SLA events, a search-attribute push) is collected as
`Effects`, which the workflow shell takes with `take()` and writes. Stages move only along `TRANSITIONS`.
The handlers of the contract messages are in `workflows.case_messages`, the clock engine in
`workflows.case_clocks`; `workflows.complaint` is the Temporal shell around them."""
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from models.enums import Channel, Outcome, Role, Stage
from models.intake import SPECIAL_GROUP_DEPARTMENT, Actor
from models.policy import Policy, shared
from models.reasons import Reason, Said, said
from models.state import HISTORY_CHARS, HISTORY_KEPT, Analysis, ComplaintState
from models.text import excerpt
from models.workflow_io import AuditEntry, OutgoingNotification, RecordBatch, SlaEvent
from workflows import texts

SYSTEM = Actor(id="system", role=Role.SYSTEM, department="complaints")
# How the customer hears from us, by the channel they came in on.
CUSTOMER_CHANNEL = {
    Channel.BRANCH: "sms", Channel.HOTLINE: "sms", Channel.APP: "app", Channel.WECHAT: "app",
    Channel.LETTER: "email", Channel.EMAIL: "email", Channel.REGULATOR: "phone",
    Channel.RECEPTION_DAY: "sms",
}
REJECTION_DETAIL = 300  # characters of a rejection's reason kept on the audit trail
FLUSH_EVENTS, FLUSH_BYTES = 200, 128 * 1024  # one record write's share of a flood of messages


class Move(StrEnum):
    RECEIVED = "received"
    ANALYSED = "analysed"
    RESPONSE_PROPOSED = "response_proposed"
    RESPONSE_SENT = "response_sent"
    NOT_SATISFIED = "not_satisfied"
    CLOSED = "closed"


_OPEN = (Stage.RECEIVE, Stage.ANALYSE, Stage.HANDLE, Stage.RESPOND, Stage.VERIFY)
# The lifecycle: (stage, what happened) -> the next stage. Anything else is a bug, not a message.
TRANSITIONS: dict[tuple[Stage, Move], Stage] = {
    (Stage.RECEIVE, Move.RECEIVED): Stage.ANALYSE,
    (Stage.ANALYSE, Move.ANALYSED): Stage.HANDLE,
    (Stage.HANDLE, Move.RESPONSE_PROPOSED): Stage.RESPOND,
    (Stage.RESPOND, Move.RESPONSE_SENT): Stage.VERIFY,
    (Stage.VERIFY, Move.NOT_SATISFIED): Stage.HANDLE,
    **{(stage, Move.CLOSED): Stage.CLOSED for stage in _OPEN},
}


@dataclass
class Effects:
    """What the case asks its shell to do since the last `take()`."""

    events: list[AuditEntry] = field(default_factory=list)
    notifications: list[OutgoingNotification] = field(default_factory=list)
    sla_events: list[SlaEvent] = field(default_factory=list)
    search_attributes: bool = False   # the searchable view changed: push it with the next write
    rejections: list[str] = field(default_factory=list)  # for the log, already on the audit trail

    def __bool__(self) -> bool:
        return bool(self.events or self.notifications or self.sla_events)


class CaseCore:
    def __init__(self, state: ComplaintState, policy: Policy) -> None:
        self.s, self.policy = state, shared(policy)
        self.out = Effects()
        self.changes = 0  # bumped by every change: the shell's loop wakes on it
        self._history_chars = sum(len(h.detail) for h in state.history)

    def take(self) -> Effects:
        out, self.out = self.out, Effects(search_attributes=False)
        return out

    # ------------------------------------------------------------------ effects

    def event(self, action: str, actor: Actor, now: datetime, detail: str = "", accepted: bool = True) -> int:
        s = self.s
        s.history_total += 1
        coded = detail if isinstance(detail, Reason | Said) else None
        if not accepted:
            detail = excerpt(detail, REJECTION_DETAIL)
            self.out.rejections.append(f"{action}: {detail}")
        entry = AuditEntry(seq=s.history_total, at=now, action=action, actor_id=actor.id,
                           actor_role=actor.role.value, accepted=accepted, detail=detail, stage=s.stage.value,
                           code=coded.code if coded else "", values=coded.values if coded else {})
        s.history.append(entry)
        self._history_chars += len(detail)
        while len(s.history) > HISTORY_KEPT or (self._history_chars > HISTORY_CHARS and len(s.history) > 1):
            self._history_chars -= len(s.history.pop(0).detail)
        self.out.events.append(entry)
        self.changes += 1
        return entry.seq

    def notify(self, kind: str, recipient: str, template: str, body: str, now: datetime,
               channel: str = "internal", params: dict[str, str] | None = None) -> None:
        key = f"{self.s.complaint_id}/{self.s.history_total}/{template}/{recipient}"
        self.out.notifications.append(OutgoingNotification(
            key=key, recipient_kind=kind, recipient=recipient, channel=channel, template=template, body=body, at=now,
            params=params or {}))
        self.changes += 1

    def notify_customer(self, template: str, now: datetime, body: str | None = None, **values: object) -> None:
        """To the customer on the channel they came in on; `body` as given, or the template's text."""
        s = self.s
        text = body if body is not None else texts.customer(template, s.complaint_id, **values)
        params = {"cid": s.complaint_id, **{k: str(v) for k, v in values.items()}}
        self.notify("customer", s.customer_id, template, text, now, CUSTOMER_CHANNEL[s.channel], params)

    def move(self, move: Move, now: datetime, actor: Actor = SYSTEM) -> None:
        if self.s.stage is Stage.CLOSED:
            return
        stage = TRANSITIONS.get((self.s.stage, move))
        if stage is None:
            raise ValueError(f"no transition from {self.s.stage.value} on {move.value}")
        self.s.stage = stage
        self.event("stage", actor, now, said("stage", stage=stage.value))
        self.out.search_attributes = True

    # ------------------------------------------------------------------ stage steps

    def received(self, policy: Policy, now: datetime) -> None:
        self.policy = shared(policy)
        s = self.s
        s.policy_name, s.timezone = policy.name, policy.timezone
        self.event("received", s.first_responder, now, said("received", channel=s.channel.value))
        if s.review_of is None:
            self.notify_customer("acknowledgement", now)
        else:
            self.notify_customer("review_received", now, original=s.review_of.complaint_id)
        self.move(Move.RECEIVED, now)

    def analysed(self, analysis: Analysis, now: datetime) -> None:
        c = analysis.classification
        s = self.s
        s.classification, s.level, s.emergency = c, c.level, c.emergency
        s.codes = analysis.codes
        s.department, s.recent_complaints = c.department, analysis.recent_complaints
        s.suspected_repeat, s.open_of_customer = analysis.repeat_of, analysis.open_complaints[:20]
        s.special_group = c.level.goes_to_special_group()
        detail = said("analysed", business_type=c.business_type, problem_nature=c.problem_nature,
                      level=c.level.value, emergency=", emergency" if c.emergency else "", department=c.department,
                      method=c.method)
        self.event("analysed", SYSTEM, now, detail)
        if s.suspected_repeat:  # offered to the handler, who links it or says there are new facts
            self.event("suspected_repeat", SYSTEM, now, said("suspected_repeat", of=s.suspected_repeat))
        for name, due in analysis.deadlines.items():
            self.start_clock(name, s.received_at, due, now)
        if s.special_group:
            self.notify("department", SPECIAL_GROUP_DEPARTMENT, "special_group",
                        f"Major complaint {s.complaint_id} (level I) for the special handling group", now,
                        params={"cid": s.complaint_id})
        self.notify("owner", s.owner_id, "assigned",
                    f"Complaint {s.complaint_id} is yours (first responder); handled by {s.department}", now,
                    params={"cid": s.complaint_id, "department": s.department})
        self.out.search_attributes = True
        self.move(Move.ANALYSED, now)

    def close(self, outcome: Outcome, actor: Actor, now: datetime) -> None:
        s = self.s
        if s.special_group and outcome is not Outcome.WITHDRAWN and not s.close_approved_by:
            s.pending_outcome = outcome
            self.event("awaiting_close_approval", actor, now, said("awaiting_close_approval", outcome=outcome.value))
            self.notify("supervisor", f"supervisor:{s.department}", "close_approval",
                        f"Major complaint {s.complaint_id} is ready to close ({outcome.value})", now,
                        params={"cid": s.complaint_id, "outcome": outcome.value})
            return
        for clock in s.clocks:
            if clock.running:
                clock.resume(now)
                clock.stopped_at = now
        s.outcome, s.pending_outcome, s.closed_at = outcome, None, now
        self.move(Move.CLOSED, now, actor)

    def record_fault(self, cause: str, events: int, now: datetime) -> str:
        """A write the database refused for good, kept on the state (the newest 10) for an operator. No
        event: the same database would refuse it, and the shell's loop would wake to try again for ever."""
        fault = excerpt(f"{now.isoformat()}: {events} audit entries not written: {cause}", 300)
        self.s.faults = [*self.s.faults[-9:], fault]
        return fault

    def start_clock(self, name: str, started_at: datetime, due_at: datetime, now: datetime) -> None:
        raise NotImplementedError  # the clock engine (workflows.case_clocks)


def record_batches(state: ComplaintState, out: Effects) -> list[RecordBatch]:
    """The writes for `out`, in slices of bounded size: a flood of messages within one workflow task must not
    make an activity input larger than the server takes. Every slice carries the same state, versioned
    (its history left out: the events carry it), so their order is safe; the last carries the rest."""
    view = state.model_copy(update={"history": []})
    batches, events = [], out.events
    while True:
        cut, size = 0, 0
        while cut < len(events) and cut < FLUSH_EVENTS and size < FLUSH_BYTES:
            size += len(events[cut].detail) * 3
            cut += 1
        last = cut == len(events)
        batches.append(RecordBatch(state=view, version=state.history_total, events=events[:cut],
                                   notifications=out.notifications if last else [],
                                   sla_events=out.sla_events if last else []))
        if last:
            return batches
        events = events[cut:]
