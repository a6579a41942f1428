"""The complaint's SLA clocks as the workflow runs them: start, meet, warn, breach, and the next timer.

A mixin of ComplaintWorkflow. The arithmetic of one clock (pause, deadline, warning time) is in
`models.sla.Clock`; here is what happens to the complaint when a clock moves."""
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from models.enums import Outcome
    from models.intake import Actor
    from models.policy import CLOCK_LABELS, CLOCK_MILESTONES, PAUSABLE
    from models.sla import Clock, Expiry, Milestone
    from models.workflow_io import SlaEvent
    from workflows.effects import SYSTEM, Effects


class Clocks(Effects):
    def _close(self, outcome: Outcome, actor: Actor) -> None:  # provided by the handlers mixin
        raise NotImplementedError

    def _round_name(self, base: str, n: int | None = None) -> str:
        """Clocks that can run more than once get a round number after the first."""
        n = n if n is not None else 1 + sum(1 for c in self.s.clocks if c.name.split("#")[0] == base)
        return base if n == 1 else f"{base}#{n}"

    def _start_clock(self, name: str, started_at: datetime, due_at: datetime) -> None:
        kind = name.split("#")[0].split(":")[0]
        clock = Clock(
            name=name, label=CLOCK_LABELS[kind], milestone=CLOCK_MILESTONES[kind],
            pausable=kind in PAUSABLE, started_at=started_at, due_at=due_at,
            warn_share=self._policy.warn_at,
            expiry=Expiry.CLOSE_NO_FEEDBACK if kind == "verify_window" else Expiry.BREACH)
        if self.s.waiting_on_customer:
            clock.pause(workflow.now())
        self.s.clocks.append(clock)
        self._changes += 1

    def _next_clock_event(self) -> tuple[datetime, str] | None:
        upcoming = [(t, c.name) for c in self.s.clocks if (t := c.next_event()) is not None]
        return min(upcoming) if upcoming else None

    def _meet(self, milestone: Milestone, name: str | None = None) -> None:
        now = workflow.now()
        for clock in self.s.clocks:
            if clock.running and clock.milestone is milestone and (name is None or clock.name == name):
                clock.resume(now)
                clock.met_at = now
                self._sla_events.append(SlaEvent(clock=clock.name, kind="met", at=now,
                                                 deadline=clock.deadline()))

    def _fire_due_clocks(self) -> None:
        now = workflow.now()
        for clock in list(self.s.clocks):
            if not clock.running or clock.paused:
                continue
            if clock.expiry is Expiry.CLOSE_NO_FEEDBACK:
                if now >= clock.deadline():
                    clock.stopped_at = now
                    self._event("no_feedback", SYSTEM, "verification window ended without an answer")
                    self._close(Outcome.NO_FEEDBACK, SYSTEM)
            elif now >= clock.deadline():
                self._breach(clock, now)
            elif clock.warned_at is None and now >= clock.warn_time():
                self._warn(clock, now)

    def _warn(self, clock: Clock, now: datetime) -> None:
        clock.warned_at = now
        self._sla_events.append(SlaEvent(clock=clock.name, kind="warned", at=now, deadline=clock.deadline()))
        self._event("sla_warning", SYSTEM, f"{clock.label} due {clock.deadline().isoformat()}")
        self._notify("owner", self.s.owner_id, "sla_warning",
                     f"{self.s.complaint_id}: {clock.label} due at {clock.deadline().isoformat()}")

    def _breach(self, clock: Clock, now: datetime) -> None:
        s = self.s
        clock.breached_at = now
        s.breached, s.supervisor_assigned = True, True  # the green channel
        self._sla_events.append(SlaEvent(clock=clock.name, kind="breached", at=now, deadline=clock.deadline()))
        self._event("sla_breached", SYSTEM, f"{clock.label} was due {clock.deadline().isoformat()}")
        if clock.name.startswith("reply:"):
            wo = s.work_order(clock.name.removeprefix("reply:"))
            department = wo.department if wo else s.department
            self._notify("supervisor", f"supervisor:{department}", "work_order_overdue",
                         f"Work order {clock.name.removeprefix('reply:')} on {s.complaint_id} is overdue")
            self._notify("owner", s.owner_id, "work_order_overdue",
                         f"Work order {clock.name.removeprefix('reply:')} to {department} is overdue")
        else:
            self._notify("supervisor", f"supervisor:{s.department}", "sla_breach",
                         f"{s.complaint_id}: {clock.label} breached; you are assigned (green channel)")
            self._notify_customer("progress")
        self._search_attributes_due = True
