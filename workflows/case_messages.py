"""What each contract message does to the case once the rules allowed it.

`Case.deadline_for` says which calendar deadline a message needs first (the shell computes it, since a
working-day limit needs the holiday tables, and checks the rules again after); `Case.apply` then changes
the state in one synchronous step."""
from collections.abc import Callable
from datetime import datetime

from models import messages as m
from models.enums import Outcome, Role, WorkOrderStatus
from models.intake import SPECIAL_GROUP_DEPARTMENT, mask_name
from models.policy import Policy, without_holidays
from models.reasons import said
from models.sla import ClockKind, Milestone
from models.state import Appraisal, ComplaintState, Decision, Feedback, Pause, Redress, RedressApproval, WorkOrder
from models.workflow_io import StartComplaint
from workflows import contract, texts
from workflows.case import Move
from workflows.case_clocks import CaseClocks


class Case(CaseClocks):
    @classmethod
    def opened(cls, start: StartComplaint) -> "Case":
        """A new complaint from its intake; the policy pinned into it comes with `received`."""
        intake = start.intake
        return cls(ComplaintState(
            complaint_id=start.complaint_id, channel=intake.channel, external_ref=intake.external_ref,
            customer_id=intake.customer.id, customer_masked=mask_name(intake.customer.name),
            tier=intake.customer.tier, elderly=intake.customer.elderly, received_at=intake.received_at,
            first_responder=intake.received_by, owner_id=intake.received_by.id,
            department=intake.received_by.department, reopened_from=start.reopened_from,
            surface_fix=start.surface_fix, review_of=start.review_of), Policy())

    def deadline_for(self, name: str, msg: m.Message, now: datetime) -> tuple[datetime, str] | None:
        """(start, policy duration) of the deadline `msg` needs before it can be applied, or None."""
        p = self.policy
        if isinstance(msg, m.OpenWorkOrder):
            return now, msg.due or p.work_order.reply
        if isinstance(msg, m.ProposeResponse):
            return now, p.verify_window
        if isinstance(msg, m.CustomerFeedback) and not msg.satisfied:
            return now, p.dissatisfied.resolve
        if isinstance(msg, m.ExtendDeadline):
            decision = self.s.clock("decision")
            further = decision is not None and decision.extensions >= 1
            return self.s.received_at, p.regulatory.further if further else p.regulatory.extended
        return None

    def apply(self, name: str, msg: m.Message, now: datetime, due: datetime | None = None) -> int:
        """Apply an allowed message; returns the seq of the first audit entry it made."""
        seq = self.s.history_total + 1
        handler: Callable[[m.Message, datetime, datetime | None], None] = getattr(self, f"on_{name}")
        handler(msg, now, due)
        return seq

    def on_accept(self, msg: m.Accept, now: datetime, due: datetime | None) -> None:
        s = self.s
        s.accepted = True
        # A complaint a channel's system took in (the app, WeChat) waits in the owning department's queue
        # with no person responsible: the first employee who accepts it becomes its first responder and
        # owner from then on (首问负责制).
        if s.first_responder.role is Role.INTAKE and s.owner_id == s.first_responder.id:
            s.first_responder = msg.actor
            s.owner_id = msg.actor.id
            self.out.search_attributes = True
        self.event("accept", msg.actor, now, said("accept", note=msg.note))
        self.meet(Milestone.ACCEPTED, now)

    def on_add_note(self, msg: m.AddNote, now: datetime, due: datetime | None) -> None:
        times = self.s.note_times
        del times[:len(times) - contract.notes_in_window(times, now)]  # only the last hour counts
        times.append(now)
        self.event("add_note", msg.actor, now, said("add_note", text=msg.text))

    def on_open_work_order(self, msg: m.OpenWorkOrder, now: datetime, due: datetime | None) -> None:
        assert due is not None  # deadline_for asked for it
        wo = WorkOrder(id=f"WO-{len(self.s.work_orders) + 1}", department=msg.department,
                       question=msg.question, opened_by=msg.actor.id, opened_at=now)
        self.s.work_orders.append(wo)
        self.start_clock(ClockKind.REPLY, now, due, now, work_order=wo.id)
        self.event("open_work_order", msg.actor, now, said("open_work_order", wo=wo.id, department=wo.department,
                                                            question=msg.question))
        self.notify("department", wo.department, "work_order",
                    f"Work order {wo.id} on complaint {self.s.complaint_id}, due {due.isoformat()}", now,
                    params={"wo": wo.id, "cid": self.s.complaint_id, "due": due.isoformat()})

    def on_answer_work_order(self, msg: m.AnswerWorkOrder, now: datetime, due: datetime | None) -> None:
        wo = self.s.work_order(msg.work_order_id)
        assert wo is not None  # the rules checked it exists
        wo.status, wo.answer, wo.answered_by, wo.closed_at = WorkOrderStatus.ANSWERED, msg.answer, msg.actor.id, now
        self.meet(Milestone.WORK_ORDER_ANSWERED, now, work_order=wo.id)
        self.event("answer_work_order", msg.actor, now, said("answer_work_order", wo=wo.id, answer=msg.answer))
        self.notify("owner", self.s.owner_id, "work_order_answered",
                    f"{wo.department} answered work order {wo.id} on {self.s.complaint_id}", now,
                    params={"department": wo.department, "wo": wo.id, "cid": self.s.complaint_id})

    def on_cancel_work_order(self, msg: m.CancelWorkOrder, now: datetime, due: datetime | None) -> None:
        wo = self.s.work_order(msg.work_order_id)
        assert wo is not None
        wo.status, wo.cancel_reason, wo.closed_at = WorkOrderStatus.CANCELLED, msg.reason, now
        for clock in self.s.clocks:
            if clock.work_order == wo.id and clock.running:
                clock.stopped_at = now
        self.event("cancel_work_order", msg.actor, now, said("cancel_work_order", wo=wo.id, reason=msg.reason))
        self.notify("department", wo.department, "work_order_cancelled", f"Work order {wo.id} cancelled", now,
                    params={"wo": wo.id})

    def on_request_customer_info(self, msg: m.RequestCustomerInfo, now: datetime, due: datetime | None) -> None:
        self.s.pauses.append(Pause(started_at=now, reason=msg.what))
        self.hold_or_run(now)
        self.event("request_customer_info", msg.actor, now, said("request_customer_info", what=msg.what))
        self.notify_customer("information_request", now, what=msg.what)

    def on_customer_info_received(self, msg: m.CustomerInfoReceived, now: datetime, due: datetime | None) -> None:
        pause = self.s.pauses[-1]
        pause.ended_at = now
        self.hold_or_run(now)
        self.event("customer_info_received", msg.actor, now,
                   said("customer_info_received", span=now - pause.started_at, sep=": " if msg.note else "", note=msg.note,
                        images="".join(f" [{a}]" for a in msg.attachments)))

    def on_link_repeat(self, msg: m.LinkRepeat, now: datetime, due: datetime | None) -> None:
        s = self.s
        s.repeat_of, s.suspected_repeat = msg.of, None
        self.hold_or_run(now)  # handled on the open one's clock: this one's wait while linked
        self.event("link_repeat", msg.actor, now, said("link_repeat", of=msg.of, note=msg.note))
        self.notify_customer("repeat_linked", now, of=msg.of)
        self.out.search_attributes = True

    def on_new_facts(self, msg: m.NewFacts, now: datetime, due: datetime | None) -> None:
        s = self.s
        linked, s.repeat_of, s.suspected_repeat = s.repeat_of, None, None
        self.hold_or_run(now)
        self.event("new_facts", msg.actor, now, said("new_facts", of=linked or "", reason=msg.reason))
        if linked:  # the customer was told it was merged: now that it is handled on its own
            self.notify_customer("repeat_unlinked", now, of=linked)
        self.out.search_attributes = True

    def on_start_appraisal(self, msg: m.StartAppraisal, now: datetime, due: datetime | None) -> None:
        self.s.appraisals.append(Appraisal(what=msg.what, by=msg.by, started_at=now, started_by=msg.actor.id))
        self.hold_or_run(now)
        self.event("start_appraisal", msg.actor, now, said("start_appraisal", what=msg.what, by=msg.by))
        self.notify_customer("appraisal_started", now, what=msg.what, by=msg.by)

    def on_end_appraisal(self, msg: m.EndAppraisal, now: datetime, due: datetime | None) -> None:
        appraisal = self.s.appraisals[-1]
        appraisal.ended_at, appraisal.result = now, msg.result
        self.hold_or_run(now)
        decision = self.s.clock("decision")
        self.event("end_appraisal", msg.actor, now, said("end_appraisal", span=now - appraisal.started_at,
                                                        result=msg.result))
        if decision is not None and decision.running:  # the customer is told the limit, moved by the pause
            self.notify_customer("appraisal_ended", now, due=texts.when(decision.deadline(), self.s.timezone))

    def on_approve_disposal(self, msg: m.ApproveDisposal, now: datetime, due: datetime | None) -> None:
        self.s.disposal_approvals.append(msg.actor.id)
        self.event("approve_disposal", msg.actor, now, said("approve_disposal", n=len(self.s.disposal_approvals),
                                                              note=msg.note))
        if self.s.dual_review_done:
            self.meet(Milestone.DISPOSAL_APPROVED, now)

    def on_record_disposal(self, msg: m.RecordDisposal, now: datetime, due: datetime | None) -> None:
        # A new text is a new thing to review: approvals given to the one before do not carry over.
        s = self.s
        s.disposal, s.disposal_by, s.disposal_returned, s.disposal_approvals = msg.text, msg.actor.id, None, []
        self.event("record_disposal", msg.actor, now, said("record_disposal", text=msg.text))

    def on_return_disposal(self, msg: m.ReturnDisposal, now: datetime, due: datetime | None) -> None:
        # Approvals given to the disposal as it was no longer stand: the owner records it again.
        s = self.s
        s.disposal_approvals, s.disposal_returned = [], msg.reason
        self.event("return_disposal", msg.actor, now, said("return_disposal", reason=msg.reason))
        self.notify("owner", s.owner_id, "disposal_returned",
                    f"Disposal of {s.complaint_id} returned by {msg.actor.id}", now,
                    params={"cid": s.complaint_id, "actor": msg.actor.id})

    def on_incident_notice(self, msg: m.IncidentNotice, now: datetime, due: datetime | None) -> None:
        self.event("incident_notice", msg.actor, now, said("incident_notice", iid=msg.incident_id, text=msg.zh))
        self.notify_customer("incident_plan", now, text_zh=msg.zh, text_en=msg.en or msg.zh)
        self.meet_kinds(self.policy.incidents.announcement_meets, now)  # the customer has been told

    def on_propose_response(self, msg: m.ProposeResponse, now: datetime, due: datetime | None) -> None:
        """Sends the response and invites the customer to verify, in one step: the caller's next message
        (the customer's feedback) is never refused for arriving a moment too early."""
        assert due is not None
        s = self.s
        s.response = msg.text
        assert msg.finding is not None and msg.relief is not None  # the rules refuse a decision without them
        review_by = None if s.review_of else without_holidays(now, self.policy.review.apply, self.policy.timezone)
        s.decision = Decision(finding=msg.finding, relief=msg.relief, facts=msg.facts, basis=msg.basis,
                              reasons=msg.reasons, review=msg.review, at=now, by=msg.actor.id, review_by=review_by)
        self.event("propose_response", msg.actor, now, said("propose_response"))
        self.confirm_codes(msg, now)
        self.give_redress(msg, now)
        self.notify_customer("response", now, body=msg.text)
        money = f" {msg.redress_amount} {msg.redress_currency}" if msg.redress_amount is not None else ""
        notice = {**texts.named("finding", msg.finding), **texts.named("relief", msg.relief), "money": money,
                  "facts": msg.facts, "basis": msg.basis, "reasons": msg.reasons}
        if s.review_of is None:
            assert review_by is not None
            self.notify_customer("decision", now, review_by=texts.when(review_by, s.timezone), **notice)
        else:
            self.notify_customer("review_decision", now, original=s.review_of.complaint_id,
                                 **texts.named("review", msg.review), **notice)
        self.move(Move.RESPONSE_PROPOSED, now, msg.actor)
        s.responses_sent += 1
        self.meet(Milestone.RESPONSE_SENT, now)
        self.start_clock(ClockKind.VERIFY_WINDOW, now, due, now, round=self.next_round(ClockKind.VERIFY_WINDOW))
        self.move(Move.RESPONSE_SENT, now)
        self.notify_customer("feedback_invitation", now)

    def give_redress(self, msg: m.ProposeResponse, now: datetime) -> None:
        """The decision's money, a line of the redress ledger; the approval it used is spent."""
        s = self.s
        if msg.redress_amount is None:
            return
        needed = self.policy.redress.needs_approval(msg.redress_amount, msg.redress_currency)
        line = Redress(id=f"{s.complaint_id}-R{len(s.redresses) + 1}", amount=msg.redress_amount,
                       currency=msg.redress_currency, purpose=msg.redress_for, decided_at=now, decided_by=msg.actor.id,
                       approved_by=s.redress_approval.by if needed and s.redress_approval else None)
        s.redresses.append(line)
        s.redress_approval = None
        self.event("redress", msg.actor, now, said("redress", id=line.id, amount=f"{line.amount} {line.currency}",
                                                   purpose=line.purpose,
                                                   approved=line.approved_by or "—"))

    def on_approve_redress(self, msg: m.ApproveRedress, now: datetime, due: datetime | None) -> None:
        self.s.redress_approval = RedressApproval(amount=msg.amount, currency=msg.currency, by=msg.actor.id, at=now)
        self.event("approve_redress", msg.actor, now, said("approve_redress", amount=f"{msg.amount} {msg.currency}",
                                                             note=msg.note))

    def confirm_codes(self, msg: m.ProposeResponse, now: datetime) -> None:
        """The decision confirms the regulator's codes as sent; one that differs from the proposal is a
        correction, recorded as such (corrections become training rows)."""
        k = self.s.codes
        if k is None:
            return
        before = [k.channel, k.business, k.reason]
        k.channel, k.business, k.reason = msg.channel_code or k.channel, msg.business_code or k.business, \
            msg.reason_code or k.reason
        k.confirmed_by, k.confirmed_at = msg.actor.id, now
        after = [k.channel, k.business, k.reason]
        if after == before:
            self.event("codes_confirmed", msg.actor, now, said("codes_confirmed", codes=" · ".join(after)))
        else:
            self.event("codes_corrected", msg.actor, now, said("codes_corrected", codes=" · ".join(before),
                                                                new_codes=" · ".join(after)))

    def on_customer_feedback(self, msg: m.CustomerFeedback, now: datetime, due: datetime | None) -> None:
        s = self.s
        s.feedback.append(Feedback(satisfied=msg.satisfied, csat=msg.csat, comment=msg.comment, at=now))
        self.meet(Milestone.CUSTOMER_FEEDBACK, now)
        verdict = "satisfied" if msg.satisfied else "not satisfied"
        self.event("customer_feedback", msg.actor, now, said("customer_feedback", verdict=verdict, csat=msg.csat,
                                                                comment=msg.comment))
        if msg.satisfied:
            self.close(Outcome.RESOLVED, msg.actor, now)
            return
        assert due is not None
        # A dissatisfaction event: apology, a supervisor on the case, resolution within the limit.
        s.dissatisfaction_events += 1
        s.supervisor_assigned = True
        s.response = None
        self.start_clock(ClockKind.RESOLVE, now, due, now, round=s.dissatisfaction_events)
        # The department's supervisor is on the case from here (told below): the customer is told so, and when.
        self.notify_customer("apology", now, due=texts.when(due, s.timezone))
        self.notify("supervisor", f"supervisor:{s.department}", "dissatisfied",
                    f"Customer not satisfied with {s.complaint_id}: back to handling", now,
                    params={"cid": s.complaint_id})
        self.move(Move.NOT_SATISFIED, now, msg.actor)

    def on_escalate(self, msg: m.Escalate, now: datetime, due: datetime | None) -> None:
        self.s.special_group = True
        self.event("escalate", msg.actor, now, said("escalate", reason=msg.reason))
        self.notify("department", SPECIAL_GROUP_DEPARTMENT, "special_group",
                    f"Complaint {self.s.complaint_id} escalated to the special handling group", now,
                    params={"cid": self.s.complaint_id})

    def on_reassign(self, msg: m.Reassign, now: datetime, due: datetime | None) -> None:
        s = self.s
        owner, department = s.owner_id, s.department
        s.owner_id, s.department = msg.owner_id or s.owner_id, msg.department or s.department
        self.event("reassign", msg.actor, now, said("reassign", owner=owner, department=department,
                                                    new_owner=s.owner_id, new_department=s.department,
                                                    reason=msg.reason))
        self.notify("owner", s.owner_id, "assigned", f"Complaint {s.complaint_id} reassigned to you", now,
                    params={"cid": s.complaint_id})
        self.out.search_attributes = True

    def on_approve_close(self, msg: m.ApproveClose, now: datetime, due: datetime | None) -> None:
        self.s.close_approved_by = msg.actor.id
        self.event("approve_close", msg.actor, now, said("approve_close", note=msg.note))
        if self.s.pending_outcome is not None:
            self.close(self.s.pending_outcome, msg.actor, now)

    def on_withdraw(self, msg: m.Withdraw, now: datetime, due: datetime | None) -> None:
        self.event("withdraw", msg.actor, now, said("withdraw", reason=msg.reason))
        self.notify_customer("withdrawn", now)
        self.close(Outcome.WITHDRAWN, msg.actor, now)

    def on_extend_deadline(self, msg: m.ExtendDeadline, now: datetime, due: datetime | None) -> None:
        assert due is not None
        clock = self.s.clock("decision")
        assert clock is not None
        clock.due_at, clock.warned_at = due, None
        clock.extensions += 1
        self.event("extend_deadline", msg.actor, now, said("extend_deadline", due=due.isoformat(), reason=msg.reason))
        # The date the customer is promised counts the appraisals so far (paused time moves the deadline).
        self.notify_customer("extension", now, day=texts.day(clock.deadline()), reason=msg.reason)

    def on_correct_classification(self, msg: m.CorrectClassification, now: datetime, due: datetime | None) -> None:
        # Labels only: the level, emergency flag and clocks stay (escalate / reassign change those).
        before = self.s.classification
        assert before is not None
        after = before.model_copy(update={
            "business_type": msg.business_type or before.business_type,
            "problem_nature": msg.problem_nature or before.problem_nature,
            "method": f"corrected by {msg.actor.id} (was {before.method})", "confidence": 1.0})
        self.s.classification = after
        self.event("correct_classification", msg.actor, now, said(
            "correct_classification", business_type=before.business_type, problem_nature=before.problem_nature,
            new_type=after.business_type, new_nature=after.problem_nature, reason=msg.reason))
        self.out.search_attributes = True
