"""What a complaint's changes leave behind: audit entries, notifications, SLA events, search attributes.

A mixin of ComplaintWorkflow: handlers call these synchronously; the main loop writes what they queued in
one idempotent activity (`_flush`)."""
from typing import Any

from temporalio import workflow
from temporalio.common import TypedSearchAttributes

with workflow.unsafe.imports_passed_through():
    from models import search_attributes as sa
    from models.enums import Channel, Role, Stage
    from models.intake import Actor
    from models.policy import Policy
    from models.state import HISTORY_CHARS, HISTORY_KEPT, ComplaintState
    from models.text import excerpt
    from models.workflow_io import AuditEntry, OutgoingNotification, SlaEvent
    from workflows import texts

SYSTEM = Actor(id="system", role=Role.SYSTEM, department="complaints")
# How the customer hears from us, by the channel they came in on.
CUSTOMER_CHANNEL = {
    Channel.BRANCH: "sms", Channel.HOTLINE: "sms", Channel.APP: "app", Channel.WECHAT: "app",
    Channel.LETTER: "email", Channel.EMAIL: "email", Channel.REGULATOR: "phone",
    Channel.RECEPTION_DAY: "sms",
}
REJECTION_DETAIL = 300  # characters of a rejection's reason kept on the audit trail


def comparable(attributes: TypedSearchAttributes) -> dict[str, Any]:
    return {pair.key.name: pair.value for pair in attributes}


class Effects:
    s: ComplaintState
    _policy: Policy

    def _init_effects(self) -> None:
        self._changes = 0  # bumped by every change; the main loop wakes on it
        self._events: list[AuditEntry] = []
        self._notifications: list[OutgoingNotification] = []
        self._sla_events: list[SlaEvent] = []
        self._search_attributes: dict[str, Any] | None = None  # as last pushed
        self._search_attributes_due = False
        self._history_chars = 0  # text held by self.s.history; recounted by _count_history

    def _count_history(self) -> None:
        self._history_chars = sum(len(h.detail) for h in self.s.history)

    def _event(self, action: str, actor: Actor, detail: str = "", accepted: bool = True) -> int:
        s = self.s
        s.history_total += 1
        if not accepted:
            detail = excerpt(detail, REJECTION_DETAIL)
        entry = AuditEntry(seq=s.history_total, at=workflow.now(), action=action, actor_id=actor.id,
                           actor_role=actor.role.value, accepted=accepted, detail=detail, stage=s.stage.value)
        s.history.append(entry)
        self._history_chars += len(detail)
        while len(s.history) > HISTORY_KEPT or (self._history_chars > HISTORY_CHARS and len(s.history) > 1):
            self._history_chars -= len(s.history.pop(0).detail)
        self._events.append(entry)
        self._changes += 1
        if not accepted:
            workflow.logger.info("message rejected", extra={"action": action, "reason": detail})
        return entry.seq

    def _notify(self, kind: str, recipient: str, template: str, body: str, channel: str = "internal") -> None:
        key = f"{self.s.complaint_id}/{self.s.history_total}/{template}/{recipient}"
        self._notifications.append(OutgoingNotification(
            key=key, recipient_kind=kind, recipient=recipient, channel=channel, template=template,
            body=body, at=workflow.now()))
        self._changes += 1

    def _notify_customer(self, template: str, body: str | None = None, **values: object) -> None:
        """To the customer on the channel they came in on; `body` as given, or the template's text."""
        s = self.s
        text = body if body is not None else texts.customer(template, s.complaint_id, **values)
        self._notify("customer", s.customer_id, template, text, CUSTOMER_CHANNEL[s.channel])

    def _set_stage(self, stage: Stage, actor: Actor = SYSTEM) -> None:
        if self.s.stage is Stage.CLOSED:
            return
        self.s.stage = stage
        self._event("stage", actor, stage.value)
        self._search_attributes_due = True

    def _push_search_attributes(self) -> None:
        """One upsert per write however many changes came before it; none when nothing changed (each
        upsert is a history event and a visibility write)."""
        self._search_attributes_due = False
        attributes = sa.of_state(self.s)
        pushed = comparable(attributes)
        if pushed != self._search_attributes:
            self._search_attributes = pushed
            workflow.upsert_search_attributes([pair.key.value_set(pair.value) for pair in attributes])
