"""What each contract message does to the complaint once the rules allowed it, and the stage steps the
main loop takes (analysis applied, response sent, closing).

A mixin of ComplaintWorkflow. Each `_on_<name>` changes the state and queues its effects; an `await`
inside one (a calendar deadline) is followed by a re-check, since other messages may have moved the state."""
from datetime import datetime, timedelta, timezone

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models import messages as m
    from models.enums import Outcome, Stage, WorkOrderStatus
    from models.intake import SPECIAL_GROUP_DEPARTMENT, Actor
    from models.policy import wall_clock
    from models.sla import Milestone
    from models.state import Analysis, Feedback, Pause, WorkOrder
    from models.workflow_io import Act, DeadlineInput
    from workflows import rules, texts
    from workflows.clocks import Clocks
    from workflows.effects import SYSTEM


class Handling(Clocks):
    async def _deadline(self, start: datetime, duration: str) -> datetime:
        span = wall_clock(duration)
        if span is not None:
            return start.astimezone(timezone.utc) + span  # real hours, even across a DST change
        # Calendar limits need the holiday tables: computed once in an activity, then replayed from history.
        due: datetime = await workflow.execute_local_activity(
            Act.DEADLINE, DeadlineInput(region=self._policy.region, timezone=self._policy.timezone,
                                        start=start, duration=duration),
            result_type=datetime, start_to_close_timeout=timedelta(seconds=10))
        return due

    def _recheck(self, name: str, msg: m.Message) -> None:
        """After an await inside a handler the state may have moved: check again before changing it."""
        rules.check(name, msg, self.s, self._policy, workflow.now())

    # ------------------------------------------------------------------ stage steps

    def _apply_analysis(self, analysis: Analysis) -> None:
        c = analysis.classification
        s = self.s
        s.classification, s.level, s.emergency = c, c.level, c.emergency
        s.department, s.recent_complaints = c.department, analysis.recent_complaints
        s.special_group = c.level.goes_to_special_group()
        detail = (f"{c.business_type}/{c.problem_nature}, level {c.level.value}"
                  f"{', emergency' if c.emergency else ''}, to {c.department} ({c.method})")
        self._event("analysed", SYSTEM, detail)
        for name, due in analysis.deadlines.items():
            self._start_clock(name, s.received_at, due)
        if s.special_group:
            self._notify("department", SPECIAL_GROUP_DEPARTMENT, "special_group",
                         f"Major complaint {s.complaint_id} (level I) for the special handling group")
        self._notify("owner", s.owner_id, "assigned",
                     f"Complaint {s.complaint_id} is yours (first responder); handled by {s.department}")
        self._search_attributes_due = True

    async def _response_sent(self) -> None:
        now = workflow.now()
        self.s.responses_sent += 1
        self._meet(Milestone.RESPONSE_SENT)
        due = await self._deadline(now, self._policy.verify_window)
        if self.s.stage is not Stage.RESPOND:  # withdrawn while the deadline was computed
            return
        self._start_clock(self._round_name("verify_window"), now, due)
        self._set_stage(Stage.VERIFY)
        self._notify_customer("feedback_invitation")

    def _close(self, outcome: Outcome, actor: Actor) -> None:
        s = self.s
        if s.special_group and outcome is not Outcome.WITHDRAWN and not s.close_approved_by:
            s.pending_outcome = outcome
            self._event("awaiting_close_approval", actor, f"{outcome.value}; a supervisor must approve")
            self._notify("supervisor", f"supervisor:{s.department}", "close_approval",
                         f"Major complaint {s.complaint_id} is ready to close ({outcome.value})")
            return
        now = workflow.now()
        for clock in s.clocks:
            if clock.running:
                clock.resume(now)
                clock.stopped_at = now
        s.outcome, s.pending_outcome, s.closed_at = outcome, None, now
        self._set_stage(Stage.CLOSED, actor)

    # ------------------------------------------------------------------ messages

    def _on_accept(self, msg: m.Accept) -> None:
        self.s.accepted = True
        self._event("accept", msg.actor, msg.note)
        self._meet(Milestone.ACCEPTED)

    def _on_add_note(self, msg: m.AddNote) -> None:
        now, times = workflow.now(), self.s.note_times
        del times[:len(times) - rules.notes_in_window(times, now)]  # only the last hour counts
        times.append(now)
        self._event("add_note", msg.actor, msg.text)

    async def _on_open_work_order(self, msg: m.OpenWorkOrder) -> None:
        now = workflow.now()
        due = await self._deadline(now, msg.due or self._policy.work_order.reply)
        self._recheck("open_work_order", msg)
        wo = WorkOrder(id=f"WO-{len(self.s.work_orders) + 1}", department=msg.department,
                       question=msg.question, opened_by=msg.actor.id, opened_at=now)
        self.s.work_orders.append(wo)
        self._start_clock(f"reply:{wo.id}", now, due)
        self._event("open_work_order", msg.actor, f"{wo.id} to {wo.department}: {msg.question}")
        self._notify("department", wo.department, "work_order",
                     f"Work order {wo.id} on complaint {self.s.complaint_id}, due {due.isoformat()}")

    def _on_answer_work_order(self, msg: m.AnswerWorkOrder) -> None:
        wo = self.s.work_order(msg.work_order_id)
        assert wo is not None  # the rules checked it exists
        wo.status, wo.answer, wo.answered_by, wo.closed_at = (
            WorkOrderStatus.ANSWERED, msg.answer, msg.actor.id, workflow.now())
        self._meet(Milestone.WORK_ORDER_ANSWERED, f"reply:{wo.id}")
        self._event("answer_work_order", msg.actor, f"{wo.id}: {msg.answer}")
        self._notify("owner", self.s.owner_id, "work_order_answered",
                     f"{wo.department} answered work order {wo.id} on {self.s.complaint_id}")

    def _on_cancel_work_order(self, msg: m.CancelWorkOrder) -> None:
        wo = self.s.work_order(msg.work_order_id)
        assert wo is not None
        wo.status, wo.cancel_reason, wo.closed_at = WorkOrderStatus.CANCELLED, msg.reason, workflow.now()
        clock = self.s.clock(f"reply:{wo.id}")
        if clock and clock.running:
            clock.stopped_at = workflow.now()
        self._event("cancel_work_order", msg.actor, f"{wo.id}: {msg.reason}")
        self._notify("department", wo.department, "work_order_cancelled", f"Work order {wo.id} cancelled")

    def _on_request_customer_info(self, msg: m.RequestCustomerInfo) -> None:
        now = workflow.now()
        self.s.pauses.append(Pause(started_at=now, reason=msg.what))
        for clock in self.s.clocks:
            clock.pause(now)
        self._event("request_customer_info", msg.actor, f"resolution clocks paused: {msg.what}")
        self._notify_customer("information_request", what=msg.what)

    def _on_customer_info_received(self, msg: m.CustomerInfoReceived) -> None:
        now = workflow.now()
        pause = self.s.pauses[-1]
        pause.ended_at = now
        for clock in self.s.clocks:
            clock.resume(now)
        self._event("customer_info_received", msg.actor,
                    f"resolution clocks resumed after {now - pause.started_at}")

    def _on_approve_disposal(self, msg: m.ApproveDisposal) -> None:
        self.s.disposal_approvals.append(msg.actor.id)
        self._event("approve_disposal", msg.actor, f"{len(self.s.disposal_approvals)} of 2. {msg.note}")
        if self.s.dual_review_done:
            self._meet(Milestone.DISPOSAL_APPROVED)

    async def _on_propose_response(self, msg: m.ProposeResponse) -> None:
        self.s.response = msg.text
        self._event("propose_response", msg.actor, "response passed the script check; sending")
        self._notify_customer("response", msg.text)
        self._set_stage(Stage.RESPOND, msg.actor)
        # Returns once the customer is invited to verify, so the caller's next step (the customer's
        # feedback) is never refused for arriving a moment too early.
        await self._response_sent()

    async def _on_customer_feedback(self, msg: m.CustomerFeedback) -> None:
        now = workflow.now()
        resolve_by = None
        if not msg.satisfied:
            resolve_by = await self._deadline(now, self._policy.dissatisfied.resolve)
            self._recheck("customer_feedback", msg)
        s = self.s
        s.feedback.append(Feedback(satisfied=msg.satisfied, csat=msg.csat, comment=msg.comment, at=now))
        self._meet(Milestone.CUSTOMER_FEEDBACK)
        verdict = "satisfied" if msg.satisfied else "not satisfied"
        self._event("customer_feedback", msg.actor, f"{verdict}, CSAT {msg.csat}. {msg.comment}")
        if resolve_by is None:
            self._close(Outcome.RESOLVED, msg.actor)
            return
        # A dissatisfaction event: apology, a supervisor on the case, resolution within the limit.
        s.dissatisfaction_events += 1
        s.supervisor_assigned = True
        s.response = None
        self._start_clock(self._round_name("resolve", s.dissatisfaction_events), now, resolve_by)
        self._notify_customer("apology")
        self._notify("supervisor", f"supervisor:{s.department}", "dissatisfied",
                     f"Customer not satisfied with {s.complaint_id}: back to handling")
        self._set_stage(Stage.HANDLE, msg.actor)

    def _on_escalate(self, msg: m.Escalate) -> None:
        self.s.special_group = True
        self._event("escalate", msg.actor, msg.reason)
        self._notify("department", SPECIAL_GROUP_DEPARTMENT, "special_group",
                     f"Complaint {self.s.complaint_id} escalated to the special handling group")

    def _on_reassign(self, msg: m.Reassign) -> None:
        s = self.s
        before = f"{s.owner_id}@{s.department}"
        s.owner_id, s.department = msg.owner_id or s.owner_id, msg.department or s.department
        self._event("reassign", msg.actor, f"{before} -> {s.owner_id}@{s.department}: {msg.reason}")
        self._notify("owner", s.owner_id, "assigned", f"Complaint {s.complaint_id} reassigned to you")
        self._search_attributes_due = True

    def _on_approve_close(self, msg: m.ApproveClose) -> None:
        self.s.close_approved_by = msg.actor.id
        self._event("approve_close", msg.actor, msg.note)
        if self.s.pending_outcome is not None:
            self._close(self.s.pending_outcome, msg.actor)

    def _on_withdraw(self, msg: m.Withdraw) -> None:
        self._event("withdraw", msg.actor, msg.reason)
        self._notify_customer("withdrawn")
        self._close(Outcome.WITHDRAWN, msg.actor)

    async def _on_extend_deadline(self, msg: m.ExtendDeadline) -> None:
        new_due = await self._deadline(self.s.received_at, self._policy.regulatory.extended)
        self._recheck("extend_deadline", msg)
        clock = self.s.clock("decision")
        assert clock is not None
        clock.due_at, clock.extended, clock.warned_at = new_due, True, None
        self._event("extend_deadline", msg.actor, f"regulatory decision due {new_due.isoformat()}: {msg.reason}")
        self._notify_customer("extension", day=texts.day(new_due))

    def _on_correct_classification(self, msg: m.CorrectClassification) -> None:
        # Labels only: the level, emergency flag and clocks stay (escalate / reassign change those).
        before = self.s.classification
        assert before is not None
        after = before.model_copy(update={
            "business_type": msg.business_type or before.business_type,
            "problem_nature": msg.problem_nature or before.problem_nature,
            "method": f"corrected by {msg.actor.id} (was {before.method})", "confidence": 1.0})
        self.s.classification = after
        self._event("correct_classification", msg.actor,
                    f"{before.business_type}/{before.problem_nature} -> {after.business_type}/"
                    f"{after.problem_nature}: {msg.reason}")
        self._search_attributes_due = True
